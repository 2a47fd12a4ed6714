import { currentBranch, detectForge, type ForgeInfo, forgeValues } from '../config/forge.js';
import type { StepSpec } from '../pipeline/model.js';
import type { GateRecord } from '../store/store.js';
import type { RunContext } from './context.js';

/** Where injected artifacts land inside a workspace (PIPELINES.md "Artifacts"). */
export const INJECT_DIR = '.wave/artifacts';

/** The values of `{{ name }}` for one step (PIPELINES.md "Templates"). */
export function templateValues(
  ctx: RunContext,
  step: StepSpec,
  gates: readonly GateRecord[],
): Record<string, string> {
  const values: Record<string, string> = {
    input: ctx.run.input ?? '',
    'run.id': ctx.run.id,
    pipeline_name: ctx.spec.name,
    step_id: step.id,
  };
  for (const [k, v] of Object.entries(ctx.project.config.project)) {
    if (v === null || ['string', 'number', 'boolean'].includes(typeof v))
      values[`project.${k}`] = v === null ? '' : String(v);
  }
  Object.assign(values, goWaveValues(ctx, step, values));
  if (ctx.mock) Object.assign(values, rehearsedProjectCommands(values));
  for (const g of gates) {
    values[`gate.${g.step}.choice`] = g.answer?.choice ?? '';
    values[`gate.${g.step}.text`] = g.answer?.text ?? '';
  }
  for (const inj of step.injects) values[`artifacts.${inj.as}`] = `${INJECT_DIR}/${inj.as}`;
  // A child run: what its parent gave it, and `{{ env.* }}` / `{{ iteration }}` of its lineage.
  for (const a of ctx.lineage?.inherited ?? []) values[`artifacts.${a.name}`] = `.agents/artifacts/${a.name}`;
  for (const [k, v] of Object.entries(ctx.templateEnv ?? {})) values[`env.${k}`] = v;
  if (ctx.lineage && ctx.lineage.iteration !== null) values.iteration = String(ctx.lineage.iteration);
  return values;
}

/** `project.test_command`, `project.contract_test_command`, `project.build_command`, … */
export const PROJECT_COMMAND = /^project\.(?:\w+_)?command$/;

/**
 * Under --mock the project's commands are rehearsed, not run: each renders as `true`. The mock
 * agents changed no code, so the project's tests say nothing about the pipeline, and a rehearsal
 * must work where the project's toolchain is absent (a Go Wave project's `go test ./...` on a
 * machine without Go). A literal command in a script still runs.
 */
function rehearsedProjectCommands(values: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(values)) if (PROJECT_COMMAND.test(name)) out[name] = 'true';
  return out;
}

const detected = new WeakMap<object, ForgeInfo>();
/** The project's forge: given by the caller, else detected once per project. */
export function forgeOf(ctx: RunContext): ForgeInfo {
  if (ctx.project.forge) return ctx.project.forge;
  let info = detected.get(ctx.project);
  if (!info) {
    info = detectForge(ctx.project.root, ctx.project.config.forge, process.env);
    detected.set(ctx.project, info);
  }
  return info;
}

const branches = new WeakMap<object, Record<string, string>>();
/** The project's branch when the run's first step asked (Go: at start), and its numeric prefix. */
function branchValues(ctx: RunContext): Record<string, string> {
  let values = branches.get(ctx.run);
  if (!values) {
    const branch = currentBranch(ctx.project.root);
    const feature = /^(\d+)-/.exec(branch)?.[1] ?? '';
    values = {
      branch_name: branch,
      feature_num: feature,
      'pipeline_context.branch_name': branch,
      'pipeline_context.feature_num': feature,
    };
    branches.set(ctx.run, values);
  }
  return values;
}

/** The Go Wave's template names (GOWAVE §10) besides Wave's own. */
function goWaveValues(
  ctx: RunContext,
  step: StepSpec,
  values: Record<string, string>,
): Record<string, string> {
  const out: Record<string, string> = {
    pipeline_id: ctx.run.id,
    'run.name': ctx.spec.name,
    'pipeline_context.pipeline_id': ctx.run.id,
    'pipeline_context.pipeline_name': ctx.spec.name,
    'pipeline_context.step_id': step.id,
    ...forgeValues(forgeOf(ctx)),
    ...branchValues(ctx),
  };
  for (const [k, v] of Object.entries(ctx.templateEnv ?? {})) out[`env.${k}`] = v;
  if (values['project.contract_test_command'] === undefined && values['project.test_command'] !== undefined)
    out['project.contract_test_command'] = values['project.test_command'];
  return out;
}

/** The environment of a step's processes: the parent's, minus secrets, plus WAVE_*. */
/**
 * The parent's environment without the Wave server's and client's credentials, copied once per
 * run: reading process.env goes through the runtime one variable at a time, which is slow.
 */
const baseEnvs = new WeakMap<object, NodeJS.ProcessEnv>();
function baseEnv(ctx: RunContext): NodeJS.ProcessEnv {
  let env = baseEnvs.get(ctx.run);
  if (!env) {
    env = { ...process.env };
    for (const key of ['WAVE_JWT_SECRET', 'WAVE_TOKEN', 'WAVE_JWT_PUBLIC_KEY']) delete env[key];
    baseEnvs.set(ctx.run, env);
  }
  return env;
}

export function stepEnv(
  ctx: RunContext,
  step: StepSpec,
  workspace: string,
  attempt: number,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...baseEnv(ctx) };
  env.WAVE_INPUT = ctx.run.input ?? '';
  env.WAVE_RUN_ID = ctx.run.id;
  env.WAVE_STEP_ID = step.id;
  env.WAVE_PIPELINE = ctx.spec.name;
  env.WAVE_WORKSPACE = workspace;
  env.WAVE_ATTEMPT = String(attempt);
  env.WAVE_PROJECT_ROOT = ctx.project.root;
  return env;
}
