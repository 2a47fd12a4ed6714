import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { checkContract, contractSource } from '../../src/engine/contracts/index.js';
import type { ContractContext } from '../../src/engine/contracts/types.js';
import { compileJsonSchema } from '../../src/pipeline/json-schema.js';
import type { ArtifactSpec, ContractSpec, StepSpec } from '../../src/pipeline/model.js';
import { tempDir, writeTree } from '../helpers/tmp.js';

function artifact(path: string): ArtifactSpec {
  return { name: path, path, type: 'text', source: 'file', required: true };
}

function makeStep(outputs: ArtifactSpec[] = []): StepSpec {
  return {
    id: 'step',
    kind: 'command',
    description: '',
    dependencies: [],
    persona: null,
    adapter: null,
    model: null,
    command: 'true',
    prompt: null,
    workspace: { type: 'fresh', mount: [], branch: null, base: null },
    outputs,
    injects: [],
    contracts: [],
    retry: { maxAttempts: 1, backoff: 'fixed', baseDelayMs: 0, maxDelayMs: 0, onFailure: 'fail' },
    gate: null,
    outcomes: [],
    timeoutMs: null,
    optional: false,
  };
}

function contract(type: ContractSpec['type'], extra: Partial<ContractSpec> = {}): ContractSpec {
  return { type, requiredSections: [], onFailure: 'fail', ...extra };
}

interface TestContext extends ContractContext {
  lines: [string, string][];
}

/** A context around a fresh workspace (with `files`) and project root (with `.wave/...`). */
function makeCtx(files: Record<string, string> = {}, extra: Partial<ContractContext> = {}): TestContext {
  const projectRoot = tempDir('wave-contract-project-');
  const workspace = writeTree(tempDir('wave-contract-ws-'), files);
  const lines: [string, string][] = [];
  return {
    step: makeStep(),
    workspace,
    projectRoot,
    resolvePath: (p) => join(projectRoot, p),
    renderCommand: (c) => c,
    env: process.env,
    timeoutMs: 20_000,
    graceMs: 1000,
    signal: new AbortController().signal,
    onLine: (stream, line) => lines.push([stream, line]),
    ...extra,
    lines,
  };
}

describe('contractSource', () => {
  it('prefers the source, then the first output artifact, else null', () => {
    const step = makeStep([artifact('first.json'), artifact('second.json')]);
    expect(contractSource(contract('json_schema', { source: 'own.json' }), step)).toBe('own.json');
    expect(contractSource(contract('json_schema'), step)).toBe('first.json');
    expect(contractSource(contract('json_schema'), makeStep())).toBeNull();
  });
});

describe('checkContract', () => {
  it('fails a file contract without a source or an output artifact', async () => {
    for (const type of ['json_schema', 'non_empty_file', 'markdown_spec'] as const) {
      expect(await checkContract(contract(type), makeCtx())).toEqual({
        ok: false,
        errors: ['the contract has no source and the step declares no output artifact'],
      });
    }
  });

  it('reports an unknown contract type', async () => {
    const result = await checkContract(contract('nope' as ContractSpec['type']), makeCtx());
    expect(result.errors).toEqual(['unknown contract type "nope"']);
  });
});

describe('non_empty_file', () => {
  it('passes a file with content, defaulting to the first output artifact', async () => {
    const ctx = makeCtx({ 'out/report.txt': 'hello\n' });
    ctx.step = makeStep([artifact('out/report.txt')]);
    expect(await checkContract(contract('non_empty_file'), ctx)).toEqual({ ok: true, errors: [] });
  });

  it('passes when the first visible byte comes after a long run of whitespace', async () => {
    const ctx = makeCtx({ 'big.txt': `${' \n\t'.repeat(100_000)}x` });
    expect((await checkContract(contract('non_empty_file', { source: 'big.txt' }), ctx)).ok).toBe(true);
  });

  it('fails a missing, empty, whitespace-only or directory source, naming it', async () => {
    const ctx = makeCtx({ 'empty.txt': '', 'blank.txt': ' \n\t\r\n' });
    mkdirSync(join(ctx.workspace, 'adir'));
    const check = async (source: string) =>
      (await checkContract(contract('non_empty_file', { source }), ctx)).errors;
    expect(await check('missing.txt')).toEqual([expect.stringMatching(/^missing\.txt was not written/)]);
    expect(await check('empty.txt')).toEqual([expect.stringMatching(/^empty\.txt is empty/)]);
    expect(await check('blank.txt')).toEqual([expect.stringMatching(/^blank\.txt is empty/)]);
    expect(await check('adir')).toEqual([expect.stringMatching(/^adir is not a file/)]);
  });
});

