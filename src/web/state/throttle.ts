export interface Throttled {
  (): void;
  cancel(): void;
}

/**
 * Runs `fn` at most once per `ms`: the first call schedules it, calls meanwhile are folded into
 * that one. Used for refetches that a burst of events asks for.
 */
export function throttle(fn: () => void, ms: number): Throttled {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const call = (() => {
    if (timer !== null) return;
    timer = setTimeout(() => {
      timer = null;
      fn();
    }, ms);
  }) as Throttled;
  call.cancel = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  return call;
}
