import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatContract } from '../../../src/engine/contracts/format.js';
import type { ContractContext } from '../../../src/engine/contracts/types.js';
import type { ContractSpec } from '../../../src/pipeline/model.js';

const dir = mkdtempSync(join(tmpdir(), 'wave-format-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function check(value: object, schemaPath: string): Promise<string[]> {
  writeFileSync(join(dir, 'out.json'), JSON.stringify(value));
  const contract = { type: 'format', source: 'out.json', schemaPath } as unknown as ContractSpec;
  const r = await formatContract(contract, { workspace: dir } as ContractContext);
  return r.errors;
}

const body = `## Description\n${'x'.repeat(60)}\n## Acceptance Criteria\n- works\n`;

describe('format contract: output that admits it is unfinished is refused (GOWAVE §7)', () => {
  it('an issue title with a placeholder word in any case, a body with TODO, TBD or FIXME', async () => {
    const title = 'Fix the login page crash';
    expect(await check({ title, body }, 'github-issue-analysis.schema.json')).toEqual([]);
    expect(await check({ title: `${title} (tbd)`, body }, 'github-issue-analysis.schema.json')).toEqual([
      'out.json (issue format): title contains placeholder text',
    ]);
    expect(await check({ title, body: `${body}FIXME later` }, 'github-issue-analysis.schema.json')).toEqual([
      'out.json (issue format): body contains TODO, TBD or FIXME',
    ]);
    // The body rule is the Go Wave's: case-sensitive, and XXX is not in it.
    expect(await check({ title, body: `${body}todo XXX` }, 'github-issue-analysis.schema.json')).toEqual([]);
  });

  it('any string of a generic object, including [placeholder]', async () => {
    expect(await check({ a: { b: ['fine', 'see [placeholder]'] } }, 'other.schema.json')).toEqual([
      'out.json (generic format): a.b[1] contains placeholder text',
    ]);
    expect(await check({ a: 'xxx marks the spot' }, 'other.schema.json')).toEqual([
      'out.json (generic format): a contains placeholder text',
    ]);
  });
});
