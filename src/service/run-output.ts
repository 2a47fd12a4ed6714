import { createReadStream, existsSync, type ReadStream, realpathSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { WaveError } from '../errors.js';
import type { WaveEvent } from '../events/catalogue.js';
import type { Pacer } from '../pacer.js';
import { didYouMean } from '../pipeline/suggest.js';
import { type Follower, followRun } from '../runs/follow.js';
import type { ArtifactRecord } from '../store/store.js';
import type { ServiceDeps } from './deps.js';
import { type LogFormat, logChunks, logLine } from './log-stream.js';

async function requireRunExists(deps: ServiceDeps, id: string): Promise<void> {
  if (!(await deps.store.getRun(id))) throw new WaveError('run_not_found', `no run with id "${id}"`);
}

/** step_not_found (with a did-you-mean) unless the run has this step. */
async function requireStep(deps: ServiceDeps, runId: string, step: string): Promise<void> {
  const steps = (await deps.store.listSteps(runId)).map((s) => s.id);
  if (steps.includes(step)) return;
  const hint = didYouMean(step, steps);
  throw new WaveError('step_not_found', `run "${runId}" has no step "${step}"${hint ? ` (${hint})` : ''}`);
}

/** A run's logs (or one step's) as bounded text chunks, after checking the run and the step. */
export async function runLogs(
  deps: ServiceDeps,
  q: { runId: string; step?: string | undefined; format: LogFormat },
  pacer?: Pacer,
): Promise<AsyncGenerator<string>> {
  await requireRunExists(deps, q.runId);
  if (q.step !== undefined) await requireStep(deps, q.runId, q.step);
  return logChunks(deps.store, q, pacer);
}

/**
 * Follows a run's output from its start until it ends: each batch of new lines is given
 * formatted (text or NDJSON), in order, exactly once.
 */
export async function followLogs(
  deps: ServiceDeps,
  q: { runId: string; step?: string | undefined; format: LogFormat },
  onText: (text: string) => void,
): Promise<Follower> {
  await requireRunExists(deps, q.runId);
  if (q.step !== undefined) await requireStep(deps, q.runId, q.step);
  return followRun(deps.store, deps.changes, q.runId, {
    afterSeq: 0,
    onEvents: (events) => {
      const text = logText(events, q.step, q.format);
      if (text) onText(text);
    },
  });
}

/** stream_activity events (of `step`, if given) as log lines: one formatting for every caller. */
export function logText(events: readonly WaveEvent[], step: string | undefined, format: LogFormat): string {
  let text = '';
  for (const e of events) {
    if (e.type !== 'stream_activity' || (step && e.step !== step)) continue;
    text += logLine(e, format);
  }
  return text;
}

/**
 * An artifact and the real path of its file. The path comes from the store; still, nothing
 * outside the project's artifact folder (or the shared storage.artifact_dir) is ever given out.
 */
export async function findArtifact(
  deps: ServiceDeps,
  id: string,
  step: string,
  name: string,
): Promise<{ artifact: ArtifactRecord; path: string }> {
  const artifact = await artifactRecord(deps, id, step, name);
  return { artifact, path: checkedPath(deps, artifact) };
}

/**
 * An artifact to send: its content as the store keeps it (PostgreSQL, so any instance can
 * serve it), or else a stream of its checked file.
 */
export async function openArtifact(
  deps: ServiceDeps,
  id: string,
  step: string,
  name: string,
): Promise<{ artifact: ArtifactRecord; body: Buffer | ReadStream }> {
  const artifact = await artifactRecord(deps, id, step, name);
  const content = await deps.store.readArtifactContent(id, step, name);
  return { artifact, body: content ?? createReadStream(checkedPath(deps, artifact)) };
}

async function artifactRecord(
  deps: ServiceDeps,
  id: string,
  step: string,
  name: string,
): Promise<ArtifactRecord> {
  await requireRunExists(deps, id);
  const artifacts = await deps.store.listArtifacts(id);
  const artifact = artifacts.find((a) => a.step === step && a.name === name);
  if (!artifact) {
    if (
      !artifacts.some((a) => a.step === step) &&
      !(await deps.store.listSteps(id)).some((s) => s.id === step)
    ) {
      throw new WaveError('step_not_found', `run "${id}" has no step "${step}"`);
    }
    throw new WaveError('artifact_not_found', `step "${step}" of run "${id}" has no artifact "${name}"`);
  }
  return artifact;
}

function checkedPath(deps: ServiceDeps, artifact: ArtifactRecord): string {
  const shared = deps.project.config.storage.artifact_dir;
  const roots = [
    deps.project.runtimePath('.wave/artifacts'),
    ...(shared ? [deps.project.runtimePath(shared)] : []),
  ];
  const real = existsSync(artifact.path) ? realpathSync(artifact.path) : null;
  const inside = (root: string) => {
    if (!real || !existsSync(root)) return false;
    const rel = relative(realpathSync(root), real);
    return rel !== '..' && !rel.startsWith(`..${sep}`) && !rel.startsWith('/') && rel !== '';
  };
  if (!roots.some(inside)) {
    throw new WaveError(
      'artifact_not_found',
      `the file of artifact "${artifact.name}" is no longer available`,
    );
  }
  return real!;
}
