/** `{{ name }}` references in pipeline text: found at validation, filled in by the engine. */
const TEMPLATE = /\{\{\s*([^{}]*?)\s*\}\}/g;

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
}

export type TemplateCheck = { ok: true } | { ok: false; message: string; candidates: string[]; word: string };

const FIXED = ['input', 'run.id', 'pipeline_name', 'step_id'];

/** Checks one template name against the scope; on failure says why and what was meant. */
export function checkTemplateName(name: string, scope: TemplateScope): TemplateCheck {
  if (FIXED.includes(name)) return { ok: true };
  const [head, ...rest] = name.split('.');
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
    ...scope.projectKeys.map((k) => `project.${k}`),
    ...scope.gateSteps().flatMap((s) => [`gate.${s}.choice`, `gate.${s}.text`]),
    ...scope.artifactNames.map((a) => `artifacts.${a}`),
  ];
  return { ok: false, message: `unknown template name "${name}"`, candidates: all, word: name };
}

/**
 * Fills `{{ name }}` from `values`, as text (prompts, gate prompts, branch names). Bash scripts
 * are rendered by engine/shell-template.ts instead, which keeps values out of the code.
 * Unknown names were rejected at validation; here they render empty.
 */
export function renderTemplate(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(TEMPLATE, (_m, name: string) => values[name] ?? '');
}
