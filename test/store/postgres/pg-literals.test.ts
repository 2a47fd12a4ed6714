import { describe, expect, it } from 'vitest';
import { PgDb } from '../../../src/store/postgres/pg-db.js';
import { withLiterals } from '../../../src/store/postgres/pg-literals.js';
import { pgDatabase } from '../../helpers/pg.js';

const SQL =
  'SELECT $1::text AS t, $2::int AS i, $3::text[] AS a, $4::bytea AS b, $5::bigint AS n, $6::text AS z, $7 AS u, $8::text AS j, $9 AS v9, $10 AS v10, $11::boolean AS f';
const PARAMS = [
  `it's a "quote" \\ back\\slash; $1 -- not a comment`,
  42,
  ['plain', 'with "quotes"', 'back\\slash', null, 'comma, brace}{'],
  Buffer.from([0, 1, 254, 255]),
  2 ** 53 - 1,
  null,
  'untyped',
  { json: ['object'] },
  'nine',
  'ten',
  false,
];

describe('statements with their parameters written in', () => {
  it('quotes $n tokens only, and $10 is not $1 followed by 0', () => {
    expect(withLiterals('SELECT $1, $10, $2', ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'])).toBe(
      "SELECT 'a', 'j', 'b'",
    );
    expect(withLiterals('SELECT $1', ['x'.repeat(70_000)])).toBeNull();
  });

  it('give PostgreSQL the same values as parameters do, as the first statement of a transaction', async () => {
    const db = new PgDb(await pgDatabase(), { max: 1 });
    try {
      const asParameters = (await db.query(SQL, PARAMS)).rows[0];
      // A transaction's first statement travels with its BEGIN, its parameters written in.
      const inTransaction = await db.tx(async (c) => (await c.query(SQL, PARAMS)).rows[0]);
      expect(inTransaction).toEqual(asParameters);
      expect(asParameters).toMatchObject({
        t: PARAMS[0],
        i: 42,
        a: PARAMS[2],
        n: 2 ** 53 - 1,
        z: null,
        f: false,
      });
      expect(Buffer.compare(asParameters!.b as Buffer, PARAMS[3] as Buffer)).toBe(0);
    } finally {
      await db.close();
    }
  });

  it('deferred statements run in order with the next round trip, also past one too large to write in', async () => {
    const db = new PgDb(await pgDatabase(), { max: 1 });
    try {
      await db.query('CREATE TABLE notes (n serial, v text)');
      const big = 'x'.repeat(70_000);
      await db.tx(async (c) => {
        c.defer?.('INSERT INTO notes (v) VALUES ($1)', ['first']);
        // Too large to write in: sent at once (after what was deferred before it)...
        c.defer?.('INSERT INTO notes (v) VALUES ($1)', [big]);
        // ...while it is on its way, this one waits for the next round trip.
        c.defer?.('INSERT INTO notes (v) VALUES ($1)', ['last']);
      });
      const { rows } = await db.query<{ v: string }>('SELECT v FROM notes ORDER BY n');
      expect(rows.map((r) => (r.v === big ? 'big' : r.v))).toEqual(['first', 'big', 'last']);
    } finally {
      await db.close();
    }
  });
});
