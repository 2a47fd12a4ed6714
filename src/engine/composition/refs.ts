import { readFileSync } from 'node:fs';
import type { ArtifactRecord, RunRecord } from '../../store/store.js';
import { jsonPath } from '../../util/json-path.js';
import type { RunContext } from '../context.js';

/**
 * The template engines GOWAVE.md §10 applies to composition fields:
 * - C (`resolveStepRefs`): `{{ <step>.out.<artifact>[.<path>] }}` and the legacy
 *   `{{ <step>.output[.<path>] }}`, read from the run's artifacts (a loop pass also reads its
 *   parent's); a reference not found stays as written;
 * - B (`resolveItem`): `{{ item }}`, `{{ item.<path> }}`, `{{ iteration }}` of an iterate item;
 * - A (`resolvePlaceholders`): the run's values (`input`, `run.id`, `env.*`, `project.*`, …);
 *   unknown names stay as written.
 */

const TEMPLATE = /\{\{\s*([^{}]+?)\s*\}\}/g;

/** A value as the Go Wave puts it into text: strings as they are, the rest as JSON. */
export function templateText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  return JSON.stringify(value);
}

/** The artifacts a run can address as `<step>.out.<name>`: its own, then those of its scope. */
export class ArtifactScope {
  private readonly cache = new Map<string, Promise<ArtifactRecord[]>>();

  constructor(private readonly ctx: RunContext) {}

  /** Runs searched in order: this run, then (a loop pass) the runs it reads from. */
  private async runIds(): Promise<string[]> {
    const ids = [this.ctx.run.id];
    let scope = this.ctx.lineage?.scopeOf ?? null;
    while (scope && !ids.includes(scope)) {
      ids.push(scope);
      const run: RunRecord | null = await this.ctx.store.getRun(scope);
      scope = run?.options.lineage?.scopeOf ?? null;
    }
    return ids;
  }

  private list(runId: string): Promise<ArtifactRecord[]> {
    let p = this.cache.get(runId);
    if (!p) {
      p = this.ctx.store.listArtifacts(runId);
      this.cache.set(runId, p);
    }
    return p;
  }

  /** A step's artifacts, from the nearest run of the scope that has any for it. */
  async ofStep(step: string): Promise<ArtifactRecord[]> {
    for (const id of await this.runIds()) {
      const found = (await this.list(id)).filter((a) => a.step === step);
      if (found.length) return found;
    }
    return [];
  }

  /** An artifact by its bare name (config.inject): this run's, its scope's, then inherited ones. */
  async byName(name: string): Promise<{ name: string; path: string } | null> {
    for (const id of await this.runIds()) {
      const list = await this.list(id);
      for (let i = list.length - 1; i >= 0; i--) {
        const a = list[i]!;
        if (a.name === name) return { name, path: a.path };
      }
    }
    return this.ctx.lineage?.inherited.find((a) => a.name === name) ?? null;
  }
}

function readValue(path: string, field: string): { ok: true; value: unknown } | { ok: false } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { ok: false };
  }
  if (field === '') return { ok: true, value: text.trim() };
  try {
    const value = jsonPath(JSON.parse(text), field);
    return value === undefined || value === null ? { ok: false } : { ok: true, value };
  } catch {
    return { ok: false };
  }
}

/** Engine C. */
export async function resolveStepRefs(text: string, scope: ArtifactScope): Promise<string> {
  const refs = [...text.matchAll(TEMPLATE)];
  let out = text;
  for (const m of refs) {
    const expr = m[1]!;
    const value = await stepRef(expr, scope);
    if (value !== undefined) out = out.replace(m[0], () => templateText(value));
  }
  return out;
}

async function stepRef(expr: string, scope: ArtifactScope): Promise<unknown> {
  const outAt = expr.indexOf('.out.');
  if (outAt > 0) {
    const artifacts = await scope.ofStep(expr.slice(0, outAt));
    const rest = expr.slice(outAt + 5);
    // Artifact names may hold dots: the longest name that the reference starts with wins.
    const match = artifacts
      .filter((a) => rest === a.name || rest.startsWith(`${a.name}.`))
      .sort((a, b) => b.name.length - a.name.length)[0];
    if (!match) return undefined;
    const r = readValue(match.path, rest.slice(match.name.length + 1));
    return r.ok ? r.value : undefined;
  }
  const legacy = /^(.+?)\.output(?:\.(.+))?$/.exec(expr);
  if (legacy) {
    const artifacts = await scope.ofStep(legacy[1]!);
    // The legacy form: the first artifact, or with a path the first one that has it.
    for (const a of artifacts) {
      const r = readValue(a.path, legacy[2] ?? '');
      if (r.ok) return r.value;
    }
  }
  return undefined;
}

/** Engine B: an iterate item's values. */
export function resolveItem(text: string, item: unknown, iteration: number): string {
  return text.replace(TEMPLATE, (whole, expr: string) => {
    if (expr === 'item') return templateText(item);
    if (expr === 'iteration') return String(iteration);
    if (expr.startsWith('item.')) {
      const v = jsonPath(item, expr.slice(5));
      return v === undefined || v === null ? whole : templateText(v);
    }
    return whole;
  });
}

/** Engine A: named values; unknown names stay. */
export function resolvePlaceholders(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(TEMPLATE, (whole, expr: string) => values[expr] ?? whole);
}
