import { existsSync } from 'node:fs';
import { type Diagnostic, formatPath, type PathSegment } from './diagnostics.js';
import type { ContractSpec, PipelineSpec, StepSpec } from './model.js';
import type { Persona } from './personas.js';
import { didYouMean } from './suggest.js';
import type { YamlSource } from './yaml-source.js';

export interface ReworkValidationContext {
  personas: ReadonlyMap<string, Persona>;
  resolvePath: (p: string) => string;
}

/**
 * The load-time rules of rework (GOWAVE.md §6: a target exists, is `rework_only`, is not the
 * step, not upstream or downstream of it, and serves one step only; nothing depends on a
 * rework_only step), of the review contracts (§7) and of the polling gates (§8).
 */
export function validateRework(
  spec: PipelineSpec,
  source: YamlSource,
  ctx: ReworkValidationContext,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report = (path: PathSegment[], message: string, opts: { hint?: string; warning?: boolean } = {}) =>
    out.push({
      severity: opts.warning ? 'warning' : 'error',
      file: source.file,
      line: source.lineOf(path),
      path: formatPath(path),
      message,
      ...(opts.hint ? { hint: opts.hint } : {}),
    });
  const byId = new Map(spec.steps.map((s) => [s.id, s]));
  const ids = [...byId.keys()];
  const raw = source.value();
  const usedBy = new Map<string, string>();

  const checkTarget = (step: StepSpec, targetId: string, path: PathSegment[]) => {
    const target = byId.get(targetId);
    if (!target)
      return report(path, `unknown rework step "${targetId}"`, { hint: didYouMean(targetId, ids) });
    if (target.id === step.id) return report(path, 'a step cannot be its own rework step');
    if (!target.reworkOnly)
      return report(
        path,
        `rework step "${targetId}" must have \`rework_only: true\` (else the DAG runs it too)`,
      );
    if (dependsOn(byId, step.id, targetId) || dependsOn(byId, targetId, step.id))
      return report(path, `rework step "${targetId}" may not be upstream or downstream of "${step.id}"`);
    const first = usedBy.get(targetId);
    if (first !== undefined && first !== step.id)
      return report(
        path,
        `rework step "${targetId}" already repairs "${first}": each rework step serves one step`,
      );
    usedBy.set(targetId, step.id);
  };

  spec.steps.forEach((step, i) => {
    const at: PathSegment[] = ['steps', i];
    const onFailure = step.retry.onFailure;
    if (onFailure === 'rework' && !step.reworkStep)
      report([...at, 'retry', 'on_failure'], '`on_failure: rework` needs `retry.rework_step`');
    if (step.reworkStep && onFailure !== 'rework')
      report([...at, 'retry', 'rework_step'], '`rework_step` is used only with `retry.on_failure: rework`');
    if (step.reworkStep && onFailure === 'rework')
      checkTarget(step, step.reworkStep, [...at, 'retry', 'rework_step']);
    step.dependencies.forEach((dep, j) => {
      if (byId.get(dep)?.reworkOnly)
        report(
          [...at, 'dependencies', j],
          `"${dep}" is rework_only: it never runs in the DAG, so nothing can wait for it`,
        );
    });

    const single = hasKey(raw, [...at, 'handover', 'contract']);
    step.contracts.forEach((c, j) => {
      const p: PathSegment[] =
        single && j === 0
          ? [...at, 'handover', 'contract']
          : [...at, 'handover', 'contracts', single ? j - 1 : j];
      checkContract(step, c, p);
      // The Go Wave checks contract rework targets on agent_review only; others fail at run time.
      if (c.type === 'agent_review' && c.reworkStep) checkTarget(step, c.reworkStep, [...p, 'rework_step']);
    });

    const gate = step.gate;
    if (gate?.type === 'pr_merge' && gate.prNumber === undefined)
      report([...at, 'gate'], 'a pr_merge gate needs `pr_number`');
    if (gate?.type === 'timer' && gate.timeoutMs === null)
      report([...at, 'gate'], 'a timer gate needs `timeout`');
  });
  return out;

  function checkContract(step: StepSpec, c: ContractSpec, p: PathSegment[]): void {
    if (c.type === 'agent_review') {
      if (c.persona && c.persona === step.persona)
        report([...p, 'persona'], `the reviewer persona must differ from the step's ("${step.persona}")`);
      if (c.persona && !ctx.personas.has(c.persona))
        report([...p, 'persona'], `unknown persona "${c.persona}"`, {
          hint: didYouMean(c.persona, [...ctx.personas.keys()]),
        });
      if (!c.criteriaPath)
        report(p, 'an agent_review contract without `criteria_path` fails when it runs', { warning: true });
      else if (!existsSync(ctx.resolvePath(c.criteriaPath)))
        report([...p, 'criteria_path'], `file not found: ${ctx.resolvePath(c.criteriaPath)}`, {
          warning: true,
        });
    }
    if (c.type === 'llm_judge' && !c.criteria?.length)
      report(p, 'an llm_judge contract needs `criteria` (a list)');
    if (c.type === 'typescript_interface' && !c.schemaPath)
      report(p, 'a typescript_interface contract needs `schema_path` (a .ts file)');
  }
}

/** Whether `from` depends on `on`, directly or not (an explicit stack: chains can be long). */
function dependsOn(byId: ReadonlyMap<string, StepSpec>, from: string, on: string): boolean {
  const seen = new Set<string>();
  const stack = [...(byId.get(from)?.dependencies ?? [])];
  while (stack.length) {
    const id = stack.pop()!;
    if (id === on) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(byId.get(id)?.dependencies ?? []));
  }
  return false;
}

function hasKey(value: unknown, path: PathSegment[]): boolean {
  let v: unknown = value;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return false;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v !== undefined;
}