describe('json_schema', () => {
  const schema = {
    type: 'object',
    required: ['name', 'count'],
    properties: { name: { type: 'string' }, count: { type: 'integer' } },
  };

  it('passes a document that matches the inline schema', async () => {
    const ctx = makeCtx({ 'out.json': JSON.stringify({ name: 'a', count: 1 }) });
    expect(await checkContract(contract('json_schema', { source: 'out.json', schema }), ctx)).toEqual({
      ok: true,
      errors: [],
    });
  });

  it('lists every schema violation, naming the file', async () => {
    const ctx = makeCtx({ 'out.json': JSON.stringify({ name: 3 }) });
    const result = await checkContract(contract('json_schema', { source: 'out.json', schema }), ctx);
    expect(result.ok).toBe(false);
    expect(result.errors).toHaveLength(2);
    expect(result.errors).toContainEqual(
      expect.stringMatching(/^out\.json does not match the schema: .*count/),
    );
    expect(result.errors).toContainEqual(
      expect.stringMatching(/^out\.json does not match the schema: \/name must be string/),
    );
  });

  it('fails a missing source and invalid JSON with the parser message', async () => {
    const ctx = makeCtx({ 'bad.json': '{"name": ' });
    const missing = await checkContract(contract('json_schema', { source: 'none.json', schema }), ctx);
    expect(missing.errors).toEqual([expect.stringMatching(/^none\.json was not written/)]);
    const bad = await checkContract(contract('json_schema', { source: 'bad.json', schema }), ctx);
    let parserMessage = '';
    try {
      JSON.parse('{"name": ');
    } catch (err) {
      parserMessage = (err as Error).message;
    }
    expect(bad.errors).toEqual([expect.stringContaining('bad.json is not valid JSON')]);
    expect(bad.errors[0]).toContain(parserMessage);
  });

  it('reads schema_path through resolvePath', async () => {
    const ctx = makeCtx({ 'out.json': JSON.stringify({ name: 'a', count: 1.5 }) });
    writeTree(ctx.projectRoot, { '.wave/contracts/thing.json': JSON.stringify(schema) });
    const resolvePath = vi.fn(ctx.resolvePath);
    ctx.resolvePath = resolvePath;
    const result = await checkContract(
      contract('json_schema', { source: 'out.json', schemaPath: '.wave/contracts/thing.json' }),
      ctx,
    );
    expect(resolvePath).toHaveBeenCalledWith('.wave/contracts/thing.json');
    expect(result.errors).toEqual(['out.json does not match the schema: /count must be integer']);
  });

  it('picks up a schema file that changed', async () => {
    const ctx = makeCtx({ 'out.json': JSON.stringify({ name: 'a' }) });
    const file = join(ctx.projectRoot, 's.json');
    writeFileSync(file, JSON.stringify({ type: 'object' }));
    const c = contract('json_schema', { source: 'out.json', schemaPath: 's.json' });
    expect((await checkContract(c, ctx)).ok).toBe(true);
    writeFileSync(file, JSON.stringify({ type: 'array' }));
    const later = new Date(Date.now() + 10_000);
    utimesSync(file, later, later);
    expect((await checkContract(c, ctx)).errors).toEqual([
      'out.json does not match the schema: (root) must be array',
    ]);
  });

  it('reports a schema file that is missing, not JSON or not a schema', async () => {
    const ctx = makeCtx({ 'out.json': '{}' });
    writeTree(ctx.projectRoot, {
      'broken.json': '{',
      'wrong.json': '{"type": "nonsense"}',
      'list.json': '[]',
    });
    const check = async (schemaPath: string) =>
      (await checkContract(contract('json_schema', { source: 'out.json', schemaPath }), ctx)).errors;
    expect(await check('gone.json')).toEqual([
      expect.stringMatching(/^the schema gone\.json could not be read/),
    ]);
    expect(await check('broken.json')).toEqual([
      expect.stringMatching(/^the schema broken\.json is not valid JSON/),
    ]);
    expect(await check('wrong.json')).toEqual([
      expect.stringMatching(/^the schema wrong\.json is not a valid JSON Schema/),
    ]);
    expect(await check('list.json')).toEqual(['the schema list.json is not a JSON object']);
  });

  it('reports a contract with neither schema_path nor schema', async () => {
    const ctx = makeCtx({ 'out.json': '{}' });
    const result = await checkContract(contract('json_schema', { source: 'out.json' }), ctx);
    expect(result.errors).toEqual([expect.stringContaining('neither `schema_path` nor `schema`')]);
  });

  it('checks a schema with an $id again and again, even after pipeline validation compiled it', async () => {
    const withId = { $id: 'https://example.com/wave-contract-test.json', ...schema };
    compileJsonSchema(withId);
    const ctx = makeCtx({ 'out.json': JSON.stringify({ name: 'a', count: 2 }) });
    writeTree(ctx.projectRoot, { 'id.json': JSON.stringify(withId) });
    for (const c of [
      contract('json_schema', { source: 'out.json', schema: withId }),
      contract('json_schema', { source: 'out.json', schema: { ...withId } }),
      contract('json_schema', { source: 'out.json', schemaPath: 'id.json' }),
    ]) {
      expect(await checkContract(c, ctx)).toEqual({ ok: true, errors: [] });
    }
  });
});

