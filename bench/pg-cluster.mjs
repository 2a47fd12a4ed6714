// The tests' throwaway PostgreSQL cluster (test/helpers/pg-cluster.ts), for the benchmarks: the
// same file, transpiled on the fly with the TypeScript compiler the project already has, so the
// logic lives in one place.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

const source = new URL('../test/helpers/pg-cluster.ts', import.meta.url);

/** `startPgCluster()` of test/helpers/pg-cluster.ts: `{ adminUrl, port, stop() }`. */
export async function startPgCluster() {
  const { outputText } = ts.transpileModule(readFileSync(source, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  const dir = mkdtempSync(join(tmpdir(), 'wave-bench-pgc-'));
  const file = join(dir, 'pg-cluster.mjs');
  writeFileSync(file, outputText);
  try {
    const mod = await import(pathToFileURL(file).href);
    return await mod.startPgCluster();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A fresh database in the cluster; its URL. */
export async function createDatabase(adminUrl, name) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
