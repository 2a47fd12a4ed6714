import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../src/config/load-project.js';
import { renderShellTemplate, ShellTemplateError } from '../../src/engine/shell-template.js';
import { expectWellFormed, harness } from '../helpers/engine-harness.js';
import { tempProject, yaml } from '../helpers/tmp.js';

/** PIPELINES.md "Templates": say to read the value from its WAVE_* variable and check it first. */
const message = (context: string, name = 'input', variable = 'WAVE_INPUT') =>
  `{{ ${name} }} is in an arithmetic context (${context}), where bash runs code hidden in a value ` +
  `even when it is quoted: read the value from $${variable} instead and check it first ` +
  `(for example: [[ $${variable} =~ ^[0-9]+$ ]] || exit 1)`;

function errorsOf(script: string, extra = '') {
  const root = tempProject({
    '.wave/pipelines/p.yaml': `kind: WavePipeline\nsteps:\n  - id: calc\n    type: command\n    script: ${JSON.stringify(script)}\n${extra}`,
  });
  const entry = loadProject({ cwd: root, env: {} }).pipeline('p')!;
  return entry.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.path, d.message]);
}

describe('templates where bash evaluates text as arithmetic', () => {
  it.each([
    ['echo $(( {{ input }} + 1 ))', '$(( ))'],
    ['echo "$(( "{{ input }}" ))"', '$(( ))'],
    ['(( {{ input }} > 1 )) && echo big', '(( ))'],
    ['for (( i = 0; i < {{ input }}; i++ )); do :; done', '(( ))'],
    ['let x={{ input }}', 'let'],
    ['let "x = {{ input }}"', 'let'],
    ['[[ {{ input }} -gt 1 ]] && echo big', '[[ … -gt … ]]'],
    ['[[ 1 -eq "{{ input }}" ]]', '[[ … -gt … ]]'],
    ['arr[{{ input }}]=1', 'array subscript'],
    ['echo ${arr[{{ input }}]}', 'array subscript'],
    ['echo "${arr[{{ input }}]}"', 'array subscript'],
    ['echo $[ {{ input }} ]', '$[ ]'],
    ['x=abcdef; echo "${x:{{ input }}}"', '${name:offset:length}'],
    ['cat <<EOF\n$(( {{ input }} ))\nEOF', '$(( ))'],
  ])('%j is a validation error naming the context and WAVE_INPUT', (script, context) => {
    expect(errorsOf(script)).toEqual([['steps[0].script', message(context)]]);
  });

  it('names the variable of other values, and checks test_suite commands too', () => {
    expect(
      errorsOf(
        'true',
        '    handover:\n      contract: { type: test_suite, command: "exit $(( {{ run.id }} ))" }\n',
      ),
    ).toEqual([['steps[0].handover.contract.command', message('$(( ))', 'run.id', 'WAVE_RUN_ID')]]);
  });

  it('refuses at render too, for a run stored before validation refused it', () => {
    expect(() => renderShellTemplate('echo $(( {{ input }} ))', { input: '1' })).toThrow(ShellTemplateError);
    expect(() => renderShellTemplate('echo $(( {{ input }} ))', { input: '1' })).toThrow(message('$(( ))'));
    // wave.yaml's project values are the project's own, as trusted as the script.
    expect(renderShellTemplate('echo $(( {{ project.n }} + 1 ))', { 'project.n': '2' })).toContain('$((');
  });

  it('keeps the contexts that were safe working, and runs no code from the input', async () => {
    const h = await harness({
      'out/.keep': '',
      '.wave/pipelines/safe.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: safe
            type: command
            script: |
              cd "$WAVE_PROJECT_ROOT/out"
              [[ {{ input }} == "x["* ]] && printf match > cond
              [[ -n "{{ input }}" ]] && printf nonempty > nonempty
              [ {{ input }} -gt 1 ] 2>/dev/null || printf 'not a number' > test
              x={{ input }}; printf '%s' "$x" > assign
              printf '%s' "\${UNSET:-{{ input }}}" > default
              printf '%s %s' $((1<<2)) {{ input }} > arith-beside
              (( 1 + 1 )) && printf '%s' {{ input }} > after-arith
              let n=2; printf '%s' {{ input }} > after-let
              case {{ input }} in x*) printf case > case ;; esac
              printf '%s' "[{{ input }}]" > brackets
              n="$WAVE_INPUT"; [[ $n =~ ^[0-9]+$ ]] && echo $(( n + 1 )) > checked || printf refused > checked
      `,
    });
    const input = `x[$(touch ${h.path('pwned')})]`;
    const f = await h.run('safe', { input });
    expectWellFormed(f);
    expect(f.result.error).toBeNull();
    expect(existsSync(h.path('pwned'))).toBe(false);
    const read = (name: string) => h.read('out', name);
    expect(read('cond')).toBe('match');
    expect(read('nonempty')).toBe('nonempty');
    expect(read('test')).toBe('not a number');
    for (const name of ['assign', 'default', 'after-arith', 'after-let'])
      expect(read(name), name).toBe(input);
    expect(read('arith-beside')).toBe(`4 ${input}`);
    expect(read('case')).toBe('case');
    expect(read('brackets')).toBe(`[${input}]`);
    expect(read('checked')).toBe('refused');
  });
});
