import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sampleFromSchema } from '../../../src/engine/adapters/sample-json.js';
import { compileJsonSchema, formatAjvErrors } from '../../../src/pipeline/json-schema.js';

const PLAN_SCHEMA = fileURLToPath(new URL('../../../config/contracts/plan.schema.json', import.meta.url));

function expectValid(schema: Record<string, unknown>): unknown {
  const value = sampleFromSchema(schema);
  const validate = compileJsonSchema(schema);
  const valid = validate(value);
  expect(formatAjvErrors(validate.errors), JSON.stringify(value)).toEqual([]);
  expect(valid).toBe(true);
  return value;
}

describe('sampleFromSchema', () => {
  it('samples the real plan contract', () => {
    const schema = JSON.parse(readFileSync(PLAN_SCHEMA, 'utf8'));
    expect(expectValid(schema)).toEqual({ summary: 'mock', tasks: [{ title: 'mock', files: [] }] });
  });

  it('gives only required properties, recursively', () => {
    const value = expectValid({
      type: 'object',
      required: ['name', 'owner'],
      properties: {
        name: { type: 'string' },
        age: { type: 'integer' },
        owner: { type: 'object', required: ['id'], properties: { id: { type: 'integer' }, x: {} } },
      },
    });
    expect(value).toEqual({ name: 'mock', owner: { id: 0 } });
  });

  it.each([
    ['string', { type: 'string' }, 'mock'],
    ['number', { type: 'number' }, 0],
    ['integer', { type: 'integer' }, 0],
    ['boolean', { type: 'boolean' }, false],
    ['null', { type: 'null' }, null],
    ['type array', { type: ['integer', 'null'] }, 0],
    ['enum', { enum: ['high', 'low'] }, 'high'],
    ['const', { const: 'v1' }, 'v1'],
    ['default', { type: 'string', default: 'main' }, 'main'],
    ['minLength', { type: 'string', minLength: 8 }, 'mockxxxx'],
    ['maxLength', { type: 'string', maxLength: 2 }, 'mo'],
    ['minimum', { type: 'number', minimum: 3.5 }, 3.5],
    ['exclusiveMinimum', { type: 'integer', exclusiveMinimum: 0 }, 1],
    ['exclusive bounds', { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 0.5 }, 0.25],
    ['maximum below zero', { type: 'integer', maximum: -2 }, -2],
    ['multipleOf', { type: 'integer', minimum: 1, multipleOf: 5 }, 5],
    ['minItems', { type: 'array', minItems: 2, items: { type: 'string' } }, ['mock', 'mock']],
    [
      'prefixItems',
      { type: 'array', minItems: 2, prefixItems: [{ type: 'integer' }, { type: 'boolean' }] },
      [0, false],
    ],
    [
      'minProperties',
      { type: 'object', minProperties: 1, properties: { a: { type: 'string' } } },
      { a: 'mock' },
    ],
    ['pattern (simple)', { type: 'string', pattern: '^[0-9]+$' }, '0'],
    ['pattern (owner/repo)', { type: 'string', pattern: '^[^/]+/[^/]+$' }, 'mock/mock'],
  ])('%s', (_name, schema, expected) => {
    expect(expectValid(schema)).toEqual(expected);
  });

  it.each(['date-time', 'date', 'time', 'email', 'uri', 'uuid', 'hostname', 'ipv4', 'ipv6'])(
    'gives a valid %s',
    (format) => {
      expect(typeof expectValid({ type: 'string', format })).toBe('string');
    },
  );

  it('follows $ref into $defs and definitions, and merges allOf', () => {
    expectValid({
      $defs: { id: { type: 'string', format: 'uuid' } },
      definitions: { tag: { type: 'string', minLength: 3 } },
      type: 'object',
      required: ['id', 'tags', 'both'],
      properties: {
        id: { $ref: '#/$defs/id' },
        tags: { type: 'array', minItems: 1, items: { $ref: '#/definitions/tag' } },
        both: {
          allOf: [
            { type: 'object', required: ['a'], properties: { a: { type: 'string' } } },
            { required: ['b'], properties: { b: { type: 'integer', minimum: 2 } } },
          ],
        },
      },
    });
  });

  it('takes the first branch of anyOf and oneOf', () => {
    expect(expectValid({ anyOf: [{ type: 'integer' }, { type: 'string' }] })).toBe(0);
    expect(expectValid({ oneOf: [{ type: 'string', format: 'email' }, { type: 'null' }] })).toBe(
      'mock@example.com',
    );
    expectValid({
      type: 'object',
      required: ['kind'],
      properties: { kind: { type: 'string' } },
      oneOf: [{ required: ['x'], properties: { x: { type: 'number' } } }, { required: ['y'] }],
    });
  });

  it('stops on a recursive schema instead of looping', () => {
    const schema = {
      $defs: {
        node: { type: 'object', required: ['child'], properties: { child: { $ref: '#/$defs/node' } } },
      },
      $ref: '#/$defs/node',
    };
    expect(() => sampleFromSchema(schema)).not.toThrow();
  });

  it('accepts a draft-07 document', () => {
    expectValid({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      required: ['findings'],
      properties: {
        findings: {
          type: 'array',
          items: {
            type: 'object',
            required: ['severity'],
            properties: { severity: { enum: ['low', 'high'] } },
          },
        },
      },
    });
  });
});
