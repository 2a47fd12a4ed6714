import { existsSync } from 'node:fs';
import { isAbsolute, normalize, sep } from 'node:path';
import { arithmeticMessage, arithmeticTemplates } from '../engine/shell-template.js';
import { Ancestry, findCycle } from './dag.js';
import { type Diagnostic, formatPath, type PathSegment } from './diagnostics.js';
import { isCompositionKind, type PipelineSpec, type StepSpec } from './model.js';
import type { Persona } from './personas.js';
import { didYouMean } from './suggest.js';
import { checkTemplateName, findTemplateRefs, renderTemplate, type TemplateScope } from './templates.js';
import { readTextFile } from './text-file.js';
import { validateComposition, validateLoopSteps } from './validate-composition.js';
import { validateRework } from './validate-rework.js';
import type { YamlSource } from './yaml-source.js';

export interface ValidationContext {
  personas: ReadonlyMap<string, Persona>;
  adapters: readonly string[];
  projectKeys: readonly string[];
  /** `forge.<field>` values of the project (templated persona names resolve with them). */
  forge?: Readonly<Record<string, string>>;
  resolvePath: (p: string) => string;
  checkJsonSchema: (schema: Record<string, unknown>) => string | null;
}

/**
 * The checks a schema cannot make: ids, dependencies and cycles, references to personas,
 * adapters, artifacts and files, template names, gate choices. Reports every problem found.
 */
