import { useState } from 'preact/hooks';
import { answerGate, getRun } from '../api/endpoints.js';
import { ApiError, errorMessage } from '../api/http.js';
import type { DiffStat, Gate } from '../api/types.js';
import { formatDateTime } from '../state/format.js';
import { StatusBadge } from './status-badge.js';

/** Who answered a gate and how, in words. */
function AnswerSummary({ gate }: { gate: Gate }) {
  const answer = gate.answer;
  if (!answer) return null;
  const label = gate.choices.find((c) => c.key === answer.choice)?.label ?? answer.choice;
  return (
    <p class="gate-answer" data-testid="gate-answer">
      {gate.status === 'timed_out' ? 'Timed out; took ' : 'Answered '}
      <strong>{label}</strong>
      {answer.by ? ` by ${answer.by}` : ''} at {formatDateTime(answer.at)}
      {answer.text ? (
        <>
          : <q>{answer.text}</q>
        </>
      ) : null}
    </p>
  );
}

/**
 * A gate of the run: its prompt, the choices and (if the gate allows) a note. The first
 * answer wins on the server; if another client's came first, this panel says whose it was.
 */
export function GatePanel({
  runId,
  gate,
  runFinished,
  onAnswered,
  changes = null,
}: {
  runId: string;
  gate: Gate;
  runFinished: boolean;
  onAnswered: () => void;
  /** What the run changed so far: an open gate links to it, to approve having seen it. */
  changes?: DiffStat | null;
}) {
  const [choice, setChoice] = useState(gate.default ?? gate.choices[0]?.key ?? '');
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [lostTo, setLostTo] = useState<Gate | null>(null);
  const idBase = `gate-${gate.step}`;
  const open = gate.status === 'waiting' && !runFinished;

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await answerGate(runId, gate.step, { choice, ...(gate.freeform && text.trim() ? { text } : {}) });
      onAnswered();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'gate_not_waiting') {
        // Someone else answered first: show theirs, from the run as it is now.
        const fresh = await getRun(runId).catch(() => null);
        setLostTo(fresh?.gates.find((g) => g.step === gate.step) ?? null);
        onAnswered();
      } else setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const shown = lostTo?.answer ? lostTo : gate;
  return (
    <section class={`gate gate-${gate.status}`} aria-labelledby={`${idBase}-title`} data-gate={gate.step}>
      <h3 id={`${idBase}-title`}>
        Gate <code>{gate.step}</code> <StatusBadge status={shown.status} />
      </h3>
      <p class="gate-prompt">{gate.prompt}</p>
      {lostTo && (
        <p class="notice notice-info" role="status" data-testid="gate-lost">
          {lostTo.answer
            ? `Another client answered this gate first${lostTo.answer.by ? `: ${lostTo.answer.by}` : ''}.`
            : 'This gate is no longer waiting for an answer.'}
        </p>
      )}
      <AnswerSummary gate={shown} />
      {shown.status === 'cancelled' && (
        <p class="gate-answer muted" data-testid="gate-cancelled">
          The run ended before this gate was answered.
        </p>
      )}
      {open && !lostTo && changes && changes.files.length > 0 && (
        <p class="gate-changes" data-testid="gate-changes">
          Before answering, <a href="#changes">review the changes</a>: {changes.files.length} file
          {changes.files.length === 1 ? '' : 's'}, <span class="diff-added">+{changes.added}</span>{' '}
          <span class="diff-removed">-{changes.removed}</span>.
        </p>
      )}
      {open && !lostTo && (
        <form onSubmit={submit} class="gate-form">
          <fieldset>
            <legend>Choice</legend>
            {gate.choices.map((c) => (
              <label key={c.key} class="choice">
                <input
                  type="radio"
                  name={`${idBase}-choice`}
                  value={c.key}
                  checked={choice === c.key}
                  onChange={() => setChoice(c.key)}
                />
                {c.label}
                {c.target === '_fail' ? <span class="muted"> (fails the run)</span> : null}
              </label>
            ))}
          </fieldset>
          {gate.freeform && (
            <div class="field">
              <label for={`${idBase}-text`}>Note (optional)</label>
              <textarea
                id={`${idBase}-text`}
                rows={3}
                value={text}
                onInput={(e) => setText(e.currentTarget.value)}
              />
            </div>
          )}
          {gate.timeout_at && (
            <p class="hint">
              Without an answer by {formatDateTime(gate.timeout_at)}, the gate takes{' '}
              {gate.default ? `"${gate.default}"` : 'its default'}.
            </p>
          )}
          <button type="submit" disabled={busy || choice === ''}>
            {busy ? 'Sending…' : 'Answer gate'}
          </button>
          {error && (
            <p class="notice notice-error" role="alert">
              {error}
            </p>
          )}
        </form>
      )}
    </section>
  );
}
