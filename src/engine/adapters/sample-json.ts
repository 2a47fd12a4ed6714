/**
 * Minimal instances of JSON Schemas, for the mock adapter: only required properties, the fewest
 * array items allowed, the smallest numbers. Best effort: `pattern`, `uniqueItems`, `not` and
 * external `$ref`s are not solved, so a sample of an exotic schema may not validate.
 */

type Schema = Record<string, unknown>;

const MAX_DEPTH = 32;

const FORMAT_SAMPLES: Record<string, string> = {
  'date-time': '2024-01-01T00:00:00Z',
  date: '2024-01-01',
  time: '00:00:00Z',
  duration: 'P1D',
  email: 'mock@example.com',
  'idn-email': 'mock@example.com',
  hostname: 'example.com',
  'idn-hostname': 'example.com',
  ipv4: '127.0.0.1',
  ipv6: '::1',
  uri: 'https://example.com/',
  'uri-reference': 'https://example.com/',
  iri: 'https://example.com/',
  'iri-reference': 'https://example.com/',
  'uri-template': 'https://example.com/{id}',
  'json-pointer': '/mock',
  'relative-json-pointer': '0',
  regex: '.*',
  uuid: '00000000-0000-4000-8000-000000000000',
};

const STRING_CANDIDATES = ['mock', 'a', 'A', '0', 'mock-1', 'mock_1', 'Mock', '', 'mock/mock', '1.0.0'];

/** A minimal value that validates against `schema` (the root, for `#/...` references). */
export function sampleFromSchema(schema: unknown): unknown {
  return sample(schema, isSchema(schema) ? schema : {}, 0);
}

function sample(node: unknown, root: Schema, depth: number): unknown {
  if (!isSchema(node) || depth > MAX_DEPTH) return null;
  const schema = flatten(node, root, depth);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ('default' in schema) return schema.default;

  switch (pickType(schema)) {
    case 'object':
      return sampleObject(schema, root, depth);
    case 'array':
      return sampleArray(schema, root, depth);
    case 'string':
      return sampleString(schema);
    case 'integer':
      return sampleNumber(schema, true);
    case 'number':
      return sampleNumber(schema, false);
    case 'boolean':
      return false;
    default:
      return null;
  }
}

/** Resolves `$ref`, merges `allOf` and the first `anyOf`/`oneOf` branch into one schema. */
function flatten(node: Schema, root: Schema, depth: number): Schema {
  let schema: Schema = { ...node };
  if (typeof schema.$ref === 'string') {
    const { $ref, ...rest } = schema;
    const target = resolveRef($ref as string, root);
    schema = merge(isSchema(target) ? flatten(target, root, depth + 1) : {}, rest);
  }
  if (Array.isArray(schema.allOf)) {
    const { allOf, ...rest } = schema;
    schema = (allOf as unknown[])
      .filter(isSchema)
      .reduce<Schema>((acc, s) => merge(acc, flatten(s, root, depth + 1)), rest);
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = schema[key];
    if (Array.isArray(branches)) {
      const { [key]: _, ...rest } = schema;
      const first = branches.find(isSchema);
      schema = first ? merge(rest, flatten(first, root, depth + 1)) : rest;
    }
  }
  return schema;
}

/** Merges two schemas: properties and required lists are united, other keywords overridden. */
function merge(a: Schema, b: Schema): Schema {
  const merged: Schema = { ...a, ...b };
  if (isSchema(a.properties) || isSchema(b.properties)) {
    merged.properties = {
      ...(isSchema(a.properties) ? a.properties : {}),
      ...(isSchema(b.properties) ? b.properties : {}),
    };
  }
  if (Array.isArray(a.required) || Array.isArray(b.required)) {
    merged.required = [...new Set([...strings(a.required), ...strings(b.required)])];
  }
  return merged;
}

function resolveRef(ref: string, root: Schema): unknown {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    node = isSchema(node) ? node[key] : undefined;
  }
  return node;
}

