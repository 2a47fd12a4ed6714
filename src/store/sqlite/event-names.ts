import type { Statement } from 'better-sqlite3';
import type { Db } from './open-database.js';

/** Past this many cached names (one per run ever seen), the caches start over. */
const MAX_CACHED = 50_000;

/**
 * Run ids, event types, origins and stream names of the events table, each stored once in
 * event_names and referred to by number. A number never changes once committed, so committed
 * pairs are cached; pairs created by a write transaction are cached only after it commits (a
 * rolled-back number may be given to another name by the next writer).
 */
export class EventNames {
  private readonly byName = new Map<string, number>();
  private readonly byNum = new Map<number, string>();
  private readonly pending = new Map<string, number>();
  private readonly s: { num: Statement; name: Statement; insert: Statement };

  constructor(db: Db) {
    this.s = {
      num: db.prepare('SELECT num FROM event_names WHERE name = ?').pluck(),
      name: db.prepare('SELECT name FROM event_names WHERE num = ?').pluck(),
      insert: db.prepare('INSERT INTO event_names (name) VALUES (?)'),
    };
  }

  /** For reads: the number of a committed name, undefined when no event uses it yet. */
  find(name: string): number | undefined {
    const cached = this.byName.get(name);
    if (cached !== undefined) return cached;
    const num = this.s.num.get(name) as number | undefined;
    if (num !== undefined) this.remember(name, num);
    return num;
  }

  /** For reads: the name behind a number read from a committed row. */
  name(num: number): string {
    const cached = this.byNum.get(num);
    if (cached !== undefined) return cached;
    const name = this.s.name.get(num) as string | undefined;
    if (name === undefined) throw new Error(`event name #${num} is missing from event_names`);
    this.remember(name, num);
    return name;
  }

  /** Inside a write transaction: the name's number, created if new. */
  intern(name: string): number {
    const known = this.byName.get(name) ?? this.pending.get(name);
    if (known !== undefined) return known;
    // Inside the write lock, a row not created by this transaction was committed before it.
    const existing = this.s.num.get(name) as number | undefined;
    if (existing !== undefined) {
      this.remember(name, existing);
      return existing;
    }
    const num = Number(this.s.insert.run(name).lastInsertRowid);
    this.pending.set(name, num);
    return num;
  }

  /** The write transaction committed: its new names are for good. */
  committed(): void {
    for (const [name, num] of this.pending) this.remember(name, num);
    this.pending.clear();
  }

  /** The write transaction rolled back: its new names never existed. */
  rolledBack(): void {
    this.pending.clear();
  }

  private remember(name: string, num: number): void {
    if (this.byName.size >= MAX_CACHED) {
      this.byName.clear();
      this.byNum.clear();
    }
    this.byName.set(name, num);
    this.byNum.set(num, name);
  }
}
