import pg from 'pg';

export interface PgListenerOptions {
  url: string;
  /** The channel every write notifies (PostgresStore's EVENTS_CHANNEL), the seq it wrote as payload. */
  channel: string;
  /** The channel a cancel request notifies, the run's owner as payload (CANCELS_CHANNEL). */
  cancelChannel?: string;
  /** First wait before reconnecting; it doubles on each failure up to `maxBackoffMs`. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Notifications sent by these backends (the store's own pool) do not wake anyone. */
  isOwn?: (backendPid: number) => boolean;
  /** Told of each lost connection (the store logs it); the listener reconnects on its own. */
  onError?: (err: unknown) => void;
}

export type WakeListener = () => void;
/** `owner`: whose run a cancel was requested of; null after a reconnect (anyone's, maybe). */
export type CancelListener = (owner: string | null) => void;

/**
 * One dedicated connection (not from the pool: a pooled client would stop listening when
 * released) that LISTENs for commits of every instance. Each notification, and each
 * (re)connect, bumps `token` and wakes the subscribers: after a reconnect anything may have
 * been committed while it was away, so readers must look.
 */
export class PgListener {
  private client: pg.Client | null = null;
  private readonly wakers = new Set<WakeListener>();
  private readonly cancels = new Set<CancelListener>();
  private timer: NodeJS.Timeout | undefined;
  private backoff: number;
  private stopped = false;
  private connecting = false;
  private firstListen!: () => void;
  private readonly listeningOnce = new Promise<void>((resolve) => {
    this.firstListen = resolve;
  });
  /** Changes on every notification and reconnect: the store's change token. */
  token = 0;
  /** Highest seq announced by a notification (0 until one arrives). */
  notifiedSeq = 0;
  /** `token` right after the last (re)connect: commits before it may have gone unannounced. */
  private connectedToken = 0;

  constructor(private readonly opts: PgListenerOptions) {
    this.backoff = opts.minBackoffMs ?? 100;
  }

  /** Starts connecting (in the background, retrying until `stop`). */
  start(): void {
    void this.connect();
  }

  /** Resolves once the listener first listens. */
  listening(): Promise<void> {
    return this.listeningOnce;
  }

  /** Whether the connection is up and listening. */
  get connected(): boolean {
    return this.client !== null;
  }

  onWake(listener: WakeListener): () => void {
    // A distinct wrapper per subscription: the same function may subscribe twice.
    const entry: WakeListener = () => listener();
    this.wakers.add(entry);
    return () => this.wakers.delete(entry);
  }

  onCancel(listener: CancelListener): () => void {
    const entry: CancelListener = (owner) => listener(owner);
    this.cancels.add(entry);
    return () => this.cancels.delete(entry);
  }

  private async connect(): Promise<void> {
    if (this.stopped || this.connecting || this.client) return;
    this.connecting = true;
    const client = new pg.Client({
      connectionString: this.opts.url,
      application_name: 'wave-listener',
      keepAlive: true,
      connectionTimeoutMillis: 10_000,
    });
    const lost = (err?: unknown) => this.lost(client, err);
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (msg) => {
      if (msg.channel === this.opts.cancelChannel && !this.opts.isOwn?.(msg.processId)) {
        for (const listener of [...this.cancels]) listener(msg.payload ?? '');
        return;
      }
      if (msg.channel !== this.opts.channel) return;
      const seq = Number(msg.payload);
      if (Number.isSafeInteger(seq) && seq > this.notifiedSeq) this.notifiedSeq = seq;
      if (this.opts.isOwn?.(msg.processId)) return;
      this.wake();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(this.opts.channel)}`);
      if (this.opts.cancelChannel)
        await client.query(`LISTEN ${pg.escapeIdentifier(this.opts.cancelChannel)}`);
    } catch (err) {
      this.connecting = false;
      client.removeAllListeners();
      client.on('error', () => {});
      await client.end().catch(() => {});
      this.opts.onError?.(err);
      this.retry();
      return;
    }
    this.connecting = false;
    if (this.stopped) {
      client.removeAllListeners();
      client.on('error', () => {});
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.backoff = this.opts.minBackoffMs ?? 100;
    this.firstListen();
    // Commits made while no one listened are announced by no notification.
    this.wake();
    this.connectedToken = this.token;
    for (const listener of [...this.cancels]) listener(null);
  }

  /**
   * A seq up to which every event is committed, known without a read: the highest one announced,
   * provided the connection has not been re-established since the reader's last look (token
   * `since`); null when it has, since commits made meanwhile were announced to nobody.
   */
  knownTop(since: number): number | null {
    return this.client !== null && since >= this.connectedToken ? this.notifiedSeq : null;
  }

  private lost(client: pg.Client, err?: unknown): void {
    if (this.client !== client) return;
    this.client = null;
    client.removeAllListeners();
    client.on('error', () => {});
    void client.end().catch(() => {});
    if (this.stopped) return;
    this.opts.onError?.(err ?? new Error('the LISTEN connection ended'));
    this.retry();
  }

  private retry(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.connect(), this.backoff);
    this.timer.unref();
    this.backoff = Math.min(this.backoff * 2, this.opts.maxBackoffMs ?? 2000);
  }

  private wake(): void {
    this.token++;
    for (const waker of [...this.wakers]) waker();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.wakers.clear();
    this.cancels.clear();
    const client = this.client;
    this.client = null;
    if (client) {
      client.removeAllListeners();
      client.on('error', () => {});
      await client.end().catch(() => {});
    }
  }
}
