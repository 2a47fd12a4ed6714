/** An outbound notification (API.md "Notifications") waiting to be sent, sent, or given up. */
export interface DeliveryRecord {
  /** Stable per notification and event: the X-Wave-Delivery header. */
  id: string;
  notification: string;
  eventSeq: number;
  eventType: string;
  runId: string;
  url: string;
  /** The exact JSON posted (and signed). */
  body: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  lastStatus: number | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface NewDelivery {
  id: string;
  notification: string;
  eventSeq: number;
  eventType: string;
  runId: string;
  url: string;
  body: string;
}

/** What one attempt came to. */
export type DeliveryOutcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry'; at: number; status: number | null; error: string }
  | { kind: 'failed'; status: number | null; error: string };

/**
 * The delivery queue. Rows are unique per (notification, event seq), so servers that all see an
 * event enqueue it once; a row is sent by the server that claims it (a lease, as for runs), so
 * it goes out once however many servers share the store.
 */
export interface DeliveryStore {
  /**
   * Inserts the deliveries of events up to `uptoSeq` (duplicates ignored) and moves the shared
   * cursor there, in one transaction. The cursor never moves back.
   */
  enqueueDeliveries(deliveries: readonly NewDelivery[], uptoSeq: number): Promise<void>;
  /** The last event seq already turned into deliveries; null before the first call. */
  deliveryCursor(): Promise<number | null>;
  /** Sets the cursor when there is none yet (a first start begins at the present). */
  initDeliveryCursor(seq: number): Promise<void>;
  /** Takes up to `limit` pending deliveries that are due and not held by a live lease. */
  claimDueDeliveries(owner: string, nowMs: number, leaseMs: number, limit: number): Promise<DeliveryRecord[]>;
  /** Records an attempt's outcome and releases the row. */
  finishAttempt(id: string, owner: string, outcome: DeliveryOutcome): Promise<void>;
  /** When the next pending delivery may be claimed (its retry time, or its lease's end); null when none. */
  nextDueAt(nowMs: number): Promise<number | null>;
  listDeliveries(query: { status?: DeliveryRecord['status']; limit: number }): Promise<DeliveryRecord[]>;
}
