import { type Diagnostic, formatPath, type PathSegment } from './diagnostics.js';
import { REVIEW_CONTRACT_TYPES } from './schema-rework.js';
import type { YamlSource } from './yaml-source.js';

/**
 * Go Wave compatibility (PIPELINES.md): fields that are accepted but not acted on are recorded
 * as `ignored` (wave validate sums them up in one line per file), fields of features Wave does
 * not support yet become errors that say so. Both are taken out of the value before the strict
 * schema runs, so neither is reported twice.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface CompatResult {
  diagnostics: Diagnostic[];
  /** Paths whose schema issues are already covered by a compat error. */
  suppressed: PathSegment[][];
}

const STEP_IGNORED = ['fidelity', 'max_concurrent_agents', 'skills', 'max_visits'];
/** Go Wave accepted-and-ignored fields elsewhere in a pipeline (GOWAVE.md §§7, 9, 11, 12). */
const TOP_IGNORED = ['chat_context', 'skills', 'hooks', 'max_step_visits'];
const WORKSPACE_IGNORED = ['ref', 'root'];
const HANDOVER_IGNORED = ['compaction', 'on_review_fail', 'target_step'];
const INPUT_IGNORED = ['label_filter', 'batch_size'];
const RETRY_IGNORED = ['no_escalate'];
/** Contract fields the Go Wave parses and never uses, and its JSON-recovery knobs. */
const CONTRACT_IGNORED = [
  'validate',
  'token_budget',
  'progressive_validation',
  'recovery_level',
  'allow_recovery',
  'warn_on_recovery',
  'disable_wrapper_detection',
  'debug_mode',
];
const STEP_UNSUPPORTED = ['edges', 'strategy'];
const SUPPORTED_CONTRACTS = new Set([
  'json_schema',
  'test_suite',
  'non_empty_file',
  'markdown_spec',
  ...REVIEW_CONTRACT_TYPES,
]);

class Collector {
  readonly diagnostics: Diagnostic[] = [];
  readonly suppressed: PathSegment[][] = [];
  constructor(private readonly source: YamlSource) {}

  /** Records a field that is accepted and not acted on (severity `ignored`) and drops it. */
  warnIgnored(obj: Obj, key: string, path: PathSegment[]): void {
    if (!(key in obj)) return;
    const full = [...path, key];
    this.diagnostics.push({
      severity: 'ignored',
      file: this.source.file,
      line: this.source.keyLineOf(full),
      path: formatPath(full),
      message: `"${key}" is a Go Wave field that Wave accepts and does not act on`,
    });
    delete obj[key];
  }

  unsupported(path: PathSegment[], message: string, opts: { key?: boolean; remove?: Obj } = {}): void {
    this.diagnostics.push({
      severity: 'error',
      file: this.source.file,
      line: opts.key ? this.source.keyLineOf(path) : this.source.lineOf(path),
      path: formatPath(path),
      message,
    });
    this.suppressed.push(path);
    const last = path[path.length - 1];
    if (opts.remove && typeof last === 'string') delete opts.remove[last];
  }
}

/**
 * The Go Wave field names accepted (and not acted on) at `path` of a pipeline, so that a
 * misspelt one (`chat_contxt`) still gets a did-you-mean.
 */
export function pipelineAcceptedKeys(path: readonly PathSegment[]): readonly string[] {
  const p = path.map((s) => (typeof s === 'number' ? '#' : s)).join('.');
  switch (p) {
    case '':
      return TOP_IGNORED;
    case 'input':
      return INPUT_IGNORED;
    case 'requires':
      return ['skills'];
    case 'steps.#':
      return STEP_IGNORED;
    case 'steps.#.retry':
      return RETRY_IGNORED;
    case 'steps.#.handover':
      return HANDOVER_IGNORED;
    case 'steps.#.workspace':
      return WORKSPACE_IGNORED;
    case 'steps.#.handover.contract':
    case 'steps.#.handover.contracts.#':
      return CONTRACT_IGNORED;
    default:
      return [];
  }
}

