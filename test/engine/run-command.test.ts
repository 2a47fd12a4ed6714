import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectWellFormed, harness, isAlive, ofType, stepOf } from '../helpers/engine-harness.js';
import { eventually } from '../helpers/eventually.js';
import { yaml } from '../helpers/tmp.js';

describe('command steps', () => {
  it('see WAVE_INPUT, WAVE_RUN_ID, WAVE_STEP_ID and WAVE_PIPELINE in their environment', async () => {
    const h = await harness({
      '.wave/pipelines/envy.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: show
            type: command
            script: |
              printf '%s\\n' "$WAVE_INPUT" "$WAVE_RUN_ID" "$WAVE_STEP_ID" "$WAVE_PIPELINE" "$WAVE_ATTEMPT" > "$WAVE_PROJECT_ROOT/env.txt"
              echo "run={{ run.id }} step={{ step_id }} pipeline={{ pipeline_name }}"
      `,
    });
    const f = await h.run('envy', { input: 'hello world' });
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    expect(h.read('env.txt')).toBe(`hello world\n${f.run.id}\nshow\nenvy\n1\n`);
    const lines = ofType(f.events, 'stream_activity').map((e) => [e.step, e.stream, e.content]);
    expect(lines).toContainEqual(['show', 'stdout', `run=${f.run.id} step=show pipeline=envy`]);
  });

  it('never runs shell code that comes in through the input, and passes the input literally', async () => {
    // The same input in every quoting context a script may put a template in.
    const out = (name: string) => `"$WAVE_PROJECT_ROOT/out/${name}"`;
    const h = await harness({
      'out/.keep': '',
      '.wave/pipelines/inject.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: bare
            type: command
            script: printf '%s' {{ input }} > ${out('bare')}
          - id: dquoted
            type: command
            script: echo "got {{ input }}" > ${out('dquoted')}
          - id: squoted
            type: command
            script: echo 'got {{ input }}' > ${out('squoted')}
          - id: ansi
            type: command
            script: echo $'got {{ input }}' > ${out('ansi')}
          - id: subst
            type: command
            script: echo "$(printf '%s' {{ input }})" > ${out('subst')}
          - id: backticks
            type: command
            script: echo "\`printf '%s' "{{ input }}"\`" > ${out('backticks')}
          - id: default
            type: command
            script: echo "\${UNSET_VAR:-{{ input }}}" > ${out('default')}
          - id: heredoc
            type: command
            script: |
              cat > ${out('heredoc')} <<EOF
              got {{ input }}
              EOF
          - id: qheredoc
            type: command
            script: |
              cat > ${out('qheredoc')} <<'EOF'
              got {{ input }}
              EOF
          - id: arith
            type: command
            script: printf '%s %s' $((1<<2)) {{ input }} > ${out('arith')}
          - id: herestring
            type: command
            script: cat <<< {{ input }} > ${out('herestring')}
          - id: comment
            type: command
            script: |
              # a note about {{ input }}
              printf '%s' ok > ${out('comment')}
          - id: env
            type: command
            script: printf '%s' "$WAVE_INPUT" > ${out('env')}
          - id: contract
            type: command
            script: 'true'
            handover:
              contract:
                type: test_suite
                command: printf '%s' {{ input }} > ${out('contract')} && echo "{{ input }}" > ${out('contract-dq')}
      `,
    });
    const pwn = (n: number) => h.path(`pwned-${n}`);
    const input = [
      `$(touch ${pwn(1)})`,
      `; touch ${pwn(2)};`,
      `\`touch ${pwn(3)}\``,
      `' ; touch ${pwn(4)} ; '`,
      `" ; touch ${pwn(5)} ; "`,
      `\n touch ${pwn(6)} #\n`,
      `&& touch ${pwn(7)} || touch ${pwn(7)} | touch ${pwn(7)}`,
      `\\"$(touch ${pwn(8)})\\'`,
      '$HOME ${PATH} * ? ~ } EOF',
    ].join(' ');
    const f = await h.run('inject', { input });
    expectWellFormed(f);
    expect(f.result.error).toBeNull();
    for (let n = 1; n <= 8; n++) expect(existsSync(pwn(n)), `pwned-${n}`).toBe(false);
    const read = (name: string) => h.read('out', name);
    expect(read('bare')).toBe(input);
    expect(read('env')).toBe(input);
    expect(read('contract')).toBe(input);
    expect(read('comment')).toBe('ok');
    expect(read('arith')).toBe(`4 ${input}`);
    expect(read('herestring')).toBe(`${input}\n`);
    for (const name of ['dquoted', 'squoted', 'ansi', 'heredoc', 'qheredoc']) {
      expect(read(name), name).toBe(`got ${input}\n`);
    }
    for (const name of ['subst', 'backticks', 'default', 'contract-dq'])
      expect(read(name), name).toBe(`${input}\n`);
    expect(f.detail.input).toBe(input);
  });

  it('refuses a value that would end the quoted heredoc it is in', async () => {
    const h = await harness({
      '.wave/pipelines/hd.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: hd
            type: command
            script: |
              cat <<'EOF'
              {{ input }}
              EOF
      `,
    });
    const f = await h.run('hd', { input: `x\nEOF\ntouch ${h.path('pwned')}` });
    expect(f.result.error).toMatchObject({ code: 'template_error', step: 'hd' });
    expect(f.result.error?.message).toContain('would end the heredoc');
    expect(existsSync(h.path('pwned'))).toBe(false);
  });

  it('fails on a non-zero exit with the code in the message, and the run names the step', async () => {
    const h = await harness({
      '.wave/pipelines/boom.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: ok
            type: command
            script: echo fine
          - id: boom
            dependencies: [ok]
            type: command
            script: |
              echo "about to fail" >&2
              exit 7
          - id: after
            dependencies: [boom]
            type: command
            script: touch "$WAVE_PROJECT_ROOT/after-ran"
      `,
    });
    const f = await h.run('boom');
    expectWellFormed(f);
    expect(f.result.status).toBe('failed');
    expect(f.result.error).toMatchObject({ code: 'exit_code', step: 'boom' });
    expect(f.result.error?.message).toContain('exited with code 7');
    expect(f.result.error?.message).toContain('about to fail');
    const failed = ofType(f.events, 'step_failed');
    expect(failed).toEqual([
      expect.objectContaining({
        step: 'boom',
        attempt: 1,
        will_retry: false,
        error: expect.objectContaining({ code: 'exit_code' }),
      }),
    ]);
    expect(ofType(f.events, 'run_failed')[0]?.error).toEqual(f.result.error);
    expect(f.detail.error).toEqual(f.result.error);
    expect(stepOf(f.detail, 'boom')).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'exit_code' },
    });
    expect(stepOf(f.detail, 'after').status).toBe('skipped');
    expect(existsSync(h.path('after-ran'))).toBe(false);
  });

  it('kills the whole process group on timeout_minutes and fails the step with code timeout', async () => {
    const h = await harness({
      'wave.yaml': 'kind: WaveManifest\nruntime: { timeouts: { process_grace_seconds: 1 } }\n',
      '.wave/pipelines/slow.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: slow
            type: command
            # 1.2 s: long enough for a loaded machine to start the grandchild before the kill.
            timeout_minutes: 0.02
            script: |
              sleep 300 &
              echo $! > "$WAVE_PROJECT_ROOT/grandchild.pid"
              wait
      `,
    });
    const started = Date.now();
    const f = await h.run('slow');
    expectWellFormed(f);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(f.result.status).toBe('failed');
    expect(f.result.error).toMatchObject({ code: 'timeout', step: 'slow' });
    expect(f.result.error?.message).toContain('timed out after 1.2s');
    expect(stepOf(f.detail, 'slow')).toMatchObject({ status: 'failed', error: { code: 'timeout' } });
    const pid = Number(readFileSync(h.path('grandchild.pid'), 'utf8').trim());
    expect(pid).toBeGreaterThan(0);
    await eventually(() => !isAlive(pid), 5000, `process ${pid} to exit`);
  });
});
