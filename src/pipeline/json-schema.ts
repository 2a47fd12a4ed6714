import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import * as addFormatsModule from 'ajv-formats';

type AddFormats = (ajv: Ajv2020) => unknown;
// ajv-formats is CommonJS; under NodeNext its function sits on `default`.
const addFormats = (addFormatsModule as unknown as { default: AddFormats }).default;

let ajv: Ajv2020 | undefined;
/** Compiled validators by schema text: ajv keeps every compiled schema, so compile each once. */
const compiled = new Map<string, ValidateFunction>();

function instance(): Ajv2020 {
  if (!ajv) {
    ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
  }
  return ajv;
}

/** Compiles a JSON Schema (2020-12, also accepting draft-07 documents); throws with ajv's message. */
export function compileJsonSchema(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  const known = compiled.get(key);
  if (known) return known;
  const copy = { ...schema };
  // A draft-07 `$schema` would make ajv 2020 refuse the document; the keywords we use overlap.
  if (typeof copy.$schema === 'string' && !copy.$schema.includes('2020-12')) delete copy.$schema;
  // A top-level `$id` registers the schema globally: a second, different schema with the same id
  // would be refused. Contracts are self-contained, so the id is not needed.
  delete copy.$id;
  const validate = instance().compile(copy);
  compiled.set(key, validate);
  return validate;
}

/** Returns null when the schema compiles, else why not. */
export function checkJsonSchema(schema: Record<string, unknown>): string | null {
  try {
    compileJsonSchema(schema);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

export function formatAjvErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`.trim());
}
