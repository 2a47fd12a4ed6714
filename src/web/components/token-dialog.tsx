import { useEffect, useRef, useState } from 'preact/hooks';
import { tokenPrompt } from '../api/auth.js';
import type { PromptState } from '../state/token-prompt.js';

/**
 * The token prompt: shown when the server answers 401. The token stays in this tab's
 * sessionStorage and goes with every request (and as `access_token` on event streams).
 */
export function TokenDialog() {
  const [state, setState] = useState<PromptState>(tokenPrompt.state);
  const [value, setValue] = useState('');
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => tokenPrompt.subscribe(setState), []);
  useEffect(() => {
    const el = dialog.current;
    if (!el) return;
    if (state.open && !el.open) {
      setValue('');
      el.showModal();
    } else if (!state.open && el.open) el.close();
  }, [state.open]);

  const submit = (e: Event) => {
    e.preventDefault();
    if (value.trim() === '') return;
    tokenPrompt.submit(value);
  };

  return (
    <dialog
      ref={dialog}
      class="token-dialog"
      aria-labelledby="token-dialog-title"
      onCancel={() => tokenPrompt.dismiss()}
    >
      <form onSubmit={submit}>
        <h2 id="token-dialog-title">Sign in with a token</h2>
        <p>This server wants a bearer token (JWT).</p>
        {state.reason && (
          <p class="notice notice-error" role="alert">
            The server said: {state.reason}
          </p>
        )}
        <label for="token-input">API token</label>
        <input
          id="token-input"
          name="token"
          type="password"
          autocomplete="off"
          spellcheck={false}
          required
          value={value}
          onInput={(e) => setValue(e.currentTarget.value)}
        />
        <p class="hint">
          Ask for one, or mint one with{' '}
          <code>wave token create --sub NAME --scope "runs:read runs:write gates:answer"</code>. It is kept
          only in this tab.
        </p>
        <div class="actions">
          <button type="submit">Use token</button>
          <button type="button" class="button-secondary" onClick={() => tokenPrompt.dismiss()}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
