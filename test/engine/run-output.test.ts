import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_LINE_CHARS } from '../../src/engine/line-splitter.js';
import { expectWellFormed, harness, ofType } from '../helpers/engine-harness.js';
import { yaml } from '../helpers/tmp.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('step output', () => {
  it('survives binary garbage: the run completes and nothing stored holds a NUL', async () => {
    const h = await harness({
      '.wave/pipelines/bin.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: noise
            type: command
            script: |
              head -c 200000 /dev/urandom > blob
              printf 'before\\0NUL\\n\\xff\\xfe broken utf8\\n'
              cat blob
              cat blob >&2
              printf '\\nlast line\\n'
            output_artifacts: [{ name: raw, path: raw.bin, source: stdout, type: binary }]
      `,
    });
    const f = await h.run('bin');
    expectWellFormed(f);
    expect(f.result).toEqual({ status: 'completed', error: null });
    const rows = await h.ctx.store.readEvents({ runId: f.run.id, afterSeq: 0, limit: 1_000_000 });
    for (const row of rows) expect(row.json.includes('\\u0000')).toBe(false);
    const lines = ofType(f.events, 'stream_activity');
    for (const e of lines) expect(e.content.includes('\u0000')).toBe(false);
    const stdout = lines.filter((e) => e.stream === 'stdout').map((e) => e.content);
    expect(stdout[0]).toBe('beforeNUL');
    expect(stdout[1]).toBe('\ufffd\ufffd broken utf8');
    expect(stdout.at(-1)).toBe('last line');
    expect(lines.some((e) => e.stream === 'stderr')).toBe(true);
    // The stdout artifact keeps the exact bytes.
    const blob = readFileSync(h.path('.wave/workspaces', f.run.id, 'noise', 'blob'));
    const raw = readFileSync(h.path('.wave/artifacts', f.run.id, 'noise', 'raw'));
    const expected = Buffer.concat([
      Buffer.from('before\0NUL\n'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(' broken utf8\n'),
      blob,
      Buffer.from('\nlast line\n'),
    ]);
    expect(raw.equals(expected)).toBe(true);
    expect(ofType(f.events, 'artifact_written')[0]).toMatchObject({ size: raw.length, sha256: sha256(raw) });
  });

  it('keeps a 10 MB line whole, in pieces, and the lines around it', async () => {
    const size = 10_000_000;
    const h = await harness({
      '.wave/pipelines/big.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: big
            type: command
            script: |
              echo first
              head -c ${size} /dev/zero | tr '\\0' 'x'
              echo
              echo after
      `,
    });
    const f = await h.run('big');
    expectWellFormed(f);
    expect(f.result).toEqual({ status: 'completed', error: null });
    const out = ofType(f.events, 'stream_activity')
      .filter((e) => e.step === 'big' && e.stream === 'stdout')
      .map((e) => e.content);
    expect(out[0]).toBe('first');
    expect(out.at(-1)).toBe('after');
    const pieces = out.slice(1, -1);
    expect(pieces.length).toBe(Math.ceil(size / MAX_LINE_CHARS));
    for (const p of pieces) expect(p.length).toBeLessThanOrEqual(MAX_LINE_CHARS);
    const joined = pieces.join('');
    expect(joined.length).toBe(size);
    expect(/^x+$/.test(joined)).toBe(true);
  });
});
