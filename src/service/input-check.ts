import { compileJsonSchema, formatAjvErrors } from '../pipeline/json-schema.js';

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why an input cannot be text a step receives, or null. Steps get it in their environment
 * (WAVE_INPUT) and command lines, which cannot hold NUL; a lone surrogate (`"\ud800"` in JSON)
 * is not text at all and would reach them altered.
 */
export function inputTextProblem(input: string): string | null {
  if (input.includes('\0')) return 'the input contains a NUL character, which no step can receive';
  if (LONE_SURROGATE.test(input)) return 'the input is not valid UTF-8 text (it has an unpaired surrogate)';
  return null;
}

/**
 * Checks a run's input against the pipeline's `input.schema`. The input is text; a schema for
 * an object, array, number or boolean is checked against the input parsed as JSON.
 */
export function checkInput(input: string, schema: Record<string, unknown>): string[] {
  const validate = compileJsonSchema(schema);
  const type = schema.type;
  const wantsString =
    type === undefined || type === 'string' || (Array.isArray(type) && type.includes('string'));
  let value: unknown = input;
  if (!wantsString) {
    try {
      value = JSON.parse(input);
    } catch {
      return [`the input must be JSON (the schema's type is ${JSON.stringify(type)})`];
    }
  }
  return validate(value) ? [] : formatAjvErrors(validate.errors);
}
