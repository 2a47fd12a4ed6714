import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RunContext } from '../context.js';

/** Where a child run's steps find the artifacts its parent gave it (GOWAVE.md §1, 5b). */
export const INHERITED_DIR = '.agents/artifacts';

/**
 * Copies the parent artifacts given to a child run into a step's workspace, at
 * `.agents/artifacts/<name>`, where the shipped Go Wave child prompts read them.
 */
export function materializeInherited(ctx: RunContext, workspace: string): void {
  const list = ctx.lineage?.inherited ?? [];
  if (list.length === 0) return;
  const dir = join(workspace, INHERITED_DIR);
  mkdirSync(dir, { recursive: true });
  for (const a of list) if (existsSync(a.path)) copyFileSync(a.path, join(dir, a.name));
}
