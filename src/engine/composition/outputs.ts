import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EventDraft } from '../../events/catalogue.js';
import type { PipelineSpec } from '../../pipeline/model.js';
import type { ArtifactRecord, SideEffects } from '../../store/store.js';
import { jsonPath } from '../../util/json-path.js';
import { artifactPath } from '../artifacts.js';
import type { RunContext } from '../context.js';
import { hashFile } from '../fs-utils.js';

type Written = Extract<EventDraft, { type: 'artifact_written' }>;

/**
 * A composition step's outputs, kept like any step's artifacts (`.wave/artifacts/<run>/<step>/`)
 * and recorded with the event that announces them, so that later steps, dependency injection
 * and templates find them as they find any other step's.
 */
export class StepOutputs {
  readonly events: Written[] = [];
  readonly records: NonNullable<SideEffects['artifacts']> = [];

  constructor(
    private readonly ctx: RunContext,
    private readonly step: string,
  ) {}

  async addFile(name: string, source: string, type: string): Promise<void> {
    const kept = artifactPath(this.ctx, this.step, name);
    mkdirSync(dirname(kept), { recursive: true });
    if (kept !== source) copyFileSync(source, kept);
    await this.record(name, kept, type);
  }

  async addText(name: string, text: string, type: string): Promise<void> {
    const kept = artifactPath(this.ctx, this.step, name);
    mkdirSync(dirname(kept), { recursive: true });
    writeFileSync(kept, text);
    await this.record(name, kept, type);
  }

  private async record(name: string, path: string, type: string): Promise<void> {
    const { sha256, size } = await hashFile(path);
    const i = this.records.findIndex((r) => r.name === name);
    if (i !== -1) {
      this.records.splice(i, 1);
      this.events.splice(i, 1);
    }
    this.events.push({
      type: 'artifact_written',
      run_id: this.ctx.run.id,
      step: this.step,
      name,
      size,
      sha256,
    });
    this.records.push({ step: this.step, name, path, type });
  }

  /**
   * A child's artifacts, under their own names (a later step's wins over an earlier one's of the
   * same name) and under its `pipeline_outputs` aliases (GOWAVE.md §1, "Recommendation").
   */
  async addChild(spec: PipelineSpec, artifacts: readonly ArtifactRecord[]): Promise<void> {
    const order = new Map(spec.steps.map((s, i) => [s.id, i]));
    const sorted = [...artifacts].sort((a, b) => (order.get(a.step) ?? 0) - (order.get(b.step) ?? 0));
    for (const a of sorted) if (existsSync(a.path)) await this.addFile(a.name, a.path, a.type);
    for (const [alias, o] of Object.entries(spec.outputs)) {
      const a = artifacts.find((x) => x.step === o.step && x.name === o.artifact);
      if (!a || !existsSync(a.path)) continue;
      if (!o.field) {
        await this.addFile(alias, a.path, a.type);
        continue;
      }
      const value = fieldOf(a.path, o.field);
      if (value !== undefined) await this.addText(alias, JSON.stringify(value), 'json');
    }
  }
}

function fieldOf(path: string, field: string): unknown {
  try {
    return jsonPath(JSON.parse(readFileSync(path, 'utf8')), field);
  } catch {
    return undefined;
  }
}

/**
 * A child's primary output for iterate's collected-output (GOWAVE.md §2, "Recommendation"):
 * its first `pipeline_outputs` alias, else its terminal step's first output artifact; JSON when
 * it parses, else the text; null when there is none.
 */
export function primaryOutput(spec: PipelineSpec, artifacts: readonly ArtifactRecord[]): unknown {
  let file: string | undefined;
  let field: string | null = null;
  const alias = Object.values(spec.outputs)[0];
  if (alias) {
    file = artifacts.find((a) => a.step === alias.step && a.name === alias.artifact)?.path;
    field = alias.field;
  }
  if (!file) {
    for (let i = spec.steps.length - 1; i >= 0 && !file; i--) {
      const s = spec.steps[i]!;
      const own = artifacts.filter((a) => a.step === s.id);
      const first = s.outputs.map((o) => own.find((a) => a.name === o.name)).find(Boolean) ?? own[0];
      file = first?.path;
    }
  }
  if (!file || !existsSync(file)) return null;
  const text = readFileSync(file, 'utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return field ? null : text;
  }
  return field ? (jsonPath(value, field) ?? null) : value;
}
