import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseDuration } from '../../pipeline/duration.js';
import type { ArtifactSpec, ContractSpec } from '../../pipeline/model.js';
import { formatKind } from '../contracts/format.js';
import { OutputTail } from './common.js';
import { formatSample } from './mock-format.js';
import { mockVerdict } from './mock-verdict.js';
import { sampleFromSchema } from './sample-json.js';
import type { Adapter, AdapterRequest, AdapterResult } from './types.js';

/** A file the mock writes: where (relative to the workspace), as what, under which contract. */
interface Planned {
  path: string;
  type: ArtifactSpec['type'];
  title: string;
  contract: ContractSpec | null;
}

/**
 * The built-in `mock` adapter: spawns nothing and needs nothing installed. It writes every
 * declared output file (and every file a contract names) with content that satisfies the
 * contract where one is declared, so pipelines can be exercised end to end without an agent.
 */
export const mockAdapter: Adapter = { run: runMock };

async function runMock(req: AdapterRequest): Promise<AdapterResult> {
  const tail = new OutputTail();
  const say = (stream: 'agent' | 'tool', content: string) => {
    tail.push(content);
    req.onActivity(stream, content);
  };
  const cancelled = (): AdapterResult => ({
    ok: false,
    error: { code: 'cancelled', message: 'mock agent was cancelled' },
    usage: null,
    outputTail: tail.text(),
  });

  if (req.signal.aborted) return cancelled();
  say('agent', `mock agent: received prompt (${req.prompt.length} chars)`);
  const thinkMs = parseDuration(req.config.think_time ?? 0) ?? 0;
  if (thinkMs > 0) {
    const thought = await sleep(thinkMs, true, { signal: req.signal }).catch(() => false);
    if (!thought) return cancelled();
  }
  if (req.purpose === 'agent_review' || req.purpose === 'llm_judge') {
    const text = mockVerdict(req.purpose, req.prompt);
    say('agent', text);
    return {
      ok: true,
      error: null,
      usage: { tokens_in: 0, tokens_out: 0, cost_usd: 0 },
      outputTail: tail.text(),
      text,
    };
  }
  if (req.purpose === 'retrospective') {
    const text = `Mock retrospective: ${req.prompt.split('\n')[0] ?? ''}`;
    say('agent', text);
    return {
      ok: true,
      error: null,
      usage: { tokens_in: 0, tokens_out: 0, cost_usd: 0 },
      outputTail: tail.text(),
      text,
    };
  }
  for (const file of planFiles(req.outputs, req.contracts, req.cwd)) {
    if (req.signal.aborted) return cancelled();
    say('agent', `mock agent: writing ${file.path}`);
    say('tool', `Write ${file.path}`);
    const full = resolve(req.cwd, file.path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, await content(file, req));
  }
  say('agent', 'mock agent: done');
  return {
    ok: true,
    error: null,
    usage: { tokens_in: 0, tokens_out: 0, cost_usd: 0 },
    outputTail: tail.text(),
  };
}

/** Declared file outputs, then contract sources no output declares; each with its contract. */
function planFiles(outputs: ArtifactSpec[], contracts: ContractSpec[], cwd: string): Planned[] {
  const key = (p: string) => resolve(cwd, p);
  // Go Wave's default: a contract without `source` checks the first output artifact.
  const defaultSource = outputs[0]?.path;
  const sourceOf = (c: ContractSpec) => c.source ?? defaultSource;
  // A schema decides the content more than required headings do.
  const shaping = [
    ...contracts.filter((c) => c.type === 'json_schema'),
    ...contracts.filter((c) => c.type === 'markdown_spec'),
    ...contracts.filter((c) => c.type === 'format'),
  ];
  const contractFor = (path: string) =>
    shaping.find((c) => {
      const source = sourceOf(c);
      return source !== undefined && key(source) === key(path);
    }) ?? null;

  const planned = new Map<string, Planned>();
  for (const o of outputs) {
    if (o.source !== 'file' || planned.has(key(o.path))) continue;
    planned.set(key(o.path), { path: o.path, type: o.type, title: o.name, contract: contractFor(o.path) });
  }
  for (const c of contracts) {
    const source = c.type === 'test_suite' ? undefined : sourceOf(c);
    if (source === undefined || planned.has(key(source))) continue;
    const type =
      c.type === 'json_schema' || c.type === 'format'
        ? 'json'
        : c.type === 'markdown_spec'
          ? 'markdown'
          : guessType(source);
    const title = basename(source, extname(source));
    planned.set(key(source), { path: source, type, title, contract: contractFor(source) });
  }
  return [...planned.values()];
}

async function content(file: Planned, req: AdapterRequest): Promise<string> {
  const contract = file.contract;
  if (contract?.type === 'json_schema') {
    const schema = await loadSchema(contract, req);
    return `${JSON.stringify(schema ? sampleFromSchema(schema) : { mock: true }, null, 2)}\n`;
  }
  if (contract?.type === 'markdown_spec') return markdown(file.title, contract.requiredSections);
  if (contract?.type === 'format')
    return `${JSON.stringify(formatSample(formatKind(contract.schemaPath)), null, 2)}\n`;
  switch (file.type) {
    case 'json':
      return `${JSON.stringify({ mock: true, artifact: file.title }, null, 2)}\n`;
    case 'markdown':
      return markdown(file.title, []);
    default:
      return `mock output for ${file.title}\n`;
  }
}

/** A schema that cannot be read is left for the contract check to report. */
async function loadSchema(contract: ContractSpec, req: AdapterRequest): Promise<unknown> {
  if (contract.schema) return contract.schema;
  if (!contract.schemaPath) return null;
  try {
    return JSON.parse(await readFile(req.resolvePath(contract.schemaPath), 'utf8'));
  } catch {
    return null;
  }
}

function markdown(title: string, sections: string[]): string {
  const body = sections.map((s) => {
    const heading = s.trimStart().startsWith('#') ? s.trim() : `## ${s.trim()}`;
    return `${heading}\n\nMock content for ${heading.replace(/^#+\s*/, '')}.\n`;
  });
  return [`# ${title}\n\nWritten by the mock adapter.\n`, ...body].join('\n');
}

function guessType(path: string): ArtifactSpec['type'] {
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.md' || ext === '.markdown') return 'markdown';
  return 'text';
}
