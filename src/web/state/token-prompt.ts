/** Where the token lives (sessionStorage in the browser, a map in tests). */
export interface TokenStore {
  get(): string | null;
  set(token: string): void;
  clear(): void;
}

export interface PromptState {
  open: boolean;
  /** Why the prompt is shown: the server's message for the refused request. */
  reason: string | null;
}

export class PromptDismissedError extends Error {
  constructor() {
    super('no token was given');
    this.name = 'PromptDismissedError';
  }
}

/**
 * Asks the person for a token when the server answers 401, once for any number of requests
 * refused at the same moment; every one of them retries when a token is given.
 */
export class TokenPrompt {
  private waiters: { resolve: () => void; reject: (err: Error) => void }[] = [];
  private readonly listeners = new Set<(state: PromptState) => void>();
  private current: PromptState = { open: false, reason: null };

  constructor(private readonly store: TokenStore) {}

  get token(): string | null {
    return this.store.get();
  }

  get state(): PromptState {
    return this.current;
  }

  /**
   * Called when a request sent with `refused` (null: without a token) got 401. Resolves when the
   * request should be retried: at once if another token was given meanwhile, else once the
   * person gives one. Rejects with PromptDismissedError if they close the prompt instead.
   */
  ask(refused: string | null, reason: string): Promise<void> {
    const now = this.store.get();
    if (now !== null && now !== refused) return Promise.resolve();
    if (now !== null) this.store.clear();
    this.publish({ open: true, reason });
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
    });
  }

  submit(token: string): void {
    const trimmed = token.trim();
    if (trimmed === '') return;
    this.store.set(trimmed);
    this.settle((w) => w.resolve());
  }

  dismiss(): void {
    this.settle((w) => w.reject(new PromptDismissedError()));
  }

  /** Forgets the token (sign out); the next request that needs one brings the prompt back. */
  forget(): void {
    this.store.clear();
  }

  subscribe(listener: (state: PromptState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private settle(fn: (w: { resolve: () => void; reject: (err: Error) => void }) => void): void {
    const waiters = this.waiters.splice(0);
    this.publish({ open: false, reason: null });
    for (const w of waiters) fn(w);
  }

  private publish(state: PromptState): void {
    this.current = state;
    for (const listener of this.listeners) listener(state);
  }
}
