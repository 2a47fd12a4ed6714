import { join } from 'node:path';
import { WaveError } from '../errors.js';
import { type Diagnostic, hasErrors, ValidationError } from '../pipeline/diagnostics.js';
import { listPipelineFiles, type PipelineEntry } from '../pipeline/load-pipeline.js';
import { BUILTIN_ADAPTER_NAMES, loadPersonas, type PersonaSet } from '../pipeline/personas.js';
import { didYouMean } from '../pipeline/suggest.js';
import type { ValidationContext } from '../pipeline/validate.js';
import type { StorageSettings } from '../store/open-store.js';
import type { Config } from './config.js';
import { detectForge, type ForgeInfo, forgeValues } from './forge.js';
import type { Env } from './interpolate.js';
import { type LoadedManifest, loadManifest } from './load-manifest.js';
import { type ConfigFlags, parseConfig } from './parse-config.js';
import { PipelineCatalog } from './pipeline-catalog.js';
import { type PipelineSettings, validationContextOf } from './pipeline-settings.js';
import {
  discoverProject,
  type ProjectPaths,
  resolveDefinitionPath,
  resolveRuntimePath,
} from './project-paths.js';

export interface ProjectOptions {
  cwd: string;
  /** `-C DIR` */
  project?: string;
  /** `--config FILE` */
  configFile?: string;
  env: Env;
  flags?: ConfigFlags;
  /** Return the project even when the manifest has errors (they are in `diagnostics`). */
  lenient?: boolean;
}

/**
 * The `{{ project.<key> }}` names: wave.yaml's scalar `project` values, and (as in the Go Wave)
 * `contract_test_command`, which falls back to `test_command`.
 */
export function projectTemplateKeys(project: Record<string, unknown>): string[] {
  const keys = Object.entries(project)
    .filter(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v))
    .map(([k]) => k);
  if (keys.includes('test_command') && !keys.includes('contract_test_command'))
    keys.push('contract_test_command');
  return keys;
}

export type RunnablePipeline = PipelineEntry & { spec: NonNullable<PipelineEntry['spec']> };

/** Everything a command needs to know about a project, loaded once. Pipelines load on demand. */
export class Project {
  private files: { name: string; file: string }[] | undefined;
  private readonly catalog: PipelineCatalog;
  private forgeInfo: ForgeInfo | undefined;

  constructor(
    readonly paths: ProjectPaths,
    readonly config: Config,
    readonly manifest: LoadedManifest,
    readonly personas: PersonaSet,
    /** Manifest, environment and persona diagnostics (pipelines have their own). */
    readonly diagnostics: Diagnostic[],
  ) {
    this.catalog = new PipelineCatalog(this.pipelineSettings, () => {
      this.files ??= listPipelineFiles(this.paths.defsDir);
      return this.files;
    });
  }

  resolvePath(p: string): string {
    return resolveDefinitionPath(this.paths, p);
  }

  runtimePath(p: string): string {
    return resolveRuntimePath(this.paths, p);
  }

  get storagePath(): string {
    return this.runtimePath(this.config.storage.path);
  }

  /** What opening the store needs: the driver and its settings, paths resolved. */
  get storage(): StorageSettings {
    const s = this.config.storage;
    return {
      driver: s.driver,
      path: this.storagePath,
      url: s.url,
      artifactInlineLimit: s.artifact_inline_limit,
      artifactDir: s.artifact_dir ? this.runtimePath(s.artifact_dir) : null,
    };
  }

  get validationContext(): ValidationContext {
    return validationContextOf(this.pipelineSettings);
  }

  /** `{{ forge.* }}` of this project (read once). */
  get forge(): ForgeInfo {
    this.forgeInfo ??= detectForge(this.paths.root, this.config.forge, process.env);
    return this.forgeInfo;
  }

  /** What checking a pipeline needs of this project, as plain data. */
  get pipelineSettings(): PipelineSettings {
    return {
      paths: this.paths,
      personas: this.personas.personas,
      adapters: [...Object.keys(this.config.adapters), ...BUILTIN_ADAPTER_NAMES],
      projectKeys: projectTemplateKeys(this.config.project),
      forge: forgeValues(this.forge),
    };
  }

  pipelineNames(): string[] {
    this.files ??= listPipelineFiles(this.paths.defsDir);
    return this.files.map((f) => f.name);
  }

  /** A pipeline by name (parsed and validated once per version of its file), or undefined. */
  pipeline(name: string): PipelineEntry | undefined {
    return this.catalog.get(name);
  }

  pipelines(): PipelineEntry[] {
    return this.pipelineNames().map((n) => this.pipeline(n)!);
  }

  /** As pipeline(), without holding the event loop for long (the server's way). */
  loadPipeline(name: string): Promise<PipelineEntry | undefined> {
    return this.catalog.load(name);
  }

  /** As pipelines(), without holding the event loop for long (the server's way). */
  loadPipelines(): Promise<PipelineEntry[]> {
    return this.catalog.loadAll();
  }

  /** The pipeline ready to run, or a typed error: not found (with a suggestion) or invalid. */
  requirePipeline(name: string): RunnablePipeline {
    return this.runnable(name, this.pipeline(name));
  }

  /** As requirePipeline(), without holding the event loop for long (the server's way). */
  async loadRunnablePipeline(name: string): Promise<RunnablePipeline> {
    return this.runnable(name, await this.loadPipeline(name));
  }

  private runnable(name: string, entry: PipelineEntry | undefined): RunnablePipeline {
    if (!entry) {
      const hint = didYouMean(name, this.pipelineNames());
      throw new WaveError('pipeline_not_found', `no pipeline named "${name}"${hint ? ` (${hint})` : ''}`, {
        available: this.pipelineNames(),
      });
    }
    if (!entry.spec) throw new ValidationError('invalid_pipeline', entry.diagnostics);
    return entry as RunnablePipeline;
  }
}

/** Discovers and loads a project; throws ValidationError when its manifest is unusable. */
export function loadProject(opts: ProjectOptions): Project {
  const paths = discoverProject(opts);
  const manifest = loadManifest(paths.manifestFile, opts.env);
  const { config, diagnostics: configDiags } = parseConfig({
    file: manifest.manifest,
    env: opts.env,
    flags: opts.flags ?? {},
  });
  const diagnostics = [...manifest.diagnostics, ...configDiags];
  const personas = loadPersonas({
    config,
    manifestSource: manifest.source,
    personasDir: join(paths.defsDir, 'personas'),
    resolvePath: (p) => resolveDefinitionPath(paths, p),
  });
  diagnostics.push(...personas.diagnostics);
  // `wave validate` wants every problem at once, so it may go on past manifest errors.
  if (!opts.lenient && hasErrors(diagnostics)) throw new ValidationError('invalid_config', diagnostics);
  return new Project(paths, config, manifest, personas, diagnostics);
}
