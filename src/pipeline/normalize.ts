import type { Diagnostic, PathSegment } from './diagnostics.js';
import { formatPath } from './diagnostics.js';
import { parseDuration } from './duration.js';
import {
  type ContractSpec,
  DEFAULT_GATE_CHOICES,
  isCompositionKind,
  type PipelineSpec,
  RETRY_POLICIES,
  type RetrySpec,
  type StepKind,
  type StepSpec,
} from './model.js';
import { compositionKindOf, normalizeComposition } from './normalize-composition.js';
import {
  foldsIntoRetries,
  normalizePollGate,
  normalizeReviewContract,
  pollGatePrompt,
} from './normalize-rework.js';
import type { RawContract, RawPipeline, RawStep } from './schema.js';
import type { YamlSource } from './yaml-source.js';

export interface NormalizeOptions {
  name: string;
  source: YamlSource;
  /** Resolves a definition path (`.wave/...`, `.agents/...`, relative or absolute). */
  resolvePath: (p: string) => string;
}

/** Turns the schema-checked YAML into the engine's model; reports steps whose kind is unclear. */
export function normalizePipeline(
  raw: RawPipeline,
  opts: NormalizeOptions,
): { spec: PipelineSpec; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const error = (path: PathSegment[], message: string, key = false) =>
    diagnostics.push({
      severity: 'error',
      file: opts.source.file,
      line: key ? opts.source.keyLineOf(path) : opts.source.lineOf(path),
      path: formatPath(path),
      message,
    });

  const steps = raw.steps.map((step, i) => normalizeStep(step, ['steps', i], error, opts));
  const input = raw.input;
  const schemaDescription =
    input?.schema && typeof input.schema.description === 'string' ? input.schema.description : null;
  const spec: PipelineSpec = {
    name: opts.name,
    description: raw.metadata?.description ?? '',
    file: opts.source.file,
    disabled: raw.metadata?.disabled ?? false,
    release: raw.metadata?.release ?? false,
    category: raw.metadata?.category ?? null,
    input: input
      ? {
          source: input.source ?? null,
          type: input.type ?? 'string',
          required: input.required ?? false,
          example: input.example ?? null,
          description: input.description ?? schemaDescription,
          schema: input.schema ?? null,
        }
      : null,
    requiresTools: raw.requires?.tools ?? [],
    outputs: Object.fromEntries(
      Object.entries(raw.pipeline_outputs ?? {}).map(([alias, o]) => [
        alias,
        { step: o.step, artifact: o.artifact, type: o.type ?? null, field: o.field ?? null },
      ]),
    ),
    steps,
  };
  return { spec, diagnostics };
}

