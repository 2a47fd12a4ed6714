import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interpolateString } from '../../src/config/interpolate.js';
import { parseManifest } from '../../src/config/load-manifest.js';
import { loadProject } from '../../src/config/load-project.js';
import { ManifestSchema } from '../../src/config/manifest-schema.js';
import { parseConfig } from '../../src/config/parse-config.js';
import { BUILTIN_DIR, discoverProject, resolveDefinitionPath } from '../../src/config/project-paths.js';
import { ValidationError } from '../../src/pipeline/diagnostics.js';
import { tempProject, yaml } from '../helpers/tmp.js';

describe('${VAR} interpolation', () => {
  it('replaces variables and applies defaults', () => {
    expect(interpolateString('a ${X} b ${Y:-fallback} ${Z:-}', { X: '1' })).toEqual({
      value: 'a 1 b fallback ',
      missing: [],
    });
    expect(interpolateString('${X:-d}', { X: '' }).value).toBe('d');
    expect(interpolateString('${X}', { X: '' })).toEqual({ value: '', missing: [] });
    expect(interpolateString('$X and ${ not a var }', {}).value).toBe('$X and ${ not a var }');
  });

  it('names a missing variable with file, line and field', () => {
    const text = yaml`
      apiVersion: v1
      server:
        auth:
          mode: jwt
          jwt_secret: \${WAVE_TEST_SECRET}
        bind: \${HOST:-127.0.0.1}:\${PORT:-9000}
    `;
    const { diagnostics, manifest } = parseManifest('/p/wave.yaml', text, {});
    expect(diagnostics).toEqual([
      {
        severity: 'error',
        file: '/p/wave.yaml',
        line: 5,
        path: 'server.auth.jwt_secret',
        message: 'environment variable WAVE_TEST_SECRET is not set',
        hint: 'set WAVE_TEST_SECRET, or write ${WAVE_TEST_SECRET:-default} to give a default',
      },
    ]);
    expect(manifest.server?.bind).toBe('127.0.0.1:9000');
  });

  it('interpolates inside lists and leaves keys alone', () => {
    const { manifest, diagnostics } = parseManifest(
      '/w.yaml',
      'server:\n  cors:\n    origins: ["${ORIGIN}", b]\n',
      { ORIGIN: 'https://x' },
    );
    expect(diagnostics).toEqual([]);
    expect(manifest.server?.cors?.origins).toEqual(['https://x', 'b']);
  });
});

describe('manifest validation', () => {
  it('reports unknown keys with "did you mean", every one of them', () => {
    const { diagnostics } = parseManifest(
      '/w.yaml',
      yaml`
        runtime:
          max_concurent_workers: 3
        server:
          max_concurrent: 2
          recovry: resume
        storrage: {}
      `,
      {},
    );
    expect(diagnostics.map((d) => [d.line, d.path, d.message, d.hint])).toEqual([
      [
        2,
        'runtime.max_concurent_workers',
        'unknown field "max_concurent_workers"',
        'did you mean "max_concurrent_workers"?',
      ],
      [5, 'server.recovry', 'unknown field "recovry"', 'did you mean "recovery"?'],
      [6, 'storrage', 'unknown field "storrage"', 'did you mean "storage"?'],
    ]);
  });

  it('accepts the Go Wave keys it does not use, reporting each as ignored', () => {
    const { diagnostics, manifest } = parseManifest(
      '/w.yaml',
      yaml`
        apiVersion: v1
        kind: WaveManifest
        metadata: { name: svc, repo: x/y }
        adapters:
          claude: { binary: claude, mode: headless, output_format: json, project_files: [CLAUDE.md] }
        runtime:
          workspace_root: .agents/workspaces
          audit: { log_dir: x }
          relay: { strategy: s }
          cost: { enabled: true }
          routing: { auto_route: true }
          timeouts: { step_default_minutes: 12, relay_compaction_minutes: 3 }
        hooks: []
        skills: [a]
        evolution: { enabled: false }
      `,
      {},
    );
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(diagnostics.map((d) => d.path)).toEqual([
      'hooks',
      'skills',
      'evolution',
      'metadata.repo',
      'runtime.audit',
      'runtime.relay',
      'runtime.cost',
      'runtime.routing',
      'runtime.timeouts.relay_compaction_minutes',
      'adapters.claude.mode',
      'adapters.claude.project_files',
    ]);
    expect(diagnostics.every((d) => d.severity === 'ignored' && d.line !== null)).toBe(true);
    const { config } = parseConfig({ file: manifest, env: {}, flags: {} });
    expect(config.runtime.default_timeout_ms).toBe(12 * 60_000);
    expect(config.adapters.claude!.output_format).toBe('json');
  });
});

