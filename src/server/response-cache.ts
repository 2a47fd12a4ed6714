import type { EventBus } from '../events/bus.js';

/**
 * Serialized answers of hot list routes (a dashboard polling GET /api/runs), reused until the
 * next committed event rings the bus, and never longer than `maxAgeMs`: that bound covers the
 * few changes that carry no event (a cancel requested by another process).
 */
export class ResponseCache {
  private readonly entries = new Map<string, { body: string; at: number }>();

  constructor(
    bus: EventBus,
    private readonly maxAgeMs = 1000,
    private readonly maxEntries = 200,
  ) {
    bus.subscribe(() => this.clear());
  }

  get(key: string): string | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (Date.now() - hit.at > this.maxAgeMs) {
      this.entries.delete(key);
      return undefined;
    }
    return hit.body;
  }

  set(key: string, body: string): void {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { body, at: Date.now() });
  }

  clear(): void {
    this.entries.clear();
  }
}
