import { describe, expect, it } from 'vitest';
import { runWave } from '../helpers/cli.js';
import { tempProject, yaml } from '../helpers/tmp.js';

/** A Go Wave project: `.agents/`, Go Wave keys in wave.yaml and in the pipeline. */
const project = () =>
  tempProject({
    'wave.yaml': yaml`
      kind: WaveManifest
      metadata: { name: svc, forge: github }
      adapters: { claude: { binary: claude, mode: headless, project_files: [CLAUDE.md] } }
    `,
    '.agents/personas/navigator.md': '# N\n',
    '.agents/personas/github-commenter.md': '# C\n',
    '.agents/pipelines/audit.yaml': yaml`
      kind: WavePipeline
      chat_context: { suggested_questions: ["?"] }
      skills: [x]
      steps:
        - id: scan
          persona: navigator
          thread: audit
          fidelity: full
          max_concurrent_agents: 2
          exec: { type: prompt, source: "scan {{ input }}" }
        - id: post
          persona: "{{ forge.type }}-commenter"
          dependencies: [scan]
          thread: audit
          exec: { type: prompt, source: "post with {{ forge.cli_tool }}" }
    `,
  });

describe('wave validate (the real binary) on a Go Wave project', () => {
  it('sums up the accepted-and-ignored fields in one line per file', async () => {
    const r = await runWave(['validate'], { cwd: project() });
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n')).toEqual([
      'wave.yaml: 2 Go Wave fields accepted and not acted on; --verbose lists them',
      '.agents/pipelines/audit.yaml: 4 Go Wave fields accepted and not acted on; --verbose lists them',
      '',
    ]);
    expect(r.stdout).toBe('1 pipeline checked: 0 errors, 0 warnings\n');
  });

  it('--verbose lists each one with file:line and path; --json has them under "ignored"', async () => {
    const cwd = project();
    const r = await runWave(['validate', '--verbose'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n')).toEqual([
      'ignored: wave.yaml:3 adapters.claude.mode: "mode" is a Go Wave field that Wave accepts and does not act on',
      'ignored: wave.yaml:3 adapters.claude.project_files: "project_files" is a Go Wave field that Wave accepts and does not act on',
      'ignored: .agents/pipelines/audit.yaml:2 chat_context: "chat_context" is a Go Wave field that Wave accepts and does not act on',
      'ignored: .agents/pipelines/audit.yaml:3 skills: "skills" is a Go Wave field that Wave accepts and does not act on',
      'ignored: .agents/pipelines/audit.yaml:8 steps[0].fidelity: "fidelity" is a Go Wave field that Wave accepts and does not act on',
      'ignored: .agents/pipelines/audit.yaml:9 steps[0].max_concurrent_agents: "max_concurrent_agents" is a Go Wave field that Wave accepts and does not act on',
      '',
    ]);
    const json = await runWave(['validate', '--json'], { cwd });
    const parsed = JSON.parse(json.stdout) as {
      valid: boolean;
      ignored: { path: string }[];
      warnings: unknown[];
    };
    expect(parsed.valid).toBe(true);
    expect(parsed.warnings).toEqual([]);
    expect(parsed.ignored.map((d) => d.path)).toEqual([
      'adapters.claude.mode',
      'adapters.claude.project_files',
      'chat_context',
      'skills',
      'steps[0].fidelity',
      'steps[0].max_concurrent_agents',
    ]);
  });
});