function normalizeStep(
  step: RawStep,
  at: PathSegment[],
  error: (path: PathSegment[], message: string, key?: boolean) => void,
  opts: NormalizeOptions,
): StepSpec {
  let kind: StepKind;
  let command: string | null = null;
  let prompt: StepSpec['prompt'] = null;
  const composition = step.gate ? null : compositionKindOf(step);
  if (composition) {
    kind = composition;
  } else if (step.gate) {
    kind = 'gate';
    if (step.exec || step.script)
      error([...at, 'gate'], 'a gate step cannot also have `exec` or `script`', true);
  } else if (step.type === 'command' || step.exec?.type === 'command') {
    kind = 'command';
    command = step.script ?? step.exec?.command ?? step.exec?.source ?? null;
    if (command === null || command.trim() === '') {
      error(
        at,
        'a command step needs `script` (with `type: command`) or `exec: {type: command, command: ...}`',
      );
    }
  } else if (step.exec?.type === 'prompt' || step.type === 'prompt') {
    kind = 'prompt';
    if (step.exec?.source !== undefined && step.exec.source_path !== undefined) {
      error([...at, 'exec'], 'give either `source` or `source_path`, not both');
    }
    if (step.exec?.source !== undefined) prompt = { source: step.exec.source };
    else if (step.exec?.source_path !== undefined)
      prompt = { sourcePath: opts.resolvePath(step.exec.source_path) };
    else
      error(
        [...at, 'exec'],
        'a prompt step needs `exec.source` (the prompt) or `exec.source_path` (a prompt file)',
        true,
      );
    if (!step.persona) error(at, 'a prompt step needs a `persona`');
  } else if (step.script !== undefined) {
    kind = 'command';
    command = step.script;
  } else {
    kind = 'command';
    error(at, 'the step has nothing to run: give `script` (with `type: command`), `exec`, or `gate`');
  }

  const gate = step.gate;
  const contracts: ContractSpec[] = [
    ...(step.handover?.contract ? [step.handover.contract] : []),
    ...(step.handover?.contracts ?? []),
  ].map(normalizeContract);
  const contractRetries = Math.max(
    0,
    ...[step.handover?.contract, ...(step.handover?.contracts ?? [])]
      .filter(foldsIntoRetries)
      .map((c) => c?.max_retries ?? 0),
  );

  return {
    id: step.id,
    kind,
    ...(isCompositionKind(kind)
      ? {
          composition: normalizeComposition(step, kind, at, error, (inner, path) =>
            normalizeStep(inner, path, error, opts),
          ),
        }
      : {}),
    description: step.description ?? '',
    dependencies: step.dependencies ?? [],
    persona: step.persona ?? null,
    adapter: step.adapter ?? null,
    model: step.model ?? null,
    command,
    prompt,
    workspace: {
      type: step.workspace?.type ?? 'fresh',
      mount: (step.workspace?.mount ?? []).map((m) => ({
        source: m.source,
        target: m.target ?? m.source,
        mode: m.mode ?? 'readonly',
        subsetFrom: m.subset_from ?? null,
      })),
      branch: step.workspace?.branch ?? null,
      base: step.workspace?.base ?? null,
    },
    outputs: (step.output_artifacts ?? []).map((a) => ({
      name: a.name,
      path: a.path,
      type: a.type ?? 'text',
      source: a.source ?? 'file',
      required: a.required ?? true,
    })),
    injects: (step.memory?.inject_artifacts ?? []).map((r) => ({
      step: r.step,
      artifact: r.artifact,
      as: r.as ?? r.artifact,
      optional: r.optional ?? false,
      schemaPath: r.schema_path ?? null,
    })),
    contracts,
    retry: normalizeRetry(step.retry, contractRetries),
    gate: gate
      ? {
          ...normalizePollGate(gate),
          prompt:
            gate.prompt ?? gate.message ?? pollGatePrompt(gate, step.id) ?? `Approve step "${step.id}"?`,
          choices:
            gate.choices?.map((c) => ({ key: c.key, label: c.label, target: c.target ?? null })) ??
            DEFAULT_GATE_CHOICES,
          freeform: gate.freeform ?? false,
          default: gate.default ?? null,
          timeoutMs: gate.timeout === undefined ? null : (parseDuration(gate.timeout) ?? null),
        }
      : null,
    outcomes: (step.outcomes ?? []).map((o) => ({
      type: o.type,
      extractFrom: o.extract_from,
      jsonPath: o.json_path,
      label: o.label ?? o.json_path_label ?? o.type,
    })),
    timeoutMs: step.timeout_minutes === undefined ? null : step.timeout_minutes * 60_000,
    optional: step.optional ?? false,
    thread: step.thread ?? null,
    reworkStep: step.retry?.rework_step ?? null,
    reworkOnly: step.rework_only ?? false,
  };
}

function normalizeContract(c: RawContract): ContractSpec {
  return {
    type: c.type,
    ...(c.source !== undefined ? { source: c.source } : {}),
    ...(c.schema_path !== undefined ? { schemaPath: c.schema_path } : {}),
    ...(c.schema !== undefined ? { schema: c.schema } : {}),
    ...(c.command !== undefined ? { command: c.command } : {}),
    ...(c.dir !== undefined ? { dir: c.dir } : {}),
    requiredSections: c.required_sections ?? [],
    ...normalizeReviewContract(c),
    // Go Wave: `must_pass: false` makes a failure a warning.
    onFailure: c.must_pass === false ? 'warn' : (c.on_failure ?? 'fail'),
  };
}

function normalizeRetry(retry: RawStep['retry'], contractRetries: number): RetrySpec {
  const preset = RETRY_POLICIES[retry?.policy ?? 'none'];
  const explicitAttempts =
    retry?.max_attempts ?? (contractRetries > 0 && !retry ? contractRetries + 1 : undefined);
  return {
    maxAttempts: explicitAttempts ?? preset.maxAttempts,
    backoff: retry?.backoff ?? preset.backoff,
    baseDelayMs:
      retry?.base_delay === undefined ? preset.baseDelayMs : (parseDuration(retry.base_delay) ?? 0),
    maxDelayMs: retry?.max_delay === undefined ? preset.maxDelayMs : (parseDuration(retry.max_delay) ?? 0),
    onFailure: retry?.on_failure === 'warn' ? 'fail' : (retry?.on_failure ?? 'fail'),
  };
}
