import { FORGE_FIELDS } from '../config/forge.js';

/**
 * `{{ name }}` references in pipeline text: found at validation, filled in by the engine. Text
 * between braces that is not a name (`{{ forge.* }}` in prose, `{{ '<id>' }}`) is left as written,
 * as the Go Wave leaves it.
 */
export const TEMPLATE = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;

export interface TemplateRef {
  name: string;
  /** Offset of `{{` within the text. */
  index: number;
}

export function findTemplateRefs(text: string): TemplateRef[] {
  const refs: TemplateRef[] = [];
  for (const m of text.matchAll(TEMPLATE)) refs.push({ name: m[1] ?? '', index: m.index ?? 0 });
  return refs;
}

/** What a step's templates may name, built by the validator from the pipeline and manifest. */
export interface TemplateScope {
  projectKeys: readonly string[];
  /** Whether `step` is a gate step that this step depends on (directly or not). */
  isGate: (step: string) => boolean;
  /** Those gates, for suggestions: only asked when a name is wrong. */
  gateSteps: () => readonly string[];
  /** `as` names of this step's injected artifacts. */
  artifactNames: readonly string[];
  // Go Wave loading (GOWAVE §§10, 12):
  /**
   * This step's direct dependencies and their artifact names, for `{{ deps.<dep>.<name> }}` and
   * `{{ artifacts.<dep>.<name> }}`; null names: a step whose artifacts are known only when it ran.
   */
  deps?: ReadonlyMap<string, readonly string[] | null>;
}

export type TemplateCheck = { ok: true } | { ok: false; message: string; candidates: string[]; word: string };

const FIXED = ['input', 'run.id', 'pipeline_name', 'step_id'];
/** The Go Wave's other names for the run (GOWAVE §10). */
export const GO_WAVE_FIXED = [
  'pipeline_id',
  'run.name',
  'pipeline_context.pipeline_id',
  'pipeline_context.pipeline_name',
  'pipeline_context.step_id',
  'branch_name',
  'feature_num',
  'pipeline_context.branch_name',
  'pipeline_context.feature_num',
];

/** Checks one template name against the scope; on failure says why and what was meant. */
export function checkTemplateName(name: string, scope: TemplateScope): TemplateCheck {
  if (FIXED.includes(name) || GO_WAVE_FIXED.includes(name)) return { ok: true };
  const [head, ...rest] = name.split('.');
  // Set by a parent's sub-pipeline `config.env`; unset, it renders empty.
  if (head === 'env' && rest.length >= 1) return { ok: true };
  if (head === 'forge' && rest.length === 1) {
    if ((FORGE_FIELDS as readonly string[]).includes(rest[0]!)) return { ok: true };
    return {
      ok: false,
      message: `unknown template name "${name}": forge gives ${FORGE_FIELDS.join(', ')}`,
      candidates: FORGE_FIELDS.map((f) => `forge.${f}`),
      word: name,
    };
  }
  if (head === 'deps' || (head === 'artifacts' && !scope.artifactNames.includes(rest.join('.')))) {
    const dep = checkDependencyRef(head, rest, scope);
    if (dep) return dep;
  }
  if (head === 'project' && rest.length === 1) {
    const key = rest[0]!;
    if (scope.projectKeys.includes(key)) return { ok: true };
    return {
      ok: false,
      message: `unknown template name "${name}": wave.yaml has no project.${key}`,
      candidates: scope.projectKeys.map((k) => `project.${k}`),
      word: name,
    };
  }
  // Composition: a sub-pipeline's `config.env`, and the index of an iterate item or loop pass.
  if (name === 'iteration' || (head === 'env' && rest.length >= 1)) return { ok: true };
  if (head === 'gate' && rest.length >= 2) {
    // Step ids may contain dots: the field is the last part.
    const field = rest[rest.length - 1]!;
    const step = rest.slice(0, -1).join('.');
    if (field !== 'choice' && field !== 'text') {
      return {
        ok: false,
        message: `unknown template name "${name}": a gate gives .choice or .text`,
        candidates: [`gate.${step}.choice`, `gate.${step}.text`],
        word: name,
      };
    }
    if (scope.isGate(step)) return { ok: true };
    return {
      ok: false,
      message: `unknown template name "${name}": "${step}" is not a gate this step depends on`,
      candidates: scope.gateSteps().map((s) => `gate.${s}.${field}`),
      word: name,
    };
  }
  if (head === 'artifacts' && rest.length >= 1) {
    const alias = rest.join('.');
    if (scope.artifactNames.includes(alias)) return { ok: true };
    return {
      ok: false,
      message: `unknown template name "${name}": no injected artifact is named "${alias}" (memory.inject_artifacts[].as)`,
      candidates: scope.artifactNames.map((a) => `artifacts.${a}`),
      word: name,
    };
  }
  const all = [
    ...FIXED,
    ...GO_WAVE_FIXED,
    ...scope.projectKeys.map((k) => `project.${k}`),
    ...scope.gateSteps().flatMap((s) => [`gate.${s}.choice`, `gate.${s}.text`]),
    ...scope.artifactNames.map((a) => `artifacts.${a}`),
  ];
  return { ok: false, message: `unknown template name "${name}"`, candidates: all, word: name };
}

/**
 * `deps.<dep>.<name>` / `artifacts.<dep>.<name>`: an artifact of a direct dependency, copied into
 * the workspace before the step. Ids and names may hold dots, so every split is tried. undefined:
 * not such a reference (an `artifacts.<as>` name is checked by the caller).
 */
function checkDependencyRef(head: string, rest: string[], scope: TemplateScope): TemplateCheck | undefined {
  const deps = scope.deps ?? new Map<string, readonly string[] | null>();
  const name = `${head}.${rest.join('.')}`;
  for (let i = 1; i < rest.length; i++) {
    const dep = rest.slice(0, i).join('.');
    if (!deps.has(dep)) continue;
    const names = deps.get(dep);
    const artifact = rest.slice(i).join('.');
    if (!names || names.includes(artifact)) return { ok: true };
    return {
      ok: false,
      message: `unknown template name "${name}": step "${dep}" has no output artifact "${artifact}"`,
      candidates: names.map((n) => `${head}.${dep}.${n}`),
      word: name,
    };
  }
  if (head === 'artifacts') return undefined;
  const all = [...deps].flatMap(([d, names]) => (names ?? []).map((n) => `deps.${d}.${n}`));
  return {
    ok: false,
    message: `unknown template name "${name}": deps.<step>.<artifact> names an artifact of a step this step depends on directly`,
    candidates: all,
    word: name,
  };
}

/**
 * Fills `{{ name }}` from `values`, as text (prompts, gate prompts, branch names). Bash scripts
 * are rendered by engine/shell-template.ts instead, which keeps values out of the code.
 * Unknown names were rejected at validation; here they render empty (`keep`: stay as written).
 */
export function renderTemplate(
  text: string,
  values: Readonly<Record<string, string>>,
  opts: { keep?: boolean } = {},
): string {
  return text.replace(TEMPLATE, (m, name: string) => values[name] ?? (opts.keep ? m : ''));
}
