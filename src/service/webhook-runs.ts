import type { ServiceDeps } from './deps.js';

/** Delivery ids are remembered this long: far beyond any provider's redelivery window. */
const DELIVERY_TTL_MS = 30 * 24 * 60 * 60 * 1000;

export interface WebhookDelivery {
  provider: string;
  event: string;
  /** The provider's delivery id, when it sends one: a redelivery creates nothing. */
  delivery: string | undefined;
  sender: string | null;
  /** One run per matching trigger. */
  runs: { pipeline: string; input: string | null; labels: Record<string, string> }[];
}

type Submit = (run: WebhookDelivery['runs'][number], sender: string | null) => Promise<string>;

/**
 * Creates the runs of one verified delivery, once per delivery id. When it fails before any run
 * was created, the delivery is forgotten so that a redelivery tries again.
 */
export async function triggerWebhookRuns(
  deps: ServiceDeps,
  d: WebhookDelivery,
  submit: Submit,
): Promise<{ runs: string[]; duplicate: boolean }> {
  const scope = `webhook:${d.provider}`;
  if (d.delivery && !(await deps.store.rememberKey(scope, d.delivery, DELIVERY_TTL_MS))) {
    return { runs: [], duplicate: true };
  }
  const ids: string[] = [];
  try {
    for (const run of d.runs) ids.push(await submit(run, d.sender));
  } catch (err) {
    if (d.delivery && ids.length === 0) await deps.store.forgetKey(scope, d.delivery);
    throw err;
  }
  return { runs: ids, duplicate: false };
}