function pickType(schema: Schema): string | undefined {
  const type = schema.type;
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return type.find((t): t is string => typeof t === 'string');
  // No type: guess from the keywords present.
  if ('properties' in schema || 'required' in schema || 'additionalProperties' in schema) return 'object';
  if ('items' in schema || 'prefixItems' in schema || 'minItems' in schema) return 'array';
  if ('minLength' in schema || 'pattern' in schema || 'format' in schema) return 'string';
  if ('minimum' in schema || 'exclusiveMinimum' in schema || 'multipleOf' in schema) return 'number';
  return undefined;
}

function sampleObject(schema: Schema, root: Schema, depth: number): Record<string, unknown> {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const extra = isSchema(schema.additionalProperties) ? schema.additionalProperties : {};
  const keys = strings(schema.required);
  // minProperties beyond the required ones: take declared properties, then invented names.
  const minProperties = typeof schema.minProperties === 'number' ? schema.minProperties : 0;
  for (const k of Object.keys(properties)) if (keys.length < minProperties && !keys.includes(k)) keys.push(k);
  for (let i = 1; keys.length < minProperties; i++) if (!keys.includes(`mock${i}`)) keys.push(`mock${i}`);

  const out: Record<string, unknown> = {};
  for (const key of keys) out[key] = sample(properties[key] ?? extra, root, depth + 1);
  return out;
}

function sampleArray(schema: Schema, root: Schema, depth: number): unknown[] {
  const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
  const minItems = typeof schema.minItems === 'number' ? schema.minItems : 0;
  const out: unknown[] = [];
  for (let i = 0; i < minItems; i++) {
    out.push(sample(i < prefix.length ? prefix[i] : (schema.items ?? {}), root, depth + 1));
  }
  return out;
}

function sampleString(schema: Schema): string {
  if (typeof schema.format === 'string' && schema.format in FORMAT_SAMPLES) {
    return FORMAT_SAMPLES[schema.format]!;
  }
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Number.POSITIVE_INFINITY;
  const withinLength = (s: string) => (s.length < min ? s.padEnd(min, 'x') : s.slice(0, max));
  const pattern = compilePattern(schema.pattern);
  if (!pattern) return withinLength('mock');
  const match = STRING_CANDIDATES.map(withinLength).find((s) => pattern.test(s));
  return match ?? withinLength('mock');
}

function compilePattern(pattern: unknown): RegExp | null {
  if (typeof pattern !== 'string') return null;
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return null;
  }
}

function sampleNumber(schema: Schema, integer: boolean): number {
  const min = numberOr(schema.minimum);
  const max = numberOr(schema.maximum);
  // Draft-04 writes `exclusiveMinimum: true` beside `minimum`; later drafts give the bound itself.
  const exMin = numberOr(schema.exclusiveMinimum) ?? (schema.exclusiveMinimum === true ? min : undefined);
  const exMax = numberOr(schema.exclusiveMaximum) ?? (schema.exclusiveMaximum === true ? max : undefined);
  const step = numberOr(schema.multipleOf);
  const align = (v: number) => {
    const whole = integer ? Math.ceil(v) : v;
    return step !== undefined && step > 0 ? Math.ceil(whole / step) * step : whole;
  };
  const fits = (v: number) =>
    (min === undefined || v >= min) &&
    (max === undefined || v <= max) &&
    (exMin === undefined || v > exMin) &&
    (exMax === undefined || v < exMax);
  const low = exMin ?? min;
  const high = exMax ?? max;
  const candidates = [
    min,
    exMin === undefined ? undefined : integer ? Math.floor(exMin) + 1 : exMin + 1,
    low !== undefined && high !== undefined ? (low + high) / 2 : undefined,
    0,
    max,
    exMax === undefined ? undefined : exMax - 1,
  ]
    .filter((v): v is number => v !== undefined)
    .map(align);
  return candidates.find(fits) ?? candidates[0] ?? 0;
}

function numberOr(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function isSchema(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
