import type { WaveEvent } from './catalogue.js';

export type EventListener = (events: readonly WaveEvent[]) => void;

/**
 * In-process fan-out of committed events. The store publishes only after a commit, so a
 * listener never sees an event the database lacks. A throwing listener is reported and never
 * breaks the publisher or the other listeners.
 */
export class EventBus {
  private readonly listeners = new Set<EventListener>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => {}) {}

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  publish(events: readonly WaveEvent[]): void {
    if (events.length === 0) return;
    for (const listener of [...this.listeners]) {
      try {
        listener(events);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}