describe('precedence: flag > WAVE_* > wave.yaml > default', () => {
  const file = { server: { bind: '0.0.0.0:9000', max_concurrent: 3 }, storage: { path: 'db/x.db' } };

  it('uses built-in defaults with nothing set', () => {
    const { config, diagnostics } = parseConfig({ file: {}, env: {}, flags: {} });
    expect(diagnostics).toEqual([]);
    expect(config.server).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      max_concurrent: 5,
      recovery: 'resume',
    });
    expect(config.server.auth.modes).toEqual(['none']);
    expect(config.storage.path).toBe('.wave/state.db');
    expect(config.runtime).toMatchObject({ max_concurrent_workers: 4, default_timeout_ms: 30 * 60_000 });
  });

  it('lets the file override defaults', () => {
    const { config } = parseConfig({ file, env: {}, flags: {} });
    expect(config.server).toMatchObject({ host: '0.0.0.0', port: 9000, max_concurrent: 3 });
    expect(config.storage.path).toBe('db/x.db');
  });

  it('lets WAVE_* override the file', () => {
    const env = {
      WAVE_PORT: '9100',
      WAVE_MAX_CONCURRENT: '7',
      WAVE_STORAGE_PATH: 'other.db',
      WAVE_AUTH_MODE: 'jwt,mtls',
    };
    const { config } = parseConfig({ file, env, flags: {} });
    expect(config.server).toMatchObject({ host: '0.0.0.0', port: 9100, max_concurrent: 7 });
    expect(config.server.auth.modes).toEqual(['jwt', 'mtls']);
    expect(config.storage.path).toBe('other.db');
  });

  it('lets flags override WAVE_*', () => {
    const env = { WAVE_BIND: '10.0.0.1:1', WAVE_MAX_CONCURRENT: '7' };
    const { config } = parseConfig({ file, env, flags: { port: 9200, maxConcurrent: 9 } });
    expect(config.server).toMatchObject({ host: '10.0.0.1', port: 9200, max_concurrent: 9 });
    const bound = parseConfig({ file, env, flags: { bind: '[::1]:7000', host: 'localhost' } }).config.server;
    expect(bound).toMatchObject({ host: 'localhost', port: 7000 });
  });

  it('resolves server.role, global_max_concurrent and lease_timeout by the same precedence', () => {
    const defaults = parseConfig({ file: {}, env: {}, flags: {} }).config.server;
    expect(defaults).toMatchObject({ role: 'all', global_max_concurrent: null, lease_timeout_ms: 30_000 });
    const file = { server: { role: 'api' as const, global_max_concurrent: 8, lease_timeout: '1m' } };
    expect(parseConfig({ file, env: {}, flags: {} }).config.server).toMatchObject({
      role: 'api',
      global_max_concurrent: 8,
      lease_timeout_ms: 60_000,
    });
    const env = { WAVE_ROLE: 'worker', WAVE_GLOBAL_MAX_CONCURRENT: '12', WAVE_LEASE_TIMEOUT: '45s' };
    expect(parseConfig({ file, env, flags: {} }).config.server).toMatchObject({
      role: 'worker',
      global_max_concurrent: 12,
      lease_timeout_ms: 45_000,
    });
    expect(parseConfig({ file, env, flags: { role: 'all' } }).config.server.role).toBe('all');
  });

  it('refuses a bad role or lease_timeout in the environment and in wave.yaml', () => {
    const { diagnostics } = parseConfig({
      file: {},
      env: { WAVE_ROLE: 'both', WAVE_LEASE_TIMEOUT: '10ms', WAVE_GLOBAL_MAX_CONCURRENT: '0' },
      flags: {},
    });
    expect(diagnostics.map((d) => d.path).sort()).toEqual([
      'WAVE_GLOBAL_MAX_CONCURRENT',
      'WAVE_LEASE_TIMEOUT',
      'WAVE_ROLE',
    ]);
    const parsed = ManifestSchema.safeParse({
      server: { role: 'both', lease_timeout: '10ms', global_max_concurrent: 0 },
    });
    expect(parsed.success).toBe(false);
    const paths = parsed.error?.issues.map((i) => i.path.join('.')).sort();
    expect(paths).toEqual(['server.global_max_concurrent', 'server.lease_timeout', 'server.role']);
  });

  it('reports a bad WAVE_* value naming the variable', () => {
    const { diagnostics } = parseConfig({
      file: {},
      env: { WAVE_MAX_CONCURRENT: 'lots', WAVE_RECOVERY: 'maybe' },
      flags: {},
    });
    expect(diagnostics.map((d) => [d.path, d.message]).sort()).toEqual([
      ['WAVE_MAX_CONCURRENT', 'expected a whole number from 1 to 1000, got "lots"'],
      ['WAVE_RECOVERY', 'expected "resume" or "fail", got "maybe"'],
    ]);
  });
});

