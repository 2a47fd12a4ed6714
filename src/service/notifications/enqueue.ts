import type { NotificationConfig } from '../../config/manifest-schema.js';
import type { WaveEvent } from '../../events/catalogue.js';
import type { NewDelivery, Store } from '../../store/store.js';
import { deliveryBody, deliveryId } from './payload.js';

export const NOTIFIED_EVENTS = ['run_completed', 'run_failed', 'run_cancelled', 'gate_waiting'] as const;

const PAGE = 500;

/**
 * Turns committed events after the shared cursor into delivery rows, page by page. Every server
 * may do this for the same events: the rows are unique per notification and event, and the
 * cursor only moves forward, so each delivery exists once.
 */
export async function enqueueNewEvents(
  store: Store,
  notifications: readonly NotificationConfig[],
): Promise<void> {
  let cursor = await store.deliveries.deliveryCursor();
  if (cursor === null) {
    // A first start notifies from now on, not about the whole history.
    await store.deliveries.initDeliveryCursor(await store.lastSeq());
    cursor = await store.deliveries.deliveryCursor();
    if (cursor === null) return;
  }
  const top = await store.lastSeq();
  while (cursor < top) {
    const rows = await store.readEvents({
      afterSeq: cursor,
      upToSeq: top,
      types: NOTIFIED_EVENTS,
      limit: PAGE,
    });
    const deliveries: NewDelivery[] = [];
    for (const row of rows) {
      const event = JSON.parse(row.json) as WaveEvent;
      const run = await store.getRun(event.run_id);
      for (const n of notifications) {
        if (!(n.events as string[]).includes(event.type)) continue;
        if (n.pipelines && (!run || !n.pipelines.includes(run.pipeline))) continue;
        const id = deliveryId(n.name, event.seq);
        deliveries.push({
          id,
          notification: n.name,
          eventSeq: event.seq,
          eventType: event.type,
          runId: event.run_id,
          url: n.url,
          body: deliveryBody(n, id, event, run),
        });
      }
    }
    const upto = rows.length < PAGE ? top : rows[rows.length - 1]!.seq;
    await store.deliveries.enqueueDeliveries(deliveries, upto);
    cursor = upto;
  }
}
