/**
 * Templates in bash scripts (command steps, test_suite commands). A value is never spliced into
 * the script as text: each `{{ name }}` becomes a reference to an environment variable holding
 * the value, written for the quoting context it stands in, so the value is data wherever it is:
 *   bare `{{ x }}` → `"${V}"`, inside "…" → `${V}`, inside '…' → `'"${V}"'`, inside $'…' →
 *   `'"${V}"$'`, in an unquoted heredoc → `${V}`, in a comment → nothing.
 * (Plain shell-quoting is not enough: `echo "{{ input }}"` with `'$(touch x)'` runs the command.)
 * A quoted heredoc expands nothing, so there the value goes in as text, unless a line of it would
 * end the heredoc. Arithmetic (`$(( ))`, `let`, subscripts…) evaluates a value as code whatever
 * its quoting: a template there is refused (shell-lexer.ts finds those places).
 */

import { TEMPLATE } from '../pipeline/templates.js';
import { type Context, MARK, scanTemplateContexts } from './shell-lexer.js';

/** The environment variable that carries template value `name` (unique, deterministic). */
export function templateVar(name: string): string {
  return `WAVE_TPL_${name.replace(/[^A-Za-z0-9]/g, (c) => `_${c.charCodeAt(0).toString(16)}_`)}`;
}

/** The variables a rendered script refers to: one per template value. */
export function templateEnv(values: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) env[templateVar(name)] = value;
  return env;
}

export class ShellTemplateError extends Error {
  readonly code = 'template_error';
}

/** The documented variables of the values that have one (PIPELINES.md "Templates"). */
const DOCUMENTED_VARS: Record<string, string> = {
  input: 'WAVE_INPUT',
  'run.id': 'WAVE_RUN_ID',
  step_id: 'WAVE_STEP_ID',
  pipeline_name: 'WAVE_PIPELINE',
};

/** wave.yaml's `project.*` values are the project's own, as trusted as the script itself. */
export const isProjectValue = (name: string) => name.startsWith('project.');
const trusted = isProjectValue;

/**
 * Templates of a script that stand where bash evaluates text as arithmetic, which runs code
 * hidden in a value however it is quoted (`x[$(touch /tmp/p)]`): refused at validation.
 */
export function arithmeticTemplates(text: string): { name: string; context: string }[] {
  const names: string[] = [];
  const skeleton = text.replace(TEMPLATE, (_m, name: string) => {
    names.push(name);
    return MARK;
  });
  if (names.length === 0) return [];
  return scanTemplateContexts(skeleton).flatMap((c, k) =>
    c.arith && !trusted(names[k]!) ? [{ name: names[k]!, context: c.arith }] : [],
  );
}

/** Why `{{ name }}` may not stand in arithmetic context `context`, and what to write instead. */
export function arithmeticMessage(name: string, context: string): string {
  const v = DOCUMENTED_VARS[name] ?? templateVar(name);
  return (
    `{{ ${name} }} is in an arithmetic context (${context}), where bash runs code hidden in a value ` +
    `even when it is quoted: read the value from $${v} instead and check it first ` +
    `(for example: [[ $${v} =~ ^[0-9]+$ ]] || exit 1)`
  );
}

/**
 * Renders `text` for bash. Names for which `raw` holds go in as written where they stand bare
 * (project commands: `{{ project.test_command }}` is a command); names without a value render empty.
 */
export function renderShellTemplate(
  text: string,
  values: Readonly<Record<string, string>>,
  opts: { raw?: (name: string) => boolean } = {},
): string {
  const names: string[] = [];
  const skeleton = text.replace(TEMPLATE, (_m, name: string) => {
    names.push(name);
    return MARK;
  });
  if (names.length === 0) return text;
  const contexts = scanTemplateContexts(skeleton);
  let k = 0;
  return skeleton.replace(/\u0000/g, () => {
    const name = names[k]!;
    const context = contexts[k++] ?? { kind: 'plain' };
    const value = values[name];
    // Raw only where the value stands as code: inside quotes it is text, and stays quoted.
    if (value !== undefined && context.kind === 'plain' && opts.raw?.(name)) return value;
    // Validation refuses these; a run stored before that check must not run the value either.
    if (context.arith && !trusted(name)) throw new ShellTemplateError(arithmeticMessage(name, context.arith));
    return reference(name, value, context);
  });
}

function reference(name: string, value: string | undefined, context: Context): string {
  const v = value === undefined ? null : `\${${templateVar(name)}}`;
  switch (context.kind) {
    case 'plain':
      return v === null ? "''" : `"${v}"`;
    case 'dquote':
    case 'heredoc':
      return v ?? '';
    case 'squote':
      return v === null ? '' : `'"${v}"'`;
    case 'ansi':
      return v === null ? '' : `'"${v}"$'`;
    case 'comment':
      return '';
    case 'qheredoc': {
      const text = value ?? '';
      const ends = text
        .split('\n')
        .some((line) => (context.strip ? line.replace(/^\t+/, '') : line) === context.delimiter);
      if (ends) {
        throw new ShellTemplateError(
          `the value of {{ ${name} }} contains a line "${context.delimiter}" that would end the heredoc it is in`,
        );
      }
      return text;
    }
  }
}
