import type { NotificationConfig } from '../../config/manifest-schema.js';
import type { Logger } from '../../logger.js';
import type { ChangeSource } from '../../store/change-feed.js';
import type { DeliveryOutcome, DeliveryRecord, Store } from '../../store/store.js';
import { DELIVERY_BACKOFF_MS, nextAttemptAt } from './backoff.js';
import { type DeliveryView, toDeliveryView } from './delivery-view.js';
import { enqueueNewEvents, NOTIFIED_EVENTS } from './enqueue.js';
import { isRetryableStatus, postDelivery } from './post-delivery.js';

export interface DispatcherOptions {
  notifications: readonly NotificationConfig[];
  /** This process's owner id: claims of deliveries carry it. */
  owner: string;
  logger: Logger;
  /** Per attempt (API.md: 10 s). */
  timeoutMs?: number;
  backoffMs?: readonly number[];
  /** The longest it sleeps while deliveries are pending (others' retries, expired leases). */
  maxSleepMs?: number;
  now?: () => number;
}

const CLAIM_LIMIT = 20;
const NOTIFIED = new Set<string>(NOTIFIED_EVENTS);

/**
 * Outbound notifications of one server: enqueues deliveries for new events (woken by the change
 * feed), then sends the due ones it claims, each attempt's outcome written back to the store.
 * Retries wait in the store, so they survive a restart and another server may send them.
 */
export class NotificationDispatcher {
  private readonly byName: Map<string, NotificationConfig>;
  private readonly timeoutMs: number;
  private readonly backoff: readonly number[];
  private readonly maxSleepMs: number;
  private readonly now: () => number;
  private unsubscribe: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  /** Which schedule() call is the newest: only its reading of the store may set the timer. */
  private scheduling = 0;
  private stopped = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  constructor(
    private readonly store: Store,
    private readonly changes: ChangeSource,
    private readonly opts: DispatcherOptions,
  ) {
    this.byName = new Map(opts.notifications.map((n) => [n.name, n]));
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.backoff = opts.backoffMs ?? DELIVERY_BACKOFF_MS;
    this.maxSleepMs = opts.maxSleepMs ?? 60_000;
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    if (this.opts.notifications.length === 0) return;
    this.unsubscribe = this.changes.subscribe((notice) => {
      if (notice.events.some((e) => NOTIFIED.has(e.type))) this.wake();
    });
    this.wake();
  }

  /** Stops looking for work and ends the attempts under way (they are retried after a restart). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearTimeout(this.timer);
    await this.running;
    this.abort.abort();
    await Promise.all(this.inFlight);
  }

  /** The deliveries list (API.md "Notifications"), newest event first. */
  async listDeliveries(query: { status?: DeliveryRecord['status']; limit: number }): Promise<DeliveryView[]> {
    return (await this.store.deliveries.listDeliveries(query)).map(toDeliveryView);
  }

  private wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.pass()
      .catch((err) => this.opts.logger.error({ err }, 'notifications: a pass failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /**
   * Sleeps until the next pending delivery is due: new events wake it through the change feed,
   * so with nothing pending it does not look at the store at all.
   */
  private async schedule(): Promise<void> {
    if (this.stopped) return;
    const call = ++this.scheduling;
    const due = await this.store.deliveries.nextDueAt(this.now());
    // Calls overlap (a pass and finished attempts); on a pool their reads may answer out of
    // order, and an older reading (a row still leased to us) must not replace a newer one (its
    // retry due now) with a sleep of up to maxSleepMs.
    if (this.stopped || call !== this.scheduling || due === null) return;
    // Never spin: a row due now that the claim did not get is looked at again shortly.
    const delay = Math.min(Math.max(due - this.now(), 250), this.maxSleepMs);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.wake(), delay);
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    await enqueueNewEvents(this.store, this.opts.notifications);
    // The lease outlasts one attempt, so no other server takes a delivery being sent.
    const leaseMs = this.timeoutMs + 30_000;
    const claimed = await this.store.deliveries.claimDueDeliveries(
      this.opts.owner,
      this.now(),
      leaseMs,
      CLAIM_LIMIT,
    );
    for (const d of claimed) {
      const p = this.attempt(d)
        .catch((err) => this.opts.logger.error({ err, delivery: d.id }, 'notifications: an attempt failed'))
        .finally(() => {
          this.inFlight.delete(p);
          // Its retry time (or the next delivery's) sets the next wake-up.
          void this.schedule().catch(() => undefined);
        });
      this.inFlight.add(p);
    }
    await this.schedule();
  }

  private async attempt(d: DeliveryRecord): Promise<void> {
    const n = this.byName.get(d.notification);
    const result = await postDelivery({
      url: d.url,
      body: d.body,
      eventType: d.eventType,
      deliveryId: d.id,
      secret: n?.secret,
      allowPrivate: n?.allow_private ?? false,
      timeoutMs: this.timeoutMs,
      signal: this.abort.signal,
    });
    let outcome: DeliveryOutcome;
    if (result.kind === 'status' && result.status >= 200 && result.status < 300) {
      outcome = { kind: 'delivered', status: result.status };
    } else {
      const status = result.kind === 'status' ? result.status : null;
      const error = result.kind === 'status' ? `HTTP ${result.status}` : result.error;
      const retryable = result.kind === 'status' ? isRetryableStatus(result.status) : result.retryable;
      const at = retryable ? nextAttemptAt(d.attempts, this.now(), this.backoff) : null;
      outcome = at === null ? { kind: 'failed', status, error } : { kind: 'retry', at, status, error };
    }
    await this.store.deliveries.finishAttempt(d.id, this.opts.owner, outcome);
    this.opts.logger[outcome.kind === 'delivered' ? 'debug' : 'warn'](
      { delivery: d.id, notification: d.notification, attempt: d.attempts, outcome },
      'notification attempt',
    );
  }
}
