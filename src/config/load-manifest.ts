import { existsSync, readFileSync } from 'node:fs';
import { applyManifestCompat } from '../pipeline/compat.js';
import type { Diagnostic } from '../pipeline/diagnostics.js';
import { parseYamlSource, type YamlSource } from '../pipeline/yaml-source.js';
import { checkWithSchema } from '../pipeline/zod-diagnostics.js';
import { type Env, interpolateDocument } from './interpolate.js';
import { type Manifest, ManifestSchema } from './manifest-schema.js';

export interface LoadedManifest {
  manifest: Manifest;
  source: YamlSource | null;
  diagnostics: Diagnostic[];
}

/** Reads wave.yaml: YAML with positions, `${VAR}` interpolation, Go Wave compat, strict schema. */
export function loadManifest(file: string, env: Env): LoadedManifest {
  if (!existsSync(file)) {
    return {
      manifest: {},
      source: null,
      diagnostics: [{ severity: 'error', file, line: null, path: '', message: 'file not found' }],
    };
  }
  return parseManifest(file, readFileSync(file, 'utf8'), env);
}

export function parseManifest(file: string, text: string, env: Env): LoadedManifest {
  const { source, diagnostics } = parseYamlSource(file, text);
  if (diagnostics.length) return { manifest: {}, source, diagnostics };
  diagnostics.push(...interpolateDocument(source.doc, file, env, source.lineAt));
  const value = source.value() ?? {};
  const compat = applyManifestCompat(value, source);
  diagnostics.push(...compat.diagnostics);
  const checked = checkWithSchema(ManifestSchema, value, source, compat.suppressed);
  if (!checked.ok) {
    diagnostics.push(...checked.diagnostics);
    diagnostics.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    return { manifest: {}, source, diagnostics };
  }
  return { manifest: checked.data, source, diagnostics };
}
