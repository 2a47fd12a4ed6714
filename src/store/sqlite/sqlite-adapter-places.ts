import type { AdapterPlaceStore, AdapterTicket, TakeResult } from '../adapter-places.js';
import type { Db } from './open-database.js';

const LIVE_OWNERS = 'SELECT id FROM instances WHERE dead = 0 AND heartbeat_at >= ?';

/** Adapter places on SQLite: each take is one `BEGIN IMMEDIATE` transaction, as run claims are. */
export class SqliteAdapterPlaces implements AdapterPlaceStore {
  private readonly s;

  constructor(
    private readonly db: Db,
    private readonly guard: <T>(fn: () => T) => Promise<T>,
    private readonly now: () => Date,
  ) {
    this.s = {
      forgetDead: db.prepare(
        `DELETE FROM adapter_tickets WHERE adapter = ? AND owner NOT IN (${LIVE_OWNERS})`,
      ),
      insert: db.prepare(
        `INSERT INTO adapter_tickets (id, adapter, owner, run_id, step, ready_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO NOTHING`,
      ),
      granted: db.prepare('SELECT granted FROM adapter_tickets WHERE id = ?').pluck(),
      held: db.prepare('SELECT COUNT(*) FROM adapter_tickets WHERE adapter = ? AND granted = 1').pluck(),
      ahead: db
        .prepare(
          `SELECT COUNT(*) FROM adapter_tickets
           WHERE adapter = ? AND granted = 0 AND (ready_at < ? OR (ready_at = ? AND id < ?))`,
        )
        .pluck(),
      grant: db.prepare('UPDATE adapter_tickets SET granted = 1 WHERE id = ?'),
      remove: db.prepare('DELETE FROM adapter_tickets WHERE id = ?'),
      waiting: db
        .prepare(
          `SELECT id FROM adapter_tickets WHERE adapter = ? AND granted = 0 AND owner IN (${LIVE_OWNERS})
           ORDER BY ready_at, id`,
        )
        .pluck(),
    };
  }

  take(
    t: AdapterTicket,
    cap: number,
    leaseMs: number,
    released: readonly string[] = [],
  ): Promise<TakeResult> {
    return this.guard(() =>
      this.db
        .transaction((): TakeResult => {
          for (const id of released) this.s.remove.run(id);
          this.s.forgetDead.run(t.adapter, this.now().getTime() - leaseMs);
          this.s.insert.run(t.id, t.adapter, t.owner, t.runId, t.step, t.readyAt);
          if (this.s.granted.get(t.id) === 1) return { granted: true };
          const held = this.s.held.get(t.adapter) as number;
          const ahead = this.s.ahead.get(t.adapter, t.readyAt, t.readyAt, t.id) as number;
          if (held >= cap || ahead > 0) return { granted: false, position: ahead + 1 };
          this.s.grant.run(t.id);
          return { granted: true };
        })
        .immediate(),
    );
  }

  remove(id: string): Promise<void> {
    return this.guard(() => {
      this.s.remove.run(id);
    });
  }

  positions(adapter: string, leaseMs: number): Promise<Map<string, number>> {
    return this.guard(() => {
      const ids = this.s.waiting.all(adapter, this.now().getTime() - leaseMs) as string[];
      return new Map(ids.map((id, i) => [id, i + 1]));
    });
  }
}
