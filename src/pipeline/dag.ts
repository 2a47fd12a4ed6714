import type { StepSpec } from './model.js';

/**
 * The step graph's checks, in time and memory linear in the number of steps and dependencies
 * (a 5,000-step chain must validate in well under a second: no recursion as deep as the
 * chain, no ancestor set per step).
 */

/** A dependency cycle as step ids, each depending on the next, the first repeated at the end; or null. */
export function findCycle(steps: readonly StepSpec[], index: ReadonlyMap<string, number>): string[] | null {
  const state = new Map<string, 1 | 2>();
  for (const root of steps) {
    if (state.has(root.id)) continue;
    // An explicit stack: [step id, next dependency to look at]; the ids on it form the path.
    const stack: [string, number][] = [[root.id, 0]];
    const onPath: string[] = [root.id];
    state.set(root.id, 1);
    while (stack.length) {
      const frame = stack[stack.length - 1]!;
      const deps = steps[index.get(frame[0])!]!.dependencies;
      if (frame[1] >= deps.length) {
        stack.pop();
        onPath.pop();
        state.set(frame[0], 2);
        continue;
      }
      const dep = deps[frame[1]++]!;
      if (!index.has(dep)) continue;
      const s = state.get(dep);
      if (s === 1) return [...onPath.slice(onPath.indexOf(dep)), dep];
      if (s === undefined) {
        state.set(dep, 1);
        stack.push([dep, 0]);
        onPath.push(dep);
      }
    }
  }
  return null;
}

/**
 * "Does step A depend on step B, directly or not?" for the steps B that a check can ask about
 * (gates, sources of injected artifacts): one bit per such step and per step, filled in
 * dependency order. Requires an acyclic graph.
 */
export class Ancestry {
  private readonly bitOf = new Map<string, number>();
  private readonly targets: string[];
  private readonly words: number;
  private readonly bits: Uint32Array;

  constructor(
    steps: readonly StepSpec[],
    private readonly index: ReadonlyMap<string, number>,
    targets: Iterable<string>,
  ) {
    this.targets = [...new Set(targets)].filter((t) => index.has(t));
    for (const [i, t] of this.targets.entries()) this.bitOf.set(t, i);
    this.words = Math.ceil(this.targets.length / 32);
    this.bits = new Uint32Array(steps.length * this.words);
    if (this.words === 0) return;
    for (const i of topologicalOrder(steps, index)) {
      const row = i * this.words;
      for (const dep of steps[i]!.dependencies) {
        const j = index.get(dep);
        if (j === undefined) continue;
        const from = j * this.words;
        for (let w = 0; w < this.words; w++) this.bits[row + w]! |= this.bits[from + w]!;
        const b = this.bitOf.get(dep);
        if (b !== undefined) this.bits[row + (b >>> 5)]! |= 1 << (b & 31);
      }
    }
  }

  /** Whether `step` depends on `ancestor` (one of the targets given), directly or transitively. */
  has(step: string, ancestor: string): boolean {
    const i = this.index.get(step);
    const b = this.bitOf.get(ancestor);
    if (i === undefined || b === undefined) return false;
    return (this.bits[i * this.words + (b >>> 5)]! & (1 << (b & 31))) !== 0;
  }

  /** The targets that `step` depends on and that `keep` accepts, in target order. */
  ancestorsOf(step: string, keep: (id: string) => boolean = () => true): string[] {
    return this.targets.filter((t) => keep(t) && this.has(step, t));
  }
}

/** Step indexes, each after every step it depends on (Kahn's algorithm; acyclic graphs only). */
function topologicalOrder(steps: readonly StepSpec[], index: ReadonlyMap<string, number>): number[] {
  const waiting = new Array<number>(steps.length).fill(0);
  const dependents: number[][] = steps.map(() => []);
  steps.forEach((step, i) => {
    for (const dep of step.dependencies) {
      const j = index.get(dep);
      if (j === undefined) continue;
      waiting[i]!++;
      dependents[j]!.push(i);
    }
  });
  const order: number[] = [];
  steps.forEach((_, i) => {
    if (waiting[i] === 0) order.push(i);
  });
  for (let k = 0; k < order.length; k++) {
    for (const d of dependents[order[k]!]!) if (--waiting[d]! === 0) order.push(d);
  }
  return order;
}
