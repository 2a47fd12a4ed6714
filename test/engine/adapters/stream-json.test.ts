import { describe, expect, it } from 'vitest';
import { describeToolUse, parseStreamJsonLine } from '../../../src/engine/adapters/stream-json.js';

const line = (value: unknown) => JSON.stringify(value);

describe('parseStreamJsonLine', () => {
  it('reads the init line as one short activity', () => {
    expect(
      parseStreamJsonLine(line({ type: 'system', subtype: 'init', model: 'claude-x', tools: [] })),
    ).toEqual({
      kind: 'init',
      activity: { stream: 'agent', content: 'session started (model claude-x)' },
    });
    expect(parseStreamJsonLine(line({ type: 'system', subtype: 'compact_boundary' }))).toEqual({
      kind: 'ignored',
    });
  });

  it('splits assistant text into non-empty lines and summarises tool uses', () => {
    const parsed = parseStreamJsonLine(
      line({
        type: 'assistant',
        message: {
          id: 'msg_1',
          content: [
            { type: 'text', text: 'First line.\n\n  \nSecond line.' },
            { type: 'thinking', thinking: 'hidden' },
            { type: 'tool_use', id: 't1', name: 'Edit', input: { file_path: 'src/a.ts', old_string: 'x' } },
          ],
          usage: {
            input_tokens: 1,
            cache_creation_input_tokens: 2,
            cache_read_input_tokens: 3,
            output_tokens: 4,
          },
        },
      }),
    );
    expect(parsed).toEqual({
      kind: 'assistant',
      activities: [
        { stream: 'agent', content: 'First line.' },
        { stream: 'agent', content: 'Second line.' },
        { stream: 'tool', content: 'Edit src/a.ts' },
      ],
      messageId: 'msg_1',
      usage: { tokens_in: 6, tokens_out: 4, cost_usd: 0 },
    });
  });

  it('ignores tool results', () => {
    const user = { type: 'user', message: { content: [{ type: 'tool_result', content: 'ok' }] } };
    expect(parseStreamJsonLine(line(user))).toEqual({ kind: 'ignored' });
  });

  it('reads the result: usage, cost and success', () => {
    const usage = {
      input_tokens: 10,
      cache_creation_input_tokens: 20,
      cache_read_input_tokens: 30,
      output_tokens: 5,
    };
    expect(
      parseStreamJsonLine(
        line({
          type: 'result',
          subtype: 'success',
          is_error: false,
          result: 'done',
          total_cost_usd: 0.5,
          usage,
        }),
      ),
    ).toEqual({
      kind: 'result',
      result: {
        ok: true,
        subtype: 'success',
        text: 'done',
        usage: { tokens_in: 60, tokens_out: 5, cost_usd: 0.5 },
      },
    });
  });

  it.each([
    [{ is_error: true, subtype: 'success', result: 'API Error: 500' }, false],
    [{ is_error: false, subtype: 'error_max_turns' }, false],
    [{ subtype: 'error_during_execution' }, false],
    [{ is_error: false }, true],
  ])('result %j → ok %s', (fields, ok) => {
    const parsed = parseStreamJsonLine(line({ type: 'result', ...fields }));
    expect(parsed.kind === 'result' && parsed.result.ok).toBe(ok);
  });

  it('defaults missing usage to zero', () => {
    const parsed = parseStreamJsonLine(line({ type: 'result', subtype: 'success' }));
    expect(parsed).toMatchObject({
      result: { usage: { tokens_in: 0, tokens_out: 0, cost_usd: 0 }, text: '' },
    });
  });

  it.each(['not json', '[1,2]', '42', '{"type":'])('passes %j through as stdout', (raw) => {
    expect(parseStreamJsonLine(raw)).toEqual({
      kind: 'invalid',
      activity: { stream: 'stdout', content: raw },
    });
  });
});

describe('describeToolUse', () => {
  it('takes the first known target field', () => {
    expect(describeToolUse('Read', { file_path: 'a.ts', pattern: 'x' })).toBe('Read a.ts');
    expect(describeToolUse('Grep', { pattern: 'TODO', path: 'src' })).toBe('Grep TODO');
    expect(describeToolUse('WebFetch', { url: 'https://example.com', prompt: 'x' })).toBe(
      'WebFetch https://example.com',
    );
    expect(describeToolUse('WebSearch', { query: 'vitest' })).toBe('WebSearch vitest');
    expect(describeToolUse('Task', { description: 'Explore', prompt: 'long' })).toBe('Task Explore');
    expect(describeToolUse('LS', { path: '/w' })).toBe('LS /w');
    expect(describeToolUse('TodoWrite', { todos: [] })).toBe('TodoWrite');
    expect(describeToolUse('Odd', 'not an object')).toBe('Odd');
  });

  it('keeps a command to one line of at most 200 characters', () => {
    const command = `cat <<'EOF'\n${'x'.repeat(300)}\nEOF`;
    const described = describeToolUse('Bash', { command, description: 'Print' });
    expect(described.startsWith("Bash cat <<'EOF' xxx")).toBe(true);
    expect(described).not.toContain('\n');
    expect(described.length).toBeLessThanOrEqual('Bash '.length + 200);
  });
});
