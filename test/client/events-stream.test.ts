import { describe, expect, it } from 'vitest';
import { WaveClient } from '../../src/client/wave-client.js';
import type { WaveEvent } from '../../src/events/catalogue.js';
import { cuttingProxy } from '../e2e/remote-support.js';
import { SECRET } from '../helpers/auth.js';
import { eventually } from '../helpers/eventually.js';
import { startTestServer } from '../helpers/server.js';
import { yaml } from '../helpers/tmp.js';
import { serverProject, storedEvents } from '../server/support.js';

const TICKER = yaml`
  kind: WavePipeline
  steps:
    - id: tick
      type: command
      script: for i in $(seq 1 40); do echo "tick $i"; sleep 0.05; done
`;

describe('watching every run over /api/events', () => {
  it('reconnects after cut connections: every event exactly once, in order; a read afresh only when no cursor', async () => {
    // The proxy forwards from its own port: the server answers that Host only when allowed.
    const server = await startTestServer(
      serverProject({
        '.wave/pipelines/ticker.yaml': TICKER,
        'wave.yaml': 'server:\n  allowed_hosts: ["127.0.0.1"]\n',
      }),
    );
    const proxy = await cuttingProxy(server.port);
    const client = new WaveClient({ baseUrl: proxy.url, clientName: 'cli', timeoutMs: 10_000 });
    const events: WaveEvent[] = [];
    const lives: boolean[] = [];
    const downs: string[] = [];
    const stop = new AbortController();
    const watching = client.watchEvents(
      {
        onLive: ({ resync }) => lives.push(resync),
        onEvents: (e) => events.push(...e),
        onDown: (reason) => downs.push(reason),
      },
      stop.signal,
    );
    await eventually(() => lives.length === 1, 10_000, 'the first connection');
    // Cut before any event: there is no cursor to resume from, so the state must be read again.
    proxy.cutAll();
    await eventually(() => lives.length === 2, 10_000, 'the second connection');
    const { run } = await server.ctx.runs.submit({
      pipeline: 'ticker',
      input: null,
      trigger: { source: 'api', actor: null },
      mode: 'server',
    });
    await eventually(() => events.length > 10, 20_000, 'some output');
    proxy.cutAll();
    await eventually(() => events.length > 30, 20_000, 'more output');
    proxy.cutAll();
    await eventually(() => events.some((e) => e.type === 'run_completed'), 30_000, 'the end of the run');
    stop.abort();
    await watching;
    expect(lives).toEqual([true, true, false, false]);
    expect(downs.length).toBeGreaterThanOrEqual(3);
    const stored = await storedEvents(server, run.id);
    expect(events.map((e) => e.seq)).toEqual(stored.map((e) => e.seq));
    expect(events.filter((e) => e.type === 'stream_activity')).toHaveLength(40);
  });

  it('stops for good on a refusal waiting cannot cure (no credentials)', async () => {
    const server = await startTestServer(
      serverProject({ 'wave.yaml': 'server:\n  auth:\n    mode: jwt\n    jwt_secret: ${WAVE_JWT_SECRET}\n' }),
      { env: { WAVE_JWT_SECRET: SECRET } },
    );
    const client = new WaveClient({ baseUrl: server.url, clientName: 'cli', timeoutMs: 10_000 });
    const stop = new AbortController();
    await expect(
      client.watchEvents(
        { onLive: () => undefined, onEvents: () => undefined, onDown: () => undefined },
        stop.signal,
      ),
    ).rejects.toMatchObject({ code: 'unauthorized' });
  });
});