export function validatePipeline(
  spec: PipelineSpec,
  source: YamlSource,
  ctx: ValidationContext,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report = (
    path: PathSegment[],
    message: string,
    hint?: string,
    opts: { key?: boolean; severity?: 'error' | 'warning' } = {},
  ) =>
    out.push({
      severity: opts.severity ?? 'error',
      file: source.file,
      line: opts.key ? source.keyLineOf(path) : source.lineOf(path),
      path: formatPath(path),
      message,
      ...(hint ? { hint } : {}),
    });

  const stepIndex = new Map<string, number>();
  spec.steps.forEach((step, i) => {
    const first = stepIndex.get(step.id);
    if (first !== undefined) {
      report(
        ['steps', i, 'id'],
        `duplicate step id "${step.id}" (first defined at line ${source.lineOf(['steps', first, 'id'])})`,
      );
    } else stepIndex.set(step.id, i);
  });
  const ids = [...stepIndex.keys()];

  spec.steps.forEach((step, i) => {
    step.dependencies.forEach((dep, j) => {
      if (!stepIndex.has(dep)) {
        report(
          ['steps', i, 'dependencies', j],
          `unknown step "${dep}"`,
          didYouMean(
            dep,
            ids.filter((id) => id !== step.id),
          ),
        );
      }
    });
  });

  const cycle = findCycle(spec.steps, stepIndex);
  if (cycle) {
    const at = stepIndex.get(cycle[0]!)!;
    report(
      ['steps', at, 'dependencies'],
      `dependency cycle: ${cycle.join(' → ')} (each step depends on the next)`,
      undefined,
      { key: true },
    );
  }
  // Only gates and injected artifacts' steps are ever asked about; with a cycle, nothing is.
  const ancestry = new Ancestry(
    spec.steps,
    stepIndex,
    cycle
      ? []
      : spec.steps.flatMap((s) => [...(s.kind === 'gate' ? [s.id] : []), ...s.injects.map((x) => x.step)]),
  );
  const isGate = (id: string) => spec.steps[stepIndex.get(id)!]?.kind === 'gate';
  // The file as written, once: `script` vs `exec.command`, `contract` vs `contracts`.
  const raw = source.value();

  spec.steps.forEach((step, i) => {
    validateStep(step, i);
  });

  for (const [alias, o] of Object.entries(spec.outputs)) {
    const i = stepIndex.get(o.step);
    if (i === undefined) {
      report(['pipeline_outputs', alias, 'step'], `unknown step "${o.step}"`, didYouMean(o.step, ids));
    } else if (
      // A composition step's artifacts are its children's, known only when they ran.
      !isCompositionKind(spec.steps[i]!.kind) &&
      !spec.steps[i]!.outputs.some((a) => a.name === o.artifact)
    ) {
      const names = spec.steps[i]!.outputs.map((a) => a.name);
      report(
        ['pipeline_outputs', alias, 'artifact'],
        `step "${o.step}" has no output artifact "${o.artifact}"`,
        didYouMean(o.artifact, names),
      );
    }
  }

  if (!cycle) checkThreads();

  // Go Wave: requires.tools may name `{{ forge.cli_tool }}`.
  spec.requiresTools.forEach((tool, j) => {
    checkTemplates(tool, ['requires', 'tools', j], {
      projectKeys: ctx.projectKeys,
      isGate: () => false,
      gateSteps: () => [],
      artifactNames: [],
    });
  });

  if (spec.input?.schema) {
    const problem = ctx.checkJsonSchema(spec.input.schema);
    if (problem) report(['input', 'schema'], `not a valid JSON Schema: ${problem}`);
  }
  out.push(...validateComposition(spec, source));
  out.push(...validateLoopSteps(spec, source, (pass, at) => validatePipeline(pass, at, ctx)));
  out.push(...validateRework(spec, source, ctx));
  return out;

  function validateStep(step: StepSpec, i: number): void {
    const at: PathSegment[] = ['steps', i];
    const personaNames = [...ctx.personas.keys()];
    // Go Wave: "{{ forge.type }}-commenter" names this project's forge's persona.
    const personaName = step.persona ? renderTemplate(step.persona, ctx.forge ?? {}, { keep: true }) : null;
    const persona = personaName ? ctx.personas.get(personaName) : undefined;
    if (personaName && !persona && findTemplateRefs(personaName).length === 0) {
      report(
        [...at, 'persona'],
        `unknown persona "${personaName}"${personaName === step.persona ? '' : ` (from "${step.persona}")`}`,
        didYouMean(personaName, personaNames) ?? hintList('personas', personaNames),
      );
    }
    if (step.adapter && !ctx.adapters.includes(step.adapter)) {
      report(
        [...at, 'adapter'],
        `unknown adapter "${step.adapter}"`,
        didYouMean(step.adapter, ctx.adapters) ?? hintList('adapters', ctx.adapters),
      );
    }
    if (step.prompt && 'sourcePath' in step.prompt && !existsSync(step.prompt.sourcePath)) {
      report([...at, 'exec', 'source_path'], `file not found: ${step.prompt.sourcePath}`);
    }

    // Artifacts this step injects must come from steps it depends on.
    step.injects.forEach((inj, j) => {
      const p = [...at, 'memory', 'inject_artifacts', j];
      const from = stepIndex.get(inj.step);
      if (from === undefined) {
        report([...p, 'step'], `unknown step "${inj.step}"`, didYouMean(inj.step, ids));
        return;
      }
      if (!cycle && !ancestry.has(step.id, inj.step)) {
        report(
          [...p, 'step'],
          `step "${inj.step}" is not a dependency of "${step.id}", so its artifacts may not exist yet`,
          `add "${inj.step}" to dependencies`,
        );
      }
      const names = spec.steps[from]!.outputs.map((a) => a.name);
      if (!isCompositionKind(spec.steps[from]!.kind) && !names.includes(inj.artifact)) {
        report(
          [...p, 'artifact'],
          `step "${inj.step}" has no output artifact "${inj.artifact}"`,
          didYouMean(inj.artifact, names) ?? hintList('artifacts', names),
        );
      }
      if (inj.schemaPath) checkSchemaFile(inj.schemaPath, [...p, 'schema_path']);
      // Go Wave: an expected `type` must be the type the producing step declares.
      const want = rawAt(raw, [...p, 'type']);
      const k = names.indexOf(inj.artifact);
      const declared = k < 0 ? undefined : rawAt(raw, ['steps', from, 'output_artifacts', k, 'type']);
      if (typeof want === 'string' && typeof declared === 'string' && want !== declared) {
        report(
          [...p, 'type'],
          `type "${want}" does not match the type "${declared}" that step "${inj.step}" declares for "${inj.artifact}"`,
        );
      }
    });
    step.workspace.mount.forEach((m, j) => {
      if (m.subsetFrom !== null && m.subsetFrom.split('.').length < 3) {
        report(
          [...at, 'workspace', 'mount', j, 'subset_from'],
          `subset_from "${m.subsetFrom}" is not "<step>.<artifact>.<json.path>"`,
        );
      }
    });

    const seen = new Set<string>();
    step.outputs.forEach((a, j) => {
      if (seen.has(a.name))
        report([...at, 'output_artifacts', j, 'name'], `duplicate artifact name "${a.name}"`);
      seen.add(a.name);
      if (a.source === 'file' && leavesWorkspace(a.path)) {
        report(
          [...at, 'output_artifacts', j, 'path'],
          `artifact path "${a.path}" is outside the step's workspace: give a path relative to the workspace, inside it`,
        );
      }
    });

    // `contract` (if given) comes first in step.contracts, then `contracts[]`.
    const single = hasKey(raw, [...at, 'handover', 'contract']);
    const contractPath = (j: number): PathSegment[] =>
      single && j === 0
        ? [...at, 'handover', 'contract']
        : [...at, 'handover', 'contracts', single ? j - 1 : j];
    step.contracts.forEach((c, j) => {
      const p = contractPath(j);
      if (c.type === 'json_schema') {
        if (!c.schemaPath && !c.schema)
          report(p, 'a json_schema contract needs `schema_path` or `schema`', undefined, { key: true });
        if (c.schemaPath) checkSchemaFile(c.schemaPath, [...p, 'schema_path']);
        if (c.schema) {
          const problem = ctx.checkJsonSchema(c.schema);
          if (problem) report([...p, 'schema'], `not a valid JSON Schema: ${problem}`);
        }
        if (!c.source && step.outputs.length === 0) {
          report(p, 'a json_schema contract needs `source`, or an output artifact to check', undefined, {
            key: true,
          });
        }
      }
      if (c.type === 'test_suite' && !c.command)
        report(p, 'a test_suite contract needs `command`', undefined, { key: true });
      if (
        (c.type === 'non_empty_file' || c.type === 'markdown_spec') &&
        !c.source &&
        step.outputs.length === 0
      ) {
        report(p, `a ${c.type} contract needs \`source\`, or an output artifact to check`, undefined, {
          key: true,
        });
      }
    });

    if (step.gate) {
      const keys = new Set<string>();
      const choicesPath = [...at, 'gate', 'choices'];
      step.gate.choices.forEach((ch, j) => {
        if (keys.has(ch.key)) report([...choicesPath, j, 'key'], `duplicate choice key "${ch.key}"`);
        keys.add(ch.key);
        if (ch.target && ch.target !== '_fail' && !stepIndex.has(ch.target)) {
          report(
            [...choicesPath, j, 'target'],
            `unknown target "${ch.target}": use "_fail" or a step id`,
            didYouMean(ch.target, [...ids, '_fail']),
          );
        }
      });
      if (step.gate.default !== null && !keys.has(step.gate.default)) {
        report(
          [...at, 'gate', 'default'],
          `default "${step.gate.default}" is not one of the choices (${[...keys].join(', ')})`,
          didYouMean(step.gate.default, keys),
        );
      }
    }

    // Templates: every name must be known in this step's scope.
    const scope: TemplateScope = {
      projectKeys: ctx.projectKeys,
      isGate: (id) => isGate(id) && ancestry.has(step.id, id),
      gateSteps: () => ancestry.ancestorsOf(step.id, isGate),
      artifactNames: step.injects.map((x) => x.as),
      deps: new Map(
        step.dependencies.flatMap((d) => {
          const dep = spec.steps[stepIndex.get(d) ?? -1];
          if (!dep) return [];
          // Other kinds (sub-pipelines, iterate…) have artifacts known only once they ran.
          const known = dep.kind === 'command' || dep.kind === 'prompt' || dep.kind === 'gate';
          return [[d, known ? dep.outputs.map((a) => a.name) : null] as const];
        }),
      ),
    };
    const scripts: [PathSegment[], string | null | undefined][] = [
      [
        step.command !== null && hasKey(raw, [...at, 'script'])
          ? [...at, 'script']
          : [...at, 'exec', 'command'],
        step.command,
      ],
      ...step.contracts.map((c, j): [PathSegment[], string | undefined] => [
        [...contractPath(j), 'command'],
        c.command,
      ]),
    ];
    const texts: [PathSegment[], string | null | undefined][] = [
      ...scripts,
      [[...at, 'exec', 'source'], step.prompt && 'source' in step.prompt ? step.prompt.source : null],
      [[...at, 'gate', 'prompt'], step.gate?.prompt],
      [[...at, 'workspace', 'branch'], step.workspace.branch],
      [[...at, 'workspace', 'base'], step.workspace.base],
      [[...at, 'persona'], step.persona],
      ...step.outputs.map((a, j): [PathSegment[], string] => [
        [...at, 'output_artifacts', j, 'path'],
        a.path,
      ]),
      ...step.contracts.map((c, j): [PathSegment[], string | undefined] => [
        [...contractPath(j), 'source'],
        c.source,
      ]),
    ];
    for (const [path, text] of texts) if (text) checkTemplates(text, path, scope);
    // In bash, arithmetic evaluates a value as code however it is quoted: no template there.
    for (const [path, text] of scripts) {
      for (const t of text ? arithmeticTemplates(text) : [])
        report(path, arithmeticMessage(t.name, t.context));
    }
    if (step.prompt && 'sourcePath' in step.prompt && existsSync(step.prompt.sourcePath)) {
      const file = step.prompt.sourcePath;
      const read = readTextFile(file);
      if ('problem' in read) report([...at, 'exec', 'source_path'], `${file}: ${read.problem}`);
      else checkTemplates(read.text, [...at, 'exec', 'source_path'], scope, file);
    }
  }

  /**
   * GOWAVE §9: the steps of one thread (rework-only steps aside) form a dependency chain, so
   * each one's transcript is complete when the next starts.
   */
  function checkThreads(): void {
    const threads = new Map<string, number[]>();
    spec.steps.forEach((s, i) => {
      if (!s.thread || rawAt(raw, ['steps', i, 'rework_only']) === true) return;
      const list = threads.get(s.thread);
      if (list) list.push(i);
      else threads.set(s.thread, [i]);
    });
    const members = [...threads.values()].filter((list) => list.length > 1);
    if (members.length === 0) return;
    const chain = new Ancestry(
      spec.steps,
      stepIndex,
      members.flat().map((i) => spec.steps[i]!.id),
    );
    for (const list of members) {
      for (let x = 1; x < list.length; x++) {
        const b = spec.steps[list[x]!]!;
        const a = list
          .slice(0, x)
          .map((i) => spec.steps[i]!)
          .find((s) => !chain.has(b.id, s.id) && !chain.has(s.id, b.id));
        if (a) {
          report(
            ['steps', list[x]!, 'thread'],
            `steps of thread "${b.thread}" must form a dependency chain: "${b.id}" and "${a.id}" do not depend on each other`,
            `add "${a.id}" to the dependencies of "${b.id}"`,
          );
        }
      }
    }
  }

  function checkTemplates(text: string, path: PathSegment[], scope: TemplateScope, file?: string): void {
    for (const ref of findTemplateRefs(text)) {
      const check = checkTemplateName(ref.name, scope);
      if (!check.ok)
        report(
          path,
          file ? `${check.message} (in ${file})` : check.message,
          didYouMean(check.word, check.candidates),
        );
    }
  }

  function checkSchemaFile(p: string, path: PathSegment[]): void {
    const file = ctx.resolvePath(p);
    if (!existsSync(file)) {
      report(path, `file not found: ${file}`);
      return;
    }
    const read = readTextFile(file);
    if ('problem' in read) {
      report(path, `${file}: ${read.problem}`);
      return;
    }
    let schema: unknown;
    try {
      schema = JSON.parse(read.text);
    } catch (err) {
      report(path, `${file} is not valid JSON: ${(err as Error).message}`);
      return;
    }
    const problem =
      typeof schema === 'object' && schema !== null
        ? ctx.checkJsonSchema(schema as Record<string, unknown>)
        : 'not an object';
    if (problem) report(path, `${file} is not a valid JSON Schema: ${problem}`);
  }
}

/** An absolute path, or one that climbs out with `..` (symlinks are checked when the step ends). */
function leavesWorkspace(path: string): boolean {
  if (isAbsolute(path) || /^[A-Za-z]:[\\/]/.test(path)) return true;
  const normal = normalize(path);
  return normal === '..' || normal.startsWith(`..${sep}`);
}

function hintList(what: string, names: readonly string[]): string | undefined {
  return names.length ? `known ${what}: ${names.join(', ')}` : undefined;
}

function hasKey(value: unknown, path: PathSegment[]): boolean {
  return rawAt(value, path) !== undefined;
}

/** The value at `path` in the file as written (undefined where there is none). */
function rawAt(value: unknown, path: PathSegment[]): unknown {
  let v: unknown = value;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}
