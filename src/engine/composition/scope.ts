import type { CompositionSpec, PipelineSpec, StepSpec } from '../../pipeline/model.js';
import type { RunRecord } from '../../store/store.js';
import type { ChildLineage, ChildOutcome, RunContext } from '../context.js';
import { templateValues } from '../template-values.js';
import type { StepOutputs } from './outputs.js';
import { ArtifactScope, resolveItem, resolvePlaceholders, resolveStepRefs } from './refs.js';

/** Child runs nest at most this deep (PIPELINES.md "Where Wave differs"). */
export const MAX_NESTING = 10;

export type StepError = { code: string; message: string };
export type CompositionResult = { ok: true } | { ok: false; error: StepError } | { cancelled: true };

/** One item's end: a child that ran (or had run), or one that could not be started. */
export interface ItemEnd {
  status: ChildOutcome['status'];
  error: { code: string; message: string } | null;
  run: RunRecord | null;
}

/** What a composition step works with: its spec, templates, outputs and existing children. */
export class CompositionScope {
  readonly artifacts: ArtifactScope;
  private inheritedList: ChildLineage['inherited'] | undefined;

  private constructor(
    readonly ctx: RunContext,
    readonly step: StepSpec,
    readonly comp: CompositionSpec,
    readonly signal: AbortSignal,
    readonly outputs: StepOutputs,
    readonly values: Record<string, string>,
    readonly existing: Map<number, RunRecord>,
  ) {
    this.artifacts = new ArtifactScope(ctx);
  }

  static async open(
    ctx: RunContext,
    step: StepSpec,
    comp: CompositionSpec,
    signal: AbortSignal,
    outputs: StepOutputs,
  ): Promise<CompositionScope> {
    const gates = ctx.spec.steps.some((s) => s.kind === 'gate') ? await ctx.store.listGates(ctx.run.id) : [];
    const values = templateValues(ctx, step, gates);
    // Composition fields are read in the project, not in a step workspace: full paths.
    for (const a of ctx.lineage?.inherited ?? []) values[`artifacts.${a.name}`] = a.path;
    const existing = ctx.children ? await ctx.children.existing(ctx, step.id) : new Map();
    return new CompositionScope(ctx, step, comp, signal, outputs, values, existing);
  }

  /** Engines C then A: `{{ step.out.x }}`, then the run's named values. */
  async resolve(text: string): Promise<string> {
    return resolvePlaceholders(await resolveStepRefs(text, this.artifacts), this.values);
  }

  /**
   * The child's input: `input` (or `input_ref`) through engines C, B (an iterate's item) and A;
   * the parent's input when none is given or it comes out empty.
   */
  async childInput(item?: { value: unknown; index: number }): Promise<string | null> {
    const { comp } = this;
    let text = comp.input ?? comp.inputRef?.literal ?? null;
    if (text === null && comp.inputRef?.from) {
      const from = comp.inputRef.from;
      const dot = from.indexOf('.');
      text = dot > 0 ? `{{ ${from.slice(0, dot)}.out.${from.slice(dot + 1)} }}` : `{{ ${from}.output }}`;
    }
    if (text === null) return this.ctx.run.input;
    text = await resolveStepRefs(text, this.artifacts);
    if (item) text = resolveItem(text, item.value, item.index);
    text = resolvePlaceholders(text, this.values);
    return text === '' ? this.ctx.run.input : text;
  }

  /**
   * Parent artifacts given to a child (GOWAVE.md §1, 5b): every artifact of the step's
   * dependencies, and each `config.inject` name (this run's, its scope's, or inherited).
   */
  async inherited(): Promise<ChildLineage['inherited'] | StepError> {
    if (this.inheritedList) return this.inheritedList;
    const byName = new Map<string, string>();
    for (const a of this.ctx.lineage?.inherited ?? [])
      if (this.step.kind === 'loop') byName.set(a.name, a.path);
    for (const dep of this.step.dependencies)
      for (const a of await this.artifacts.ofStep(dep)) byName.set(a.name, a.path);
    for (const name of this.comp.inject) {
      const found = await this.artifacts.byName(name);
      if (!found)
        return {
          code: 'artifact_missing',
          message: `config.inject: no artifact "${name}" in this run, its dependencies or its parent`,
        };
      byName.set(name, found.path);
    }
    this.inheritedList = [...byName].map(([name, path]) => ({ name, path }));
    return this.inheritedList;
  }

  /** Runs one child to its end (or finds it ended); never throws for the child's own failure. */
  async runChild(req: {
    index: number;
    pipeline: string;
    spec?: PipelineSpec;
    input: string | null;
    iteration: number | null;
    scopeOf?: string;
    signal?: AbortSignal;
  }): Promise<ItemEnd> {
    const { ctx } = this;
    if (!ctx.children)
      return fail('internal_error', 'composition steps need a child-run executor, and this run has none');
    const depth = (ctx.lineage?.depth ?? 0) + 1;
    if (depth > MAX_NESTING)
      return fail(
        'nesting_too_deep',
        `child runs nest at most ${MAX_NESTING} levels deep: "${req.pipeline}" would be level ${depth}`,
      );
    const inherited = await this.inherited();
    if ('code' in inherited) return { status: 'failed', error: inherited, run: null };
    try {
      const o = await ctx.children.run(
        ctx,
        {
          step: this.step.id,
          index: req.index,
          pipeline: req.pipeline,
          ...(req.spec ? { spec: req.spec } : {}),
          input: req.input,
          templateEnv: { ...ctx.templateEnv, ...this.comp.env },
          lineage: {
            depth,
            inherited,
            iteration: req.iteration,
            scopeOf: req.scopeOf ?? null,
            maxCycles: this.comp.maxCycles ?? this.ctx.lineage?.maxCycles ?? null,
          },
          signal: req.signal ?? this.signal,
        },
        this.existing.get(req.index),
      );
      return { status: o.status, error: o.error, run: o.run };
    } catch (err) {
      const e = err as { code?: string; message?: string };
      return fail(e.code ?? 'child_failed', e.message ?? String(err));
    }
  }
}

function fail(code: string, message: string): ItemEnd {
  return { status: 'failed', error: { code, message }, run: null };
}

/** The step's error for a child that did not complete; `rejected` is carried up as it is. */
export function childError(end: ItemEnd, what: string): StepError {
  const id = end.run ? ` (run ${end.run.id})` : '';
  const why = end.error?.message ?? end.status;
  return {
    code:
      end.error?.code === 'rejected'
        ? 'rejected'
        : end.run
          ? 'child_failed'
          : (end.error?.code ?? 'child_failed'),
    message: `${what}${id} ${end.status === 'cancelled' ? 'was cancelled' : 'failed'}: ${why}`,
  };
}
