import { createHash } from 'node:crypto';
import pg from 'pg';
import { WaveError } from '../../errors.js';
import { literalsOf, withLiterals } from './pg-literals.js';
import { PG_MIGRATIONS } from './pg-migrations.js';

/** What runs a statement: the pool (its own transaction) or a client inside `tx`. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<pg.QueryResult<R>>;
  /**
   * Inside `tx`: a statement whose result nobody reads, sent with the transaction's next round
   * trip (the next statement, or the closing script), in order. Absent on the pool.
   */
  defer?(sql: string, params: readonly unknown[]): void;
}

/**
 * A write whose result nobody reads: deferred to the transaction's next round trip where `c` can
 * (a `tx` client), else sent now.
 */
export async function writeLater(c: Queryable, sql: string, params: readonly unknown[]): Promise<void> {
  if (c.defer) c.defer(sql, params);
  else await c.query(sql, params);
}

/** BIGINT (seq, epoch ms, counts) as a JS number: every value Wave stores fits in 2^53. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8 && format !== 'binary') return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/** Ids of advisory locks Wave takes (one bigint namespace per database). */
export const ADVISORY = {
  migrate: 0x57415645_01, // 'WAVE' 1
  /** Held from a transaction's start to its commit by every writer of events: seq order is commit order. */
  seq: 0x57415645_02,
  /** Held by claims that count runs over all owners (server.global_max_concurrent). */
  claim: 0x57415645_03,
} as const;

const names = new Map<string, string>();
/** Texts built from filters (label lists) could be many: past this many, new ones go unprepared. */
const MAX_PREPARED = 1000;

/**
 * A statement with parameters goes as a named prepared statement: each connection parses and
 * plans it once and then only binds and executes it, which is most of what PostgreSQL spends
 * on Wave's short statements. The name is a digest of the text, so one text is one statement on
 * every connection. Without parameters the text may be a script of several statements, which
 * cannot be prepared: it goes as it is.
 */
function statement(sql: string, params: readonly unknown[] | undefined): pg.QueryConfig {
  if (params === undefined) return { text: sql };
  const name = nameOf(sql);
  return name === null
    ? { text: sql, values: params as unknown[] }
    : { name, text: sql, values: params as unknown[] };
}

function nameOf(sql: string): string | null {
  let name = names.get(sql);
  if (name === undefined) {
    if (names.size >= MAX_PREPARED) return null;
    // Lower case: SQL's PREPARE and EXECUTE fold unquoted names to it.
    name = `w${createHash('sha1').update(sql).digest('hex').slice(0, 24)}`;
    names.set(sql, name);
  }
  return name;
}

/** What node-postgres records as parsed on a connection (name → text); absent if it ever stops. */
function parsedOn(client: pg.PoolClient): Record<string, string> | undefined {
  return (client as unknown as { connection?: { parsedStatements?: Record<string, string> } }).connection
    ?.parsedStatements;
}

/**
 * A statement as part of a script (one round trip): `EXECUTE` of its prepared form when the
 * connection has it (planned once, as `statement` would be), else `PREPARE` + `EXECUTE`, whose
 * name is recorded in `prepares` (to mark it parsed once the script has run); else, without a
 * name or with node-postgres' record unknown, the text with its parameters written in. Null:
 * the values are too large to write in.
 */
function scripted(
  client: pg.PoolClient,
  sql: string,
  params: readonly unknown[],
  prepares: Map<string, string>,
): string | null {
  const literals = literalsOf(params);
  if (literals === null) return null;
  const name = nameOf(sql);
  const parsed = parsedOn(client);
  if (name === null || parsed === undefined || literals.length === 0) return withLiterals(sql, params);
  const execute = `EXECUTE ${name}(${literals.join(', ')})`;
  if (parsed[name] === sql || prepares.has(name)) return execute;
  prepares.set(name, sql);
  return `PREPARE ${name} AS ${sql};\n${execute}`;
}