describe('markdown_spec', () => {
  const doc = [
    '# Plan',
    '',
    '## Summary ##',
    'text',
    '### Open   Questions',
    '```md',
    '## Hidden In Code',
    '```',
    '~~~~',
    '## Hidden In Tilde',
    '~~~',
    '## Still hidden: the fence above is too short to close',
    '~~~~',
    '#NoSpace',
    '####### Seven',
    '    ## Indented code',
    '   ## Risks',
    '',
  ].join('\n');

  const check = async (requiredSections: string[], files: Record<string, string> = { 'spec.md': doc }) =>
    checkContract(contract('markdown_spec', { source: 'spec.md', requiredSections }), makeCtx(files));

  it('finds headings with or without #, ignoring case, whitespace and closing #s', async () => {
    expect(await check(['Plan', '## summary', '  Open Questions ', '# RISKS #'])).toEqual({
      ok: true,
      errors: [],
    });
  });

  it('ignores headings in fenced code and lines that are not ATX headings', async () => {
    const result = await check([
      'Hidden In Code',
      'Hidden In Tilde',
      'Still hidden: the fence above is too short to close',
      'NoSpace',
      'Seven',
      'Indented code',
    ]);
    expect(result.ok).toBe(false);
    expect(result.errors).toHaveLength(6);
    expect(result.errors[0]).toBe(
      'spec.md is missing the section "Hidden In Code"; add a heading line such as "## Hidden In Code"',
    );
  });

  it('lists only the missing sections', async () => {
    const result = await check(['Plan', '## Testing', 'Rollout']);
    expect(result.errors).toEqual([
      expect.stringMatching(/^spec\.md is missing the section "Testing"/),
      expect.stringMatching(/^spec\.md is missing the section "Rollout"/),
    ]);
  });

  it('handles CRLF line endings', async () => {
    expect((await check(['Summary'], { 'spec.md': '# Title\r\n## Summary\r\n' })).ok).toBe(true);
  });

  it('without required sections only needs a non-empty file', async () => {
    expect((await check([], { 'spec.md': 'anything' })).ok).toBe(true);
    expect((await check([], { 'spec.md': '\n\n' })).errors).toEqual([
      expect.stringMatching(/^spec\.md is empty/),
    ]);
  });

  it('fails a missing file', async () => {
    expect((await check(['Plan'], {})).errors).toEqual([expect.stringMatching(/^spec\.md was not written/)]);
  });
});

