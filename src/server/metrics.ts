import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { EventBus } from '../events/bus.js';
import { isTerminalEvent } from '../events/catalogue.js';
import type { Store } from '../store/store.js';

/**
 * Prometheus metrics on a registry of our own (never the global one, so tests can build
 * several apps): runs by status, queue depth, running runs, step durations, SSE clients,
 * HTTP latency, plus Node's process metrics.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly stepDuration: Histogram<'kind' | 'status'>;
  readonly runsEnded: Counter<'status'>;

  constructor(
    store: Store,
    bus: EventBus,
    sources: {
      /** This instance's id: a label on every series. */
      instance: string;
      sseClients: () => number;
      runningRuns: () => number;
      /** Prompt steps running on and waiting for each limited adapter. */
      adapters: () => { adapter: string; running: number; waiting: number }[];
    },
  ) {
    const registry = this.registry;
    // Many instances scraped into one Prometheus stay apart (API.md "Instances").
    registry.setDefaultLabels({ instance: sources.instance });
    collectDefaultMetrics({ register: registry, prefix: 'wave_' });
    new Gauge({
      name: 'wave_runs',
      help: 'Runs in the store by status',
      labelNames: ['status'],
      registers: [registry],
      async collect() {
        const counts = await store.countByStatus();
        for (const [status, n] of Object.entries(counts)) this.set({ status }, n);
      },
    });
    new Gauge({
      name: 'wave_queue_depth',
      help: 'Server runs waiting in the queue',
      registers: [registry],
      async collect() {
        this.set((await store.countByStatus('server')).queued);
      },
    });
    new Gauge({
      name: 'wave_running_runs',
      help: 'Runs holding a concurrency slot on this server',
      registers: [registry],
      collect() {
        this.set(sources.runningRuns());
      },
    });
    new Gauge({
      name: 'wave_sse_clients',
      help: 'Open SSE streams',
      registers: [registry],
      collect() {
        this.set(sources.sseClients());
      },
    });
    new Gauge({
      name: 'wave_adapter_running',
      help: 'Prompt steps running on a limited adapter (adapters.<name>.max_concurrent / rate_limit)',
      labelNames: ['adapter'],
      registers: [registry],
      collect() {
        for (const a of sources.adapters()) this.set({ adapter: a.adapter }, a.running);
      },
    });
    new Gauge({
      name: 'wave_adapter_waiting',
      help: 'Prompt steps waiting for a place on a limited adapter',
      labelNames: ['adapter'],
      registers: [registry],
      collect() {
        for (const a of sources.adapters()) this.set({ adapter: a.adapter }, a.waiting);
      },
    });
    this.stepDuration = new Histogram({
      name: 'wave_step_duration_seconds',
      help: 'Duration of finished step attempts',
      labelNames: ['kind', 'status'],
      buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
      registers: [registry],
    });
    this.runsEnded = new Counter({
      name: 'wave_runs_ended_total',
      help: 'Runs that ended, by status',
      labelNames: ['status'],
      registers: [registry],
    });
    this.httpDuration = new Histogram({
      name: 'wave_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers: [registry],
    });

    const kinds = new Map<string, string>();
    bus.subscribe((events) => {
      for (const e of events) {
        if (e.type === 'step_started') kinds.set(`${e.run_id}/${e.step}`, e.kind);
        else if (e.type === 'step_completed')
          this.stepDuration.observe(
            { kind: kinds.get(`${e.run_id}/${e.step}`) ?? 'unknown', status: 'success' },
            e.duration_ms / 1000,
          );
        else if (isTerminalEvent(e)) {
          this.runsEnded.inc({ status: e.status });
          for (const key of kinds.keys()) if (key.startsWith(`${e.run_id}/`)) kinds.delete(key);
        }
      }
    });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
