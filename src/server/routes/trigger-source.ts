import type { Trigger } from '../../events/catalogue.js';

/** The web UI and the CLI say who they are (X-Wave-Client); anything else is an API client. */
export function triggerSource(header: string | string[] | undefined, actor: string | null): Trigger {
  return { source: header === 'ui' || header === 'cli' ? header : 'api', actor };
}
