import type { ComponentChildren } from 'preact';

/** An error in words, announced to screen readers, with a way to try again when there is one. */
export function ErrorNotice({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <div class="notice notice-error" role="alert">
      <span>{message}</span>
      {onRetry && (
        <button type="button" class="button-secondary" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function InfoNotice({ children }: { children: ComponentChildren }) {
  return (
    <div class="notice notice-info" role="status">
      {children}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" role="status">
      Loading {what}…
    </p>
  );
}
