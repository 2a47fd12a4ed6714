import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Config } from '../config/config.js';
import { PersonaConfigSchema } from '../config/manifest-schema.js';
import { applyPersonaFileCompat } from './compat.js';
import type { Diagnostic } from './diagnostics.js';
import { didYouMean } from './suggest.js';
import type { YamlSource } from './yaml-source.js';
import { parseYamlSource } from './yaml-source.js';
import { zodIssuesToDiagnostics } from './zod-diagnostics.js';

export interface Persona {
  name: string;
  adapter: string;
  description: string;
  model: string | null;
  temperature: number | null;
  permissions: { allowed_tools: string[]; deny: string[] };
  /** The persona's system prompt file, if it has one. */
  promptFile: string | null;
  /** Where it was defined, for error messages. */
  origin: { file: string; line: number | null };
}

export interface PersonaSet {
  personas: Map<string, Persona>;
  /** `base-protocol.md`, prepended to every persona prompt. */
  baseProtocolFile: string | null;
  diagnostics: Diagnostic[];
}

export const DEFAULT_ADAPTER = 'claude';
/** Adapters every project has without declaring them. */
export const BUILTIN_ADAPTER_NAMES = ['mock'];

/**
 * Personas from wave.yaml and from `<defs>/personas/` files (`<name>.yaml` + `<name>.md`, or a
 * lone `<name>.md`). Where both define a name it is one persona, wave.yaml's fields winning.
 */
export function loadPersonas(opts: {
  config: Config;
  manifestSource: YamlSource | null;
  personasDir: string;
  resolvePath: (p: string) => string;
}): PersonaSet {
  const diagnostics: Diagnostic[] = [];
  const personas = new Map<string, Persona>();
  const dir = opts.personasDir;
  const files = existsSync(dir) ? readdirSync(dir).sort() : [];
  const baseProtocolFile = files.includes('base-protocol.md') ? join(dir, 'base-protocol.md') : null;

  // Prompt files that wave.yaml personas claim are their prompts, not personas of their own.
  const claimed = new Set<string>();
  for (const p of Object.values(opts.config.personas)) {
    if (p.system_prompt_file) claimed.add(opts.resolvePath(p.system_prompt_file));
  }

  for (const file of files) {
    if (!file.endsWith('.yaml') && !file.endsWith('.yml')) continue;
    const name = file.replace(/\.ya?ml$/, '');
    const full = join(dir, file);
    const { source, diagnostics: yamlDiags } = parseYamlSource(full, readFileSync(full, 'utf8'));
    diagnostics.push(...yamlDiags);
    if (yamlDiags.some((d) => d.severity === 'error')) continue;
    const value = source.value() ?? {};
    const compat = applyPersonaFileCompat(value, source);
    diagnostics.push(...compat.diagnostics);
    const parsed = PersonaConfigSchema.safeParse(value);
    if (!parsed.success) {
      diagnostics.push(
        ...zodIssuesToDiagnostics(parsed.error.issues, { source, schema: PersonaConfigSchema, input: value }),
      );
      continue;
    }
    const md = join(dir, `${name}.md`);
    const promptFile = parsed.data.system_prompt_file
      ? opts.resolvePath(parsed.data.system_prompt_file)
      : existsSync(md)
        ? md
        : null;
    if (promptFile) claimed.add(promptFile);
    personas.set(name, {
      name,
      adapter: parsed.data.adapter ?? DEFAULT_ADAPTER,
      description: parsed.data.description ?? '',
      model: parsed.data.model ?? null,
      temperature: parsed.data.temperature ?? null,
      permissions: {
        allowed_tools: parsed.data.permissions?.allowed_tools ?? [],
        deny: parsed.data.permissions?.deny ?? [],
      },
      promptFile,
      origin: { file: full, line: 1 },
    });
  }

  for (const file of files) {
    if (!file.endsWith('.md') || file === 'base-protocol.md') continue;
    const full = join(dir, file);
    const name = basename(file, '.md');
    if (claimed.has(full) || personas.has(name) || name in opts.config.personas) continue;
    personas.set(name, {
      name,
      adapter: DEFAULT_ADAPTER,
      description: '',
      model: null,
      temperature: null,
      permissions: { allowed_tools: [], deny: [] },
      promptFile: full,
      origin: { file: full, line: null },
    });
  }

  const src = opts.manifestSource;
  for (const [name, p] of Object.entries(opts.config.personas)) {
    const fromFile = personas.get(name);
    const md = join(dir, `${name}.md`);
    const promptFile = p.system_prompt_file
      ? opts.resolvePath(p.system_prompt_file)
      : (fromFile?.promptFile ?? (existsSync(md) ? md : null));
    if (p.system_prompt_file && promptFile && !existsSync(promptFile)) {
      diagnostics.push({
        severity: 'error',
        file: src?.file ?? 'wave.yaml',
        line: src?.lineOf(['personas', name, 'system_prompt_file']) ?? null,
        path: `personas.${name}.system_prompt_file`,
        message: `file not found: ${promptFile}`,
      });
    }
    personas.set(name, {
      name,
      adapter: p.adapter ?? fromFile?.adapter ?? DEFAULT_ADAPTER,
      description: p.description ?? fromFile?.description ?? '',
      model: p.model ?? fromFile?.model ?? null,
      temperature: p.temperature ?? fromFile?.temperature ?? null,
      permissions: {
        allowed_tools: p.permissions?.allowed_tools ?? fromFile?.permissions.allowed_tools ?? [],
        deny: p.permissions?.deny ?? fromFile?.permissions.deny ?? [],
      },
      promptFile,
      origin: { file: src?.file ?? 'wave.yaml', line: src?.keyLineOf(['personas', name]) ?? null },
    });
  }

  const adapters = [...Object.keys(opts.config.adapters), ...BUILTIN_ADAPTER_NAMES];
  for (const persona of personas.values()) {
    if (adapters.includes(persona.adapter)) continue;
    const inManifest = persona.name in opts.config.personas && src;
    diagnostics.push({
      severity: 'error',
      file: persona.origin.file,
      line: inManifest ? src.lineOf(['personas', persona.name, 'adapter']) : persona.origin.line,
      path: inManifest ? `personas.${persona.name}.adapter` : 'adapter',
      message: `unknown adapter "${persona.adapter}" for persona "${persona.name}"`,
      hint:
        didYouMean(persona.adapter, adapters) ??
        `declare it under adapters: in wave.yaml (known: ${adapters.join(', ')})`,
    });
  }
  return { personas, baseProtocolFile, diagnostics };
}
