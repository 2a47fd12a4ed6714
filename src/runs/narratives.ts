import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Project } from '../config/load-project.js';
import { createAdapter } from '../engine/adapters/registry.js';
import { resolveModel } from '../engine/executors/prompt.js';
import type { Logger } from '../logger.js';
import { computeRetrospective } from '../service/insights/retrospective.js';
import type { Store } from '../store/store.js';

export interface NarrativeDeps {
  store: Store;
  project: Project;
  logger: Logger;
}

/**
 * `retrospective.persona` (PIPELINES.md): after a run has ended, that persona reads its
 * retrospective and writes a narrative, kept with the run. Started once the terminal event is
 * stored and never awaited by the run, so it cannot delay it; a failure is logged, not fatal.
 */
export class NarrativeWriter {
  private readonly pending = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  constructor(private readonly deps: NarrativeDeps) {}

  /** Starts the narrative of a finished run when a persona is configured; returns at once. */
  start(runId: string, mock: boolean): void {
    const persona = this.deps.project.config.retrospective.persona;
    if (!persona) return;
    const p = this.write(runId, persona, mock).catch((err: unknown) =>
      this.deps.logger.warn(
        { run: runId, persona, err: err instanceof Error ? err.message : String(err) },
        'the retrospective narrative was not written',
      ),
    );
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Waits for the narratives under way (`wave run` before it exits). */
  async settled(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  /** Stops the agents still writing (closing the process) and waits for them. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.settled();
  }

  private async write(runId: string, personaName: string, mock: boolean): Promise<void> {
    const { store, project } = this.deps;
    const persona = project.personas.personas.get(personaName);
    if (!persona) throw new Error(`retrospective.persona "${personaName}" is not defined in this project`);
    const retro = await computeRetrospective(store, runId);
    const run = await store.getRun(runId);
    const adapterName = mock ? 'mock' : persona.adapter;
    const config = project.config.adapters[adapterName];
    if (adapterName !== 'mock' && !config)
      throw new Error(`adapter "${adapterName}" is not declared in wave.yaml (adapters:)`);
    // The agent only reads and writes text: it works in an empty folder of its own.
    const cwd = mkdtempSync(join(tmpdir(), 'wave-retro-'));
    try {
      const result = await createAdapter(adapterName, config, { mock }).run({
        name: adapterName,
        config: config ?? { binary: adapterName },
        prompt: narrativePrompt(run?.pipeline ?? '', retro),
        systemPrompt: systemPromptOf(project, persona.promptFile),
        model: resolveModel(persona.model, config),
        permissions: persona.permissions,
        cwd,
        env: process.env,
        timeoutMs: project.config.runtime.default_timeout_ms,
        graceMs: project.config.runtime.process_grace_ms,
        signal: this.abort.signal,
        outputs: [],
        contracts: [],
        resolvePath: (p) => project.resolvePath(p),
        purpose: 'retrospective',
        onActivity: () => {},
      });
      if (!result.ok) throw new Error(result.error?.message ?? 'the agent failed');
      const text = (result.text ?? result.outputTail).trim();
      if (!text) throw new Error('the agent replied with nothing');
      await store.insights.saveNarrative(runId, personaName, text, new Date().toISOString());
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }
}

function narrativePrompt(pipeline: string, retro: object): string {
  return [
    `Run ${(retro as { run_id: string }).run_id} of pipeline "${pipeline}" has ended. Its retrospective:`,
    '',
    JSON.stringify({ ...retro, narrative: undefined }, null, 2),
    '',
    'Write a short narrative for the team: what happened, where the time went, what failed or was',
    'retried and why, and one or two things to change. Plain prose, no headings; reply with the text only.',
  ].join('\n');
}

/** base-protocol.md, then the persona's prompt (as a step's agent gets them). */
function systemPromptOf(project: Project, promptFile: string | null): string {
  const parts: string[] = [];
  const base = project.personas.baseProtocolFile;
  if (base && existsSync(base)) parts.push(readFileSync(base, 'utf8').trim());
  if (promptFile && existsSync(promptFile)) parts.push(readFileSync(promptFile, 'utf8').trim());
  return parts.join('\n\n---\n\n');
}
