import { createInterface } from 'node:readline/promises';
import type { AnswerGate } from '../../engine/context.js';
import type { GateRecord } from '../../store/store.js';

/** What a prompt needs of a gate (a stored gate, or a gate_waiting event from a server). */
export type AskableGate = Pick<GateRecord, 'step' | 'prompt' | 'choices' | 'default' | 'freeform'>;

import type { CliIO } from '../io.js';
import type { RunRenderer } from './renderer.js';

/**
 * Asks a gate on the terminal: `key` or `key some text` (when freeform). Withdrawn when
 * another client answers first; that answer is then shown, not treated as an error.
 */
export function terminalGateAsker(io: CliIO, renderer: RunRenderer, actor: string | null) {
  let queue = Promise.resolve();
  return (gate: AskableGate, answer: AnswerGate, signal: AbortSignal): Promise<void> => {
    // One question at a time, in the order gates started waiting.
    queue = queue.then(() => ask(io, renderer, actor, gate, answer, signal)).catch(() => undefined);
    return queue;
  };
}

async function ask(
  io: CliIO,
  renderer: RunRenderer,
  actor: string | null,
  gate: AskableGate,
  answer: AnswerGate,
  signal: AbortSignal,
): Promise<void> {
  if (signal.aborted) return;
  renderer.pause();
  const keys = gate.choices
    .map((c) => `[${c.key}] ${c.label}${c.key === gate.default ? ' (default)' : ''}`)
    .join('   ');
  io.stderr.write(`\n? ${gate.step}: ${gate.prompt}\n  ${keys}\n`);
  const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: Boolean(io.stdin.isTTY) });
  try {
    for (;;) {
      const line = (
        await rl.question(`  answer${gate.freeform ? ' (key, then optional text)' : ''}: `, { signal })
      ).trim();
      const [key = '', ...rest] = line === '' && gate.default ? [gate.default] : line.split(/\s+/);
      const text = rest.join(' ') || null;
      if (!gate.choices.some((c) => c.key === key)) {
        io.stderr.write(`  "${key}" is not one of: ${gate.choices.map((c) => c.key).join(', ')}\n`);
        continue;
      }
      if (text && !gate.freeform) {
        io.stderr.write('  this gate takes no text: answer with a key only\n');
        continue;
      }
      if (!(await answer(key, text, actor))) io.stderr.write('  someone else answered first\n');
      return;
    }
  } catch {
    // Aborted: answered elsewhere (the live view shows by whom) or the run ended.
    if (!signal.aborted) throw new Error('gate prompt failed');
    io.stderr.write('  (answered elsewhere)\n');
  } finally {
    rl.close();
    renderer.resume();
  }
}
