import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../../src/config/load-project.js';
import type { NotificationConfig } from '../../../src/config/manifest-schema.js';
import { silentLogger } from '../../../src/logger.js';
import { createContext, type WaveContext } from '../../../src/service/context.js';
import { NotificationDispatcher } from '../../../src/service/notifications/dispatcher.js';
import { deliveryId } from '../../../src/service/notifications/payload.js';
import { eventually } from '../../helpers/eventually.js';
import { draft, newRun, pipelineSpec, SHIP_SPEC, stepSpec } from '../../helpers/store.js';
import { tempProject } from '../../helpers/tmp.js';
import { startReceiver } from './receiver.js';

async function withDispatcher(
  notifications: NotificationConfig[],
  opts: { timeoutMs?: number; backoffMs?: number[] },
  fn: (ctx: WaveContext) => Promise<void>,
): Promise<void> {
  const ctx = await createContext(loadProject({ cwd: tempProject({}), env: {} }), silentLogger);
  const dispatcher = new NotificationDispatcher(ctx.store, ctx.changes, {
    notifications,
    owner: ctx.owner,
    logger: silentLogger,
    ...opts,
  });
  dispatcher.start();
  try {
    await fn(ctx);
  } finally {
    await dispatcher.stop();
    await ctx.close();
  }
}

async function completedRun(ctx: WaveContext, spec = SHIP_SPEC): Promise<{ runId: string; seq: number }> {
  const { run } = await ctx.store.createRun(newRun({ spec, pipeline: spec.name }));
  const events = await ctx.store.append(run.id, [draft.runStarted(run.id), draft.runCompleted(run.id)]);
  return { runId: run.id, seq: events[1]!.seq };
}

const deliveries = (ctx: WaveContext, status?: 'pending' | 'failed' | 'delivered') =>
  ctx.store.deliveries.listDeliveries({ limit: 50, ...(status ? { status } : {}) });

