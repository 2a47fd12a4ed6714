import type { StreamStatus } from '../api/event-stream.js';

const TEXT: Record<StreamStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  ended: 'Finished',
  failed: 'Not live',
};

/** Whether the page is receiving live updates, in words. */
export function StreamIndicator({ status, detail }: { status: StreamStatus; detail?: string | undefined }) {
  return (
    <span class={`stream stream-${status}`} role="status" title={detail}>
      <span aria-hidden="true" class="stream-dot" /> {TEXT[status]}
      {detail && status === 'failed' ? `: ${detail}` : ''}
    </span>
  );
}
