import { compileJsonSchema, formatAjvErrors } from '../pipeline/json-schema.js';

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
