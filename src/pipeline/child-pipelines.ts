import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The pipelines a pipeline file runs as children by a fixed name (`pipeline:` that is not a
 * template, branch cases, in loops too), read straight from `<defsDir>/pipelines/<name>.yaml`;
 * null when there is no such file or it does not parse. For the static nesting check only.
 */
export function childPipelinesOf(defsDir: string, name: string): string[] | null {
  const file = ['yaml', 'yml'].map((ext) => join(defsDir, 'pipelines', `${name}.${ext}`)).find(existsSync);
  if (!file) return null;
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'), { maxAliasCount: 100 });
  } catch {
    return null;
  }
  return isObj(doc) ? namesIn(doc.steps) : [];
}

/** Fixed child names in steps (a step's pipeline, its branch cases, its loop's steps). */
export function namesIn(steps: unknown): string[] {
  const out: string[] = [];
  for (const step of Array.isArray(steps) ? steps : []) {
    if (!isObj(step)) continue;
    const fixed = (v: unknown) => typeof v === 'string' && v !== 'skip' && !v.includes('{{');
    if (fixed(step.pipeline)) out.push(step.pipeline as string);
    if (isObj(step.branch) && isObj(step.branch.cases))
      for (const v of Object.values(step.branch.cases)) if (fixed(v)) out.push(v as string);
    if (isObj(step.loop)) out.push(...namesIn(step.loop.steps));
  }
  return out;
}
