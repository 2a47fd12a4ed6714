import pg from 'pg';

/**
 * A statement with its parameters written in as literals, so that it can travel in a script of
 * several statements (one round trip). Each value becomes a quoted literal of unknown type, which
 * PostgreSQL types from its context as it would type the parameter; null becomes NULL. Null when
 * the values are too large to be worth quoting (a big artifact): send the statement on its own.
 */
export function withLiterals(sql: string, params: readonly unknown[]): string | null {
  const literals = literalsOf(params);
  if (literals === null) return null;
  // $1 … $n, longest first matched by the one pattern ($12 is not $1 then 2).
  return sql.replace(/\$(\d+)/g, (token, n: string) => literals[Number(n) - 1] ?? token);
}

/** The parameters as literals (for `EXECUTE name(…)` too); null when too large to be worth it. */
export function literalsOf(params: readonly unknown[]): string[] | null {
  const literals: string[] = [];
  let size = 0;
  for (const value of params) {
    const literal = toLiteral(value);
    size += literal.length;
    if (size > MAX_INLINE_BYTES) return null;
    literals.push(literal);
  }
  return literals;
}

const MAX_INLINE_BYTES = 64 * 1024;

function toLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (Buffer.isBuffer(value)) return pg.escapeLiteral(`\\x${value.toString('hex')}`);
  if (Array.isArray(value)) return pg.escapeLiteral(arrayText(value));
  if (value instanceof Date) return pg.escapeLiteral(value.toISOString());
  if (typeof value === 'object') return pg.escapeLiteral(JSON.stringify(value));
  return pg.escapeLiteral(String(value));
}

/** A one-dimensional array in PostgreSQL's text form: {"a","b",NULL}. */
function arrayText(values: readonly unknown[]): string {
  const items = values.map((v) =>
    v === null || v === undefined ? 'NULL' : `"${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`,
  );
  return `{${items.join(',')}}`;
}