export function applyPipelineCompat(value: unknown, source: YamlSource): CompatResult {
  const c = new Collector(source);
  if (!isObj(value)) return c;
  for (const key of TOP_IGNORED) c.warnIgnored(value, key, []);
  if (isObj(value.requires)) c.warnIgnored(value.requires, 'skills', ['requires']);
  if (isObj(value.input)) for (const key of INPUT_IGNORED) c.warnIgnored(value.input, key, ['input']);
  const steps = Array.isArray(value.steps) ? value.steps : [];
  const work = steps.map((step, i) => ({ step: step as unknown, at: ['steps', i] as PathSegment[] }));
  // for...of also visits the loop.steps pushed during the walk (they are steps too).
  for (const { step, at } of work) {
    if (!isObj(step)) continue;
    if (isObj(step.loop) && Array.isArray(step.loop.steps)) {
      for (const [j, inner] of step.loop.steps.entries())
        work.push({ step: inner, at: [...at, 'loop', 'steps', j] });
    }
    for (const key of STEP_IGNORED) c.warnIgnored(step, key, at);
    for (const key of STEP_UNSUPPORTED) {
      if (key in step) {
        c.unsupported(
          [...at, key],
          `"${key}" is not supported yet by Wave (Go Wave ${describeFeature(key)})`,
          {
            key: true,
            remove: step,
          },
        );
      }
    }
    if (step.type === 'conditional') {
      c.unsupported([...at, 'type'], '"type: conditional" (graph-mode steps) is not supported yet by Wave', {
        remove: step,
      });
    }
    if (isObj(step.exec) && step.exec.type === 'slash_command') {
      c.unsupported([...at, 'exec', 'type'], '"exec.type: slash_command" is not supported yet by Wave', {
        remove: step.exec,
      });
      step.exec.type = 'prompt';
      // The command's arguments go with it (covered by the error above).
      delete step.exec.args;
    }
    if (isObj(step.retry)) {
      for (const key of RETRY_IGNORED) c.warnIgnored(step.retry, key, [...at, 'retry']);
    }
    if (isObj(step.workspace))
      for (const key of WORKSPACE_IGNORED) c.warnIgnored(step.workspace, key, [...at, 'workspace']);
    if (isObj(step.handover)) {
      for (const key of HANDOVER_IGNORED) c.warnIgnored(step.handover, key, [...at, 'handover']);
      const contracts: [unknown, PathSegment[]][] = [];
      if (step.handover.contract !== undefined)
        contracts.push([step.handover.contract, [...at, 'handover', 'contract']]);
      if (Array.isArray(step.handover.contracts)) {
        step.handover.contracts.forEach((k, j) => {
          contracts.push([k, [...at, 'handover', 'contracts', j]]);
        });
      }
      for (const [contract, path] of contracts) checkContract(c, contract, path);
    }
  }
  return c;
}

function checkContract(c: Collector, contract: unknown, path: PathSegment[]): void {
  if (!isObj(contract)) return;
  for (const key of CONTRACT_IGNORED) c.warnIgnored(contract, key, path);
  if (typeof contract.type === 'string' && !SUPPORTED_CONTRACTS.has(contract.type)) {
    c.unsupported(
      [...path, 'type'],
      `contract type "${contract.type}" is not supported yet by Wave (supported: ${[...SUPPORTED_CONTRACTS].join(', ')})`,
    );
    c.suppressed.push(path);
  }
}

function describeFeature(key: string): string {
  switch (key) {
    case 'pipeline':
      return 'sub-pipelines';
    case 'edges':
      return 'graph-mode edges';
    case 'strategy':
      return 'matrix strategy';
    default:
      return `${key} composition`;
  }
}

/** Keys the Go Wave defines in wave.yaml and Wave does not use: accepted, reported as ignored. */
const MANIFEST_IGNORED: Record<string, string[]> = {
  '': ['hooks', 'skills', 'evolution', 'ontology'],
  metadata: ['repo'],
  runtime: [
    'audit',
    'relay',
    'cost',
    'routing',
    'meta_pipeline',
    'sandbox',
    'artifacts',
    'circuit_breaker',
    'retros',
    'fallbacks',
    'stall_timeout',
    'pipeline_id_hash_length',
    'max_concurrency',
  ],
};
const ADAPTER_IGNORED = ['mode', 'project_files', 'default_permissions', 'hooks_template'];
const PERSONA_IGNORED = ['hooks', 'sandbox', 'skills', 'token_scopes'];
/** runtime.timeouts.* keys Wave reads; the others are warned about. */
export const USED_TIMEOUT_KEYS = ['step_default_minutes', 'process_grace_seconds', 'gate_approval_hours'];

export function applyManifestCompat(value: unknown, source: YamlSource): CompatResult {
  const c = new Collector(source);
  if (!isObj(value)) return c;
  for (const [section, keys] of Object.entries(MANIFEST_IGNORED)) {
    const obj = section === '' ? value : value[section];
    if (!isObj(obj)) continue;
    for (const key of keys) c.warnIgnored(obj, key, section === '' ? [] : [section]);
  }
  const runtime = value.runtime;
  if (isObj(runtime) && isObj(runtime.timeouts)) {
    for (const key of Object.keys(runtime.timeouts)) {
      if (!USED_TIMEOUT_KEYS.includes(key)) c.warnIgnored(runtime.timeouts, key, ['runtime', 'timeouts']);
    }
  }
  if (isObj(value.adapters)) {
    for (const [name, adapter] of Object.entries(value.adapters)) {
      if (isObj(adapter)) for (const key of ADAPTER_IGNORED) c.warnIgnored(adapter, key, ['adapters', name]);
    }
  }
  if (isObj(value.personas)) {
    for (const [name, persona] of Object.entries(value.personas)) {
      if (isObj(persona)) applyPersonaCompat(c, persona, ['personas', name]);
    }
  }
  return c;
}

/** Persona fields of the Go Wave that Wave ignores (wave.yaml personas and persona .yaml files). */
export function applyPersonaFileCompat(value: unknown, source: YamlSource): CompatResult {
  const c = new Collector(source);
  if (isObj(value)) applyPersonaCompat(c, value, []);
  return c;
}

function applyPersonaCompat(c: Collector, persona: Obj, path: PathSegment[]): void {
  for (const key of PERSONA_IGNORED) c.warnIgnored(persona, key, path);
}