describe('project discovery', () => {
  it('prefers .wave/, then .agents/, then the built-in config/', () => {
    const both = tempProject({ '.wave/pipelines/a.yaml': '', '.agents/pipelines/b.yaml': '' });
    expect(discoverProject({ cwd: both }).defsKind).toBe('wave');
    const agents = tempProject({ '.agents/pipelines/b.yaml': '', '.wave/state.db': '' });
    expect(discoverProject({ cwd: agents })).toMatchObject({
      defsKind: 'agents',
      defsDir: join(agents, '.agents'),
    });
    const none = tempProject({ 'README.md': '' });
    const paths = discoverProject({ cwd: none });
    expect(paths).toMatchObject({ defsKind: 'builtin', defsDir: BUILTIN_DIR, manifestIsBuiltin: true });
  });

  it('honours -C and --config', () => {
    const root = tempProject({ 'sub/wave.yaml': 'apiVersion: v1\n', 'other.yaml': 'apiVersion: v1\n' });
    expect(discoverProject({ cwd: root, project: 'sub' })).toMatchObject({
      root: join(root, 'sub'),
      manifestFile: join(root, 'sub/wave.yaml'),
    });
    expect(discoverProject({ cwd: root, project: 'sub', configFile: 'other.yaml' }).manifestFile).toBe(
      join(root, 'other.yaml'),
    );
  });

  it('resolves .wave/ and .agents/ paths against the definitions folder in use', () => {
    const root = tempProject({ '.agents/pipelines/x.yaml': '' });
    const paths = discoverProject({ cwd: root });
    expect(resolveDefinitionPath(paths, '.wave/contracts/a.json')).toBe(
      join(root, '.agents/contracts/a.json'),
    );
    expect(resolveDefinitionPath(paths, '.agents/contracts/a.json')).toBe(
      join(root, '.agents/contracts/a.json'),
    );
    expect(resolveDefinitionPath(paths, 'prompts/p.md')).toBe(join(root, 'prompts/p.md'));
  });

  it('uses the built-in examples in a project without definitions', () => {
    const project = loadProject({ cwd: tempProject({}), env: {} });
    expect(project.pipelineNames()).toEqual(['ci', 'hello', 'plan-implement-review']);
    expect([...project.personas.personas.keys()].sort()).toEqual(['craftsman', 'navigator', 'reviewer']);
  });

  it('throws a ValidationError with every manifest problem', () => {
    const root = tempProject({
      'wave.yaml': 'server:\n  bnid: x\nruntime:\n  max_concurrent_workers: many\n',
    });
    let error: unknown;
    try {
      loadProject({ cwd: root, env: {} });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).diagnostics.map((d) => d.path)).toEqual([
      'server.bnid',
      'runtime.max_concurrent_workers',
    ]);
    expect((error as ValidationError).code).toBe('invalid_config');
  });
});
