import { userInfo } from 'node:os';
import type { Project } from '../config/load-project.js';
import { silentLogger } from '../logger.js';
import { createContext, type WaveContext } from '../service/context.js';
import type { CliIO } from './io.js';
import { openProject, type ProjectFlags } from './options.js';

/** The name recorded as the actor of what a local command does. */
export function localActor(io: CliIO): string {
  try {
    return io.env.USER ?? io.env.USERNAME ?? userInfo().username;
  } catch {
    return 'cli';
  }
}

/** Opens the project and its store for one command, and closes them after. */
export async function withLocalContext<T>(
  io: CliIO,
  flags: ProjectFlags,
  fn: (ctx: WaveContext, project: Project) => Promise<T>,
): Promise<T> {
  const project = openProject(io, flags);
  const ctx = await createContext(project, silentLogger);
  try {
    return await fn(ctx, project);
  } finally {
    await ctx.close();
  }
}