describe('test_suite', () => {
  const suite = (command: string, extra: Partial<ContractSpec> = {}) =>
    contract('test_suite', { command, ...extra });

  it('passes on exit 0 and streams every line to onLine', async () => {
    const ctx = makeCtx();
    const result = await checkContract(suite('echo one; echo two >&2'), ctx);
    expect(result).toEqual({ ok: true, errors: [] });
    expect(ctx.lines).toEqual([
      ['stdout', 'one'],
      ['stderr', 'two'],
    ]);
  });

  it('renders the command and passes the environment', async () => {
    const ctx = makeCtx(
      {},
      {
        renderCommand: (c) => c.replace('{{ greeting }}', "'hello there'"),
        env: { ...process.env, WAVE_CONTRACT_VAR: 'from-env' },
      },
    );
    await checkContract(suite('echo {{ greeting }} "$WAVE_CONTRACT_VAR"'), ctx);
    expect(ctx.lines).toEqual([['stdout', 'hello there from-env']]);
  });

  it('reports the exit code and the last 20 lines of output', async () => {
    const ctx = makeCtx();
    const command = 'for i in $(seq 1 30); do echo "line $i"; done; echo oops >&2; exit 3';
    const result = await checkContract(suite(command), ctx);
    expect(result.ok).toBe(false);
    expect(result.errors[0]).toBe(`\`${command}\` exited with code 3`);
    const expectedTail = [...Array.from({ length: 19 }, (_, i) => `line ${i + 12}`), 'oops'];
    expect(result.errors.slice(1)).toEqual(expectedTail);
  });

  it('runs in the workspace, the project root, an absolute or a relative dir', async () => {
    const ctx = makeCtx({ 'sub/keep': '' });
    const other = tempDir();
    const pwd = async (dir?: string) => {
      ctx.lines.length = 0;
      await checkContract(suite('pwd', dir === undefined ? {} : { dir }), ctx);
      return ctx.lines[0]?.[1];
    };
    expect(await pwd()).toBe(ctx.workspace);
    expect(await pwd('project_root')).toBe(ctx.projectRoot);
    expect(await pwd(other)).toBe(other);
    expect(await pwd('sub')).toBe(join(ctx.workspace, 'sub'));
  });

  it('fails without running when the dir does not exist', async () => {
    const ctx = makeCtx();
    const result = await checkContract(suite('echo ran', { dir: 'nope' }), ctx);
    expect(result.errors).toEqual([expect.stringContaining(`${join(ctx.workspace, 'nope')} does not exist`)]);
    expect(ctx.lines).toEqual([]);
  });

  it('reports a timeout, a kill by signal and a command that cannot start', async () => {
    const timedOut = await checkContract(suite('echo started; sleep 30'), makeCtx({}, { timeoutMs: 1000 }));
    expect(timedOut.errors).toEqual(['`echo started; sleep 30` timed out after 1s', 'started']);

    const killed = await checkContract(suite('kill -KILL $$'), makeCtx());
    expect(killed.errors).toEqual(['`kill -KILL $$` was killed by SIGKILL']);

    const noBash = await checkContract(suite('true'), makeCtx({}, { env: { PATH: '/nonexistent' } }));
    expect(noBash.errors).toEqual([expect.stringMatching(/^`true` could not start: .*ENOENT/)]);
  });

  it('reports a cancelled run', async () => {
    const controller = new AbortController();
    const ctx = makeCtx({}, { signal: controller.signal });
    const promise = checkContract(suite('echo ready; sleep 30'), {
      ...ctx,
      onLine: (_stream, line) => {
        if (line === 'ready') controller.abort();
      },
    });
    expect((await promise).errors).toEqual(['`echo ready; sleep 30` was cancelled', 'ready']);
  });

  it('fails a contract without a command', async () => {
    expect((await checkContract(contract('test_suite'), makeCtx())).errors).toEqual([
      expect.stringContaining('has no `command`'),
    ]);
  });
});
