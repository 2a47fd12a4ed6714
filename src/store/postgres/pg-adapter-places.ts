import type { AdapterPlaceStore, AdapterTicket, TakeResult } from '../adapter-places.js';
import type { PgDb } from './pg-db.js';
import { pgGuard } from './pg-guard.js';

const LIVE_OWNERS = 'SELECT id FROM instances WHERE dead = 0 AND heartbeat_at >= $2';

/**
 * Adapter places on PostgreSQL. Takes on one adapter are serialised by a transaction-level
 * advisory lock of that adapter (the low byte 0x04 keeps its keys apart from ADVISORY's), so
 * counting the held places and granting one cannot interleave between servers.
 */
export class PgAdapterPlaces implements AdapterPlaceStore {
  constructor(
    private readonly db: PgDb,
    private readonly location: string,
    private readonly now: () => Date,
  ) {}

  take(
    t: AdapterTicket,
    cap: number,
    leaseMs: number,
    released: readonly string[] = [],
  ): Promise<TakeResult> {
    return pgGuard(this.location, () =>
      this.db.tx(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock((hashtext($1)::bigint << 8) | 4)', [t.adapter]);
        if (released.length) await c.query('DELETE FROM adapter_tickets WHERE id = ANY($1)', [[...released]]);
        await c.query(`DELETE FROM adapter_tickets WHERE adapter = $1 AND owner NOT IN (${LIVE_OWNERS})`, [
          t.adapter,
          this.now().getTime() - leaseMs,
        ]);
        await c.query(
          `INSERT INTO adapter_tickets (id, adapter, owner, run_id, step, ready_at) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (id) DO NOTHING`,
          [t.id, t.adapter, t.owner, t.runId, t.step, t.readyAt],
        );
        const { rows } = await c.query<{ granted: boolean; held: number; ahead: number }>(
          `SELECT (SELECT granted FROM adapter_tickets WHERE id = $1) AS granted,
                  (SELECT COUNT(*)::int FROM adapter_tickets WHERE adapter = $2 AND granted) AS held,
                  (SELECT COUNT(*)::int FROM adapter_tickets
                   WHERE adapter = $2 AND NOT granted AND (ready_at < $3 OR (ready_at = $3 AND id < $1))) AS ahead`,
          [t.id, t.adapter, t.readyAt],
        );
        const row = rows[0]!;
        if (row.granted) return { granted: true } as const;
        if (row.held >= cap || row.ahead > 0) return { granted: false, position: row.ahead + 1 } as const;
        await c.query('UPDATE adapter_tickets SET granted = TRUE WHERE id = $1', [t.id]);
        return { granted: true } as const;
      }),
    );
  }

  remove(id: string): Promise<void> {
    return pgGuard(this.location, async () => {
      await this.db.query('DELETE FROM adapter_tickets WHERE id = $1', [id]);
    });
  }

  positions(adapter: string, leaseMs: number): Promise<Map<string, number>> {
    return pgGuard(this.location, async () => {
      const { rows } = await this.db.query<{ id: string }>(
        `SELECT id FROM adapter_tickets WHERE adapter = $1 AND NOT granted AND owner IN (${LIVE_OWNERS})
         ORDER BY ready_at, id`,
        [adapter, this.now().getTime() - leaseMs],
      );
      return new Map(rows.map((r, i) => [r.id, i + 1]));
    });
  }
}
