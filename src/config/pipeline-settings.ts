import { checkJsonSchema } from '../pipeline/json-schema.js';
import type { Persona } from '../pipeline/personas.js';
import type { ValidationContext } from '../pipeline/validate.js';
import { type ProjectPaths, resolveDefinitionPath } from './project-paths.js';

/**
 * What checking a pipeline needs to know of its project, as plain data: it is handed to the
 * worker thread that parses big pipeline files (see parse-off-thread.ts).
 */
export interface PipelineSettings {
  paths: ProjectPaths;
  personas: ReadonlyMap<string, Persona>;
  adapters: readonly string[];
  projectKeys: readonly string[];
  /** `forge.<field>` values, for persona names like "{{ forge.type }}-commenter". */
  forge?: Readonly<Record<string, string>>;
}

export function validationContextOf(settings: PipelineSettings): ValidationContext {
  return {
    personas: settings.personas,
    adapters: settings.adapters,
    projectKeys: settings.projectKeys,
    forge: settings.forge ?? {},
    resolvePath: (p) => resolveDefinitionPath(settings.paths, p),
    checkJsonSchema,
  };
}
