import type { WebhookTrigger } from '../../config/manifest-schema.js';
import { jsonPath } from '../../util/json-path.js';

export type Provider = 'github' | 'gitlab';

type Payload = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The branch a delivery is about: a push's ref, or a pull/merge request's target branch. */
export function branchOf(provider: Provider, payload: Payload): string | undefined {
  const ref = str(payload.ref);
  if (ref?.startsWith('refs/heads/')) return ref.slice('refs/heads/'.length);
  if (provider === 'github')
    return str(jsonPath(payload, 'pull_request.base.ref')) ?? (ref?.startsWith('refs/') ? undefined : ref);
  return (
    str(jsonPath(payload, 'object_attributes.target_branch')) ?? (ref?.startsWith('refs/') ? undefined : ref)
  );
}

/** The action of a delivery: GitHub's `action`, GitLab's `object_attributes.action`. */
export function actionOf(provider: Provider, payload: Payload): string | undefined {
  return provider === 'github'
    ? str(payload.action)
    : (str(jsonPath(payload, 'object_attributes.action')) ?? str(payload.action));
}

/** Who caused it: recorded as the run's actor. */
export function senderOf(provider: Provider, payload: Payload): string | null {
  if (provider === 'github') return str(jsonPath(payload, 'sender.login')) ?? null;
  return str(payload.user_username) ?? str(jsonPath(payload, 'user.username')) ?? null;
}

/** Triggers whose event, actions and branches all match this delivery. */
export function matchingTriggers(
  provider: Provider,
  triggers: readonly WebhookTrigger[],
  event: string,
  payload: Payload,
): WebhookTrigger[] {
  const action = actionOf(provider, payload);
  const branch = branchOf(provider, payload);
  return triggers.filter((t) => {
    if (t.event !== event) return false;
    if (t.actions?.length && (action === undefined || !t.actions.includes(action))) return false;
    if (t.branches?.length && (branch === undefined || !t.branches.some((b) => globMatch(b, branch))))
      return false;
    return true;
  });
}

/** `main`, `release/*`: `*` matches within a path segment, `**` across them. */
function globMatch(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
    .replace(/\*\*/g, '\u0000')
    .replace(/\*/g, '[^/]*')
    .replace(/\u0000/g, '.*');
  return new RegExp(`^${re}$`).test(value);
}

/** `{{ payload.<path> }}` in a trigger's input, from the delivery's JSON. */
export function renderTriggerInput(template: string, payload: Payload): string {
  return template.replace(/\{\{\s*payload\.([^{}\s]+)\s*\}\}/g, (_m, path: string) => {
    const v = jsonPath(payload, path);
    if (v === undefined || v === null) return '';
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
}