describe('NotificationDispatcher (a real receiver on a loopback port)', () => {
  it('posts matching events as signed JSON with the event and delivery headers, once each', async () => {
    const receiver = await startReceiver();
    const n: NotificationConfig = {
      name: 'ops',
      url: receiver.url,
      events: ['run_completed'],
      pipelines: ['ship'],
      secret: 's3cret',
      allow_private: true,
    };
    await withDispatcher([n], {}, async (ctx) => {
      const other = pipelineSpec('other', [stepSpec('a')]);
      await completedRun(ctx, other);
      const { runId, seq } = await completedRun(ctx);
      await eventually(async () => (await deliveries(ctx, 'delivered')).length === 1, 15_000, 'a delivery');
      expect(receiver.received).toHaveLength(1);
      const [got] = receiver.received;
      expect(got!.headers['x-wave-event']).toBe('run_completed');
      expect(got!.headers['x-wave-delivery']).toBe(deliveryId('ops', seq));
      expect(got!.headers['content-type']).toBe('application/json; charset=utf-8');
      const expected = `sha256=${createHmac('sha256', 's3cret').update(got!.body).digest('hex')}`;
      expect(got!.headers['x-wave-signature-256']).toBe(expected);
      const body = JSON.parse(got!.body);
      expect(body).toMatchObject({
        delivery: deliveryId('ops', seq),
        notification: 'ops',
        event: { type: 'run_completed', run_id: runId, seq },
        run: { id: runId, pipeline: 'ship', status: 'completed' },
      });
      const [row] = await deliveries(ctx);
      expect(row).toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 200 });
    });
  });

  it('retries a receiver that fails twice with backoff, then delivers (the same delivery id each time)', async () => {
    const receiver = await startReceiver((i) => (i < 2 ? 503 : 200));
    const n: NotificationConfig = {
      name: 'ops',
      url: receiver.url,
      events: ['run_completed'],
      allow_private: true,
    };
    await withDispatcher([n], { backoffMs: [200, 400] }, async (ctx) => {
      await completedRun(ctx);
      await eventually(
        async () => (await deliveries(ctx, 'delivered')).length === 1,
        20_000,
        'the third attempt',
      );
      const times = receiver.received.map((r) => r.at);
      expect(times).toHaveLength(3);
      expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(200);
      expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(400);
      expect(new Set(receiver.received.map((r) => r.headers['x-wave-delivery'])).size).toBe(1);
      expect((await deliveries(ctx))[0]).toMatchObject({ attempts: 3, lastStatus: 200, lastError: null });
    });
  });

  it('gives up on a receiver that never answers: each attempt times out, then the delivery is failed', async () => {
    const receiver = await startReceiver(() => 'hang');
    const n: NotificationConfig = {
      name: 'ops',
      url: receiver.url,
      events: ['run_completed'],
      allow_private: true,
    };
    await withDispatcher([n], { timeoutMs: 300, backoffMs: [100] }, async (ctx) => {
      await completedRun(ctx);
      const [failed] = await eventually(
        async () => {
          const rows = await deliveries(ctx, 'failed');
          return rows.length ? rows : null;
        },
        20_000,
        'the delivery failed',
      );
      expect(failed).toMatchObject({ attempts: 2, lastStatus: null, lastError: 'no answer within 300 ms' });
      expect(receiver.received).toHaveLength(2);
    });
  });

  it('stop() ends an attempt under way instead of waiting for its timeout; the delivery stays pending', async () => {
    const receiver = await startReceiver(() => 'hang');
    const n: NotificationConfig = {
      name: 'ops',
      url: receiver.url,
      events: ['run_completed'],
      allow_private: true,
    };
    const ctx = await createContext(loadProject({ cwd: tempProject({}), env: {} }), silentLogger);
    const dispatcher = new NotificationDispatcher(ctx.store, ctx.changes, {
      notifications: [n],
      owner: ctx.owner,
      logger: silentLogger,
      timeoutMs: 120_000,
    });
    dispatcher.start();
    try {
      await completedRun(ctx);
      await eventually(() => receiver.received.length === 1, 15_000, 'the attempt under way');
      const started = Date.now();
      await dispatcher.stop();
      // Far below the attempt's own timeout.
      expect(Date.now() - started).toBeLessThan(60_000);
      expect((await deliveries(ctx))[0]).toMatchObject({
        status: 'pending',
        attempts: 1,
        lastError: 'interrupted: the server stopped',
      });
    } finally {
      await dispatcher.stop();
      await ctx.close();
    }
  });

  it('does not retry an answer that is final (404)', async () => {
    const receiver = await startReceiver(() => 404);
    const n: NotificationConfig = {
      name: 'ops',
      url: receiver.url,
      events: ['run_completed'],
      allow_private: true,
    };
    await withDispatcher([n], { backoffMs: [50, 50] }, async (ctx) => {
      await completedRun(ctx);
      await eventually(async () => (await deliveries(ctx, 'failed')).length === 1, 15_000, 'failed');
      expect((await deliveries(ctx))[0]).toMatchObject({
        attempts: 1,
        lastStatus: 404,
        lastError: 'HTTP 404',
      });
      expect(receiver.received).toHaveLength(1);
    });
  });

  it('refuses a URL that resolves to 127.0.0.1 unless allow_private, without sending anything', async () => {
    const receiver = await startReceiver();
    const byName = `http://localhost:${receiver.port}/hook`;
    const refused: NotificationConfig[] = [
      { name: 'literal', url: receiver.url, events: ['run_completed'] },
      { name: 'by-name', url: byName, events: ['run_completed'] },
    ];
    await withDispatcher(refused, { backoffMs: [50] }, async (ctx) => {
      await completedRun(ctx);
      const failed = await eventually(
        async () => {
          const rows = await deliveries(ctx, 'failed');
          return rows.length === 2 ? rows : null;
        },
        15_000,
        'both refused',
      );
      for (const row of failed) {
        expect(row.attempts).toBe(1);
        expect(row.lastError).toMatch(/127\.0\.0\.1|::1/);
        expect(row.lastError).toContain('allow_private');
      }
      expect(receiver.received).toHaveLength(0);
    });
  });

  it('the Slack format posts {text} naming the run and what happened', async () => {
    const receiver = await startReceiver();
    const n: NotificationConfig = {
      name: 'chat',
      url: receiver.url,
      events: ['gate_waiting', 'run_completed'],
      format: 'slack',
      allow_private: true,
    };
    await withDispatcher([n], {}, async (ctx) => {
      const { run } = await ctx.store.createRun(newRun());
      await ctx.store.append(run.id, [draft.runStarted(run.id), draft.gateWaiting(run.id, 'review')]);
      await eventually(() => receiver.received.length === 1, 15_000, 'a post');
      expect(receiver.received[0]!.headers['x-wave-event']).toBe('gate_waiting');
      expect(JSON.parse(receiver.received[0]!.body)).toEqual({
        text: `:raised_hand: ship run ${run.id} waits at gate review: Ship it?`,
      });
    });
  });

  it('a stale reading of the queue never replaces a newer one: a retry due soon is not put off', async () => {
    // A pool answers overlapping reads in any order. Two deliveries are sent at once; the first
    // to finish reads the queue while the other is still leased to this server (due in about
    // 40 s), and that reading is made to arrive after the second's (its retry, due in 2 s). The
    // older reading must not set the wake-up.
    const receiver = await startReceiver((i) => (i === 1 ? 503 : 200));
    const n: NotificationConfig = {
      name: 'ops',
      url: receiver.url,
      events: ['run_completed'],
      allow_private: true,
    };
    const ctx = await createContext(loadProject({ cwd: tempProject({}), env: {} }), silentLogger);
    const real = ctx.store.deliveries;
    const deliveriesView = Object.create(real) as typeof real;
    deliveriesView.nextDueAt = async (nowMs: number) => {
      const due = await real.nextDueAt(nowMs);
      if (due !== null && due - nowMs > 10_000) await new Promise((r) => setTimeout(r, 1500));
      return due;
    };
    const store = Object.create(ctx.store) as typeof ctx.store;
    Object.defineProperty(store, 'deliveries', { value: deliveriesView });
    const dispatcher = new NotificationDispatcher(store, ctx.changes, {
      notifications: [n],
      owner: ctx.owner,
      logger: silentLogger,
      backoffMs: [2000],
    });
    dispatcher.start();
    try {
      await completedRun(ctx);
      await completedRun(ctx);
      // Without the guard the retry waits out the stale 40 s sleep.
      await eventually(async () => (await deliveries(ctx, 'delivered')).length === 2, 20_000, 'the retry');
      expect(receiver.received).toHaveLength(3);
    } finally {
      await dispatcher.stop();
      await ctx.close();
    }
  });
});
