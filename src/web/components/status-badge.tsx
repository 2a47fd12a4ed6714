const SYMBOLS: Record<string, string> = {
  queued: '○',
  pending: '○',
  running: '▶',
  waiting: '‖',
  completed: '✓',
  answered: '✓',
  failed: '✗',
  cancelled: '⊘',
  skipped: '↷',
  timed_out: '◔',
};

/** A status as words first, with a symbol and a colour as extra cues (never colour alone). */
export function StatusBadge({ status, label }: { status: string; label?: string }) {
  return (
    <span class={`status status-${status}`}>
      <span aria-hidden="true">{SYMBOLS[status] ?? '•'}</span> {label ?? status.replace('_', ' ')}
    </span>
  );
}
