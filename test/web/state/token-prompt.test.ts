import { describe, expect, it } from 'vitest';
import { PromptDismissedError, TokenPrompt, type TokenStore } from '../../../src/web/state/token-prompt.js';

function memoryStore(initial: string | null = null): TokenStore & { value: string | null } {
  const store = {
    value: initial,
    get: () => store.value,
    set: (t: string) => {
      store.value = t;
    },
    clear: () => {
      store.value = null;
    },
  };
  return store;
}

describe('TokenPrompt', () => {
  it('opens once for requests refused together; all retry when a token is given', async () => {
    const store = memoryStore();
    const prompt = new TokenPrompt(store);
    const states: boolean[] = [];
    prompt.subscribe((s) => states.push(s.open));
    const a = prompt.ask(null, 'missing bearer token');
    const b = prompt.ask(null, 'missing bearer token');
    expect(prompt.state).toEqual({ open: true, reason: 'missing bearer token' });
    prompt.submit('  tok-1  ');
    await Promise.all([a, b]);
    expect(store.value).toBe('tok-1');
    expect(prompt.state.open).toBe(false);
    expect(states).toEqual([true, true, false]);
  });

  it('forgets a refused token and asks again (a 401 brings the prompt back)', async () => {
    const store = memoryStore('expired');
    const prompt = new TokenPrompt(store);
    const retry = prompt.ask('expired', 'token expired');
    expect(store.value).toBeNull();
    expect(prompt.state.open).toBe(true);
    prompt.submit('fresh');
    await retry;
    expect(prompt.token).toBe('fresh');
  });

  it('retries at once when another token was given since the request was sent', async () => {
    const store = memoryStore('new');
    const prompt = new TokenPrompt(store);
    await prompt.ask('old', 'bad');
    expect(prompt.state.open).toBe(false);
    expect(store.value).toBe('new');
  });

  it('rejects the waiting requests when the prompt is dismissed', async () => {
    const prompt = new TokenPrompt(memoryStore());
    const waiting = prompt.ask(null, 'missing');
    prompt.dismiss();
    await expect(waiting).rejects.toBeInstanceOf(PromptDismissedError);
    expect(prompt.state.open).toBe(false);
  });

  it('ignores an empty token', async () => {
    const store = memoryStore();
    const prompt = new TokenPrompt(store);
    const waiting = prompt.ask(null, 'missing');
    prompt.submit('   ');
    expect(prompt.state.open).toBe(true);
    expect(store.value).toBeNull();
    prompt.dismiss();
    await expect(waiting).rejects.toBeInstanceOf(PromptDismissedError);
  });
});
