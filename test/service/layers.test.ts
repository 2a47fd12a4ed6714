import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return tsFiles(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

/** The callers of the run service: they parse, call the service and render. */
const CALLERS = ['server/routes', 'server/webhooks', 'cli/commands'].flatMap((d) => tsFiles(join(SRC, d)));

describe('one way into runs', () => {
  it('no route, webhook or command imports the store (types included)', () => {
    const offenders = CALLERS.filter((f) => /from '[^']*store\//.test(readFileSync(f, 'utf8')));
    expect(offenders.map((f) => relative(SRC, f))).toEqual([]);
  });

  it('no route or webhook reaches past the service into the store, the supervisor or the scheduler', () => {
    const routes = CALLERS.filter((f) => !f.includes(`${join('cli', 'commands')}`));
    const offenders = routes.filter((f) =>
      /ctx\.(store|supervisor|scheduler)\b|\.pump\(\)/.test(readFileSync(f, 'utf8')),
    );
    expect(offenders.map((f) => relative(SRC, f))).toEqual([]);
  });

  it('no route, webhook or command builds an event', () => {
    const offenders = CALLERS.filter((f) =>
      /type: '(run|step|gate|stream)_[a-z_]+'/.test(readFileSync(f, 'utf8')),
    );
    expect(offenders.map((f) => relative(SRC, f))).toEqual([]);
  });

  it('the claim with a lease is made only in scheduler/leases.ts', () => {
    const offenders = tsFiles(SRC).filter(
      (f) =>
        !f.endsWith(join('scheduler', 'leases.ts')) &&
        !f.includes(`${join(SRC, 'store')}`) &&
        /\.(claimRun|claimNextRun|findOrphans|renewLeases)\(|LEASE_MS\s*=/.test(readFileSync(f, 'utf8')),
    );
    expect(offenders.map((f) => relative(SRC, f))).toEqual([]);
  });
});
