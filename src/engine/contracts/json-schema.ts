import { readFile } from 'node:fs/promises';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { errorMessage } from '../../errors.js';
import { compileJsonSchema, formatAjvErrors } from '../../pipeline/json-schema.js';
import type { ContractSpec } from '../../pipeline/model.js';
import { readSourceText } from './source-file.js';
import type { ContractChecker, ContractContext } from './types.js';

type Loaded = { validate: ValidateFunction } | { error: string };

/**
 * `json_schema`: `contract.source` (relative to the workspace; checkContract fills it in from
 * the first output artifact) parses as JSON and validates against `schemaPath` or `schema`.
 */
export const jsonSchemaContract: ContractChecker = async (contract, ctx) => {
  const source = contract.source;
  if (!source) return { ok: false, errors: ['the json_schema contract has no source'] };
  const schema = await loadValidator(contract, ctx);
  if ('error' in schema) return { ok: false, errors: [schema.error] };

  const read = await readSourceText(source, ctx.workspace);
  if ('error' in read) return { ok: false, errors: [read.error] };
  let data: unknown;
  try {
    data = JSON.parse(read.text);
  } catch (err) {
    return {
      ok: false,
      errors: [`${source} is not valid JSON (${errorMessage(err)}); write a single JSON document`],
    };
  }
  if (schema.validate(data)) return { ok: true, errors: [] };
  return {
    ok: false,
    errors: formatAjvErrors(schema.validate.errors).map((e) => `${source} does not match the schema: ${e}`),
  };
};

async function loadValidator(contract: ContractSpec, ctx: ContractContext): Promise<Loaded> {
  if (contract.schemaPath !== undefined)
    return loadSchemaFile(contract.schemaPath, ctx.resolvePath(contract.schemaPath));
  if (!contract.schema)
    return { error: 'the json_schema contract has neither `schema_path` nor `schema`; add one' };
  return compile(contract.schema, 'the inline schema');
}

async function loadSchemaFile(shown: string, path: string): Promise<Loaded> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return { error: `the schema ${shown} could not be read (${errorMessage(err)}); fix schema_path` };
  }
  let schema: unknown;
  try {
    schema = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    return { error: `the schema ${shown} is not valid JSON (${errorMessage(err)})` };
  }
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema))
    return { error: `the schema ${shown} is not a JSON object` };
  return compile(schema as Record<string, unknown>, `the schema ${shown}`);
}

/** compileJsonSchema caches by content, so a schema file is compiled once per content. */
function compile(schema: Record<string, unknown>, shown: string): Loaded {
  try {
    return { validate: compileJsonSchema(schema) };
  } catch (err) {
    return { error: `${shown} is not a valid JSON Schema (${errorMessage(err)})` };
  }
}