/** Marks what a script that ran prepared as parsed, for node-postgres to use it from now on. */
function markParsed(client: pg.PoolClient, prepared: Map<string, string>): void {
  const parsed = parsedOn(client);
  if (parsed) for (const [name, sql] of prepared) parsed[name] = sql;
}

/** The URL without its password, for messages and /api/health. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

/** host:port (and database) of a URL, for "cannot reach …" messages. */
export function describeTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname || ''}`;
  } catch {
    return '(unparseable storage.url)';
  }
}

/** A pool with Wave's type parsing; `tx` runs a function in one transaction on one client. */
export class PgDb implements Queryable {
  readonly pool: pg.Pool;
  /** Where Wave's tables are, when not the default schema (created by `migrate`). */
  readonly schema: string | null;
  private opened: Promise<void> | null = null;

  constructor(
    readonly url: string,
    opts: { max?: number; applicationName?: string; schema?: string } = {},
  ) {
    this.schema = opts.schema ?? null;
    this.pool = new pg.Pool({
      ...(this.schema ? { options: `-c search_path=${quoteIdent(this.schema)}` } : {}),
      connectionString: url,
      max: opts.max ?? 10,
      types,
      application_name: opts.applicationName ?? 'wave',
      connectionTimeoutMillis: 10_000,
    });
    // An idle client's connection dropping must not crash the process: the next query
    // reconnects (or fails as store_unavailable).
    this.pool.on('error', () => {});
  }

  /**
   * Connects and migrates once; from then on every query and transaction waits for it (and fails
   * as it did), so a store can be built synchronously and used at once.
   */
  open(): Promise<void> {
    this.opened ??= this.migrate().then(() => undefined);
    return this.opened;
  }

  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<pg.QueryResult<R>> {
    if (this.opened) await this.opened;
    return await this.pool.query<R>(statement(sql, params));
  }

  async tx<T>(fn: (client: Queryable) => Promise<T>): Promise<T> {
    if (this.opened) await this.opened;
    return await this.txNow(fn);
  }

  /**
   * `tx` with its own opening and closing scripts, each several statements (no parameters:
   * literals only). `close` is asked for the closing script after `fn`, which must end with
   * COMMIT; `closed` gets its results once it committed.
   */
  async txScripted<T>(
    open: string,
    fn: (client: Queryable) => Promise<T>,
    close: () => string,
    closed?: (results: pg.QueryResult[]) => void,
  ): Promise<T> {
    if (this.opened) await this.opened;
    return await this.txNow(fn, open, close, closed);
  }

  private async txNow<T>(
    fn: (client: Queryable) => Promise<T>,
    open = 'BEGIN',
    close: () => string = () => 'COMMIT',
    closed?: (results: pg.QueryResult[]) => void,
  ): Promise<T> {
    const client = await this.pool.connect();
    // A checked-out client whose connection drops between two statements emits 'error': with no
    // listener that would crash the process; the failing statement reports it instead.
    const ignore = () => {};
    client.on('error', ignore);
    let broken: Error | undefined;
    // A script that failed may have prepared statements node-postgres does not know of: its
    // connection is not reused then.
    let unsure = false;
    try {
      // What has yet to be sent (the opening script, deferred statements) goes with the next
      // statement, its parameters written in, or with the closing script: a transaction that
      // only writes is one round trip.
      let pending: string[] = [open];
      // Statements this transaction's scripts prepare, and those of the script being built.
      const prepares = new Map<string, string>();
      let preparing = new Map<string, string>();
      const run = async (parts: string[]): Promise<pg.QueryResult[]> => {
        const these = preparing;
        preparing = new Map();
        unsure ||= these.size > 0;
        const results = (await client.query(parts.join(';\n'))) as pg.QueryResult | pg.QueryResult[];
        markParsed(client, these);
        return Array.isArray(results) ? results : [results];
      };
      const scriptOf = (sql: string, params: readonly unknown[]) => {
        const known = prepares.size;
        const text = scripted(client, sql, params, prepares);
        // A PREPARE in this script: marked parsed once the script has run.
        if (prepares.size > known) {
          const [name, stmt] = [...prepares].at(-1)!;
          preparing.set(name, stmt);
        }
        return text;
      };
      // Deferred statements too large to write in: sent at once, awaited before what follows.
      const sent: Promise<unknown>[] = [];
      const query = async <R extends pg.QueryResultRow>(sql: string, params?: readonly unknown[]) => {
        if (sent.length > 0) await Promise.all(sent.splice(0));
        const inline = pending.length > 0 && params !== undefined ? scriptOf(sql, params) : null;
        if (inline === null) {
          // Taken before waiting: what is deferred meanwhile waits for the next round trip.
          const before = pending;
          pending = [];
          if (before.length > 0) await run(before);
          return client.query<R>(statement(sql, params));
        }
        const parts = [...pending, inline];
        pending = [];
        const results = await run(parts);
        return results[results.length - 1] as pg.QueryResult<R>;
      };
      const defer = (sql: string, params: readonly unknown[]) => {
        const inline = scriptOf(sql, params);
        if (inline !== null) pending.push(inline);
        else {
          const running = query(sql, params);
          running.catch(() => {});
          sent.push(running);
        }
      };
      const result = await fn({ query, defer });
      await Promise.all(sent.splice(0));
      const results = await run([...pending, close()]);
      unsure = false;
      closed?.(results);
      return result;
    } catch (err) {
      if (isConnectionError(err) || unsure) broken = err as Error;
      else await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.off('error', ignore);
      // A client whose connection broke is thrown away, not handed to the next caller.
      client.release(broken);
    }
  }

  /** Applies pending migrations in one transaction under an advisory lock; returns those applied. */
  async migrate(): Promise<number[]> {
    return await this.txNow(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY.migrate]);
      if (this.schema) await c.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.schema)}`);
      await c.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
      );
      const { rows } = await c.query<{ version: number }>('SELECT version FROM schema_migrations');
      const applied = new Set(rows.map((r) => r.version));
      const done: number[] = [];
      for (const m of [...PG_MIGRATIONS].sort((a, b) => a.version - b.version)) {
        if (applied.has(m.version)) continue;
        await c.query(m.sql);
        await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          new Date().toISOString(),
        ]);
        done.push(m.version);
      }
      return done;
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** A name as an SQL identifier, quoted. */
function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Connection-level failures (the database is away), as opposed to a bad statement. */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  const code = e?.code ?? '';
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE'].includes(
      code,
    ) ||
    code.startsWith('08') || // connection exception class
    code === '57P01' || // admin_shutdown
    code === '57P02' ||
    code === '57P03' || // cannot_connect_now (starting up)
    /Connection terminated|connection timeout|Client has encountered a connection error/i.test(
      e?.message ?? '',
    )
  );
}

/** Translates a failure to reach or use the database into one a user can act on (no password). */
export function pgStoreError(url: string, err: unknown): WaveError {
  const e = err as { code?: string; message?: string };
  const target = describeTarget(url);
  let message: string;
  if (e?.code === '28P01' || e?.code === '28000') {
    message = `the PostgreSQL store at ${target} refused the credentials in storage.url (wrong user or password)`;
  } else if (e?.code === '3D000') {
    message = `the PostgreSQL store at ${target}: the database does not exist (create it first)`;
  } else if (isConnectionError(err)) {
    message = `cannot reach the PostgreSQL store at ${target} (${e?.code ?? e?.message ?? 'no answer'})`;
  } else {
    message = `the PostgreSQL store at ${target} could not be used: ${e?.message ?? String(err)}`;
  }
  return new WaveError('store_unavailable', message, { target, pg: e?.code ?? null }, { cause: err });
}
