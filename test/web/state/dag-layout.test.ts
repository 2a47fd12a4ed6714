import { describe, expect, it } from 'vitest';
import { DEFAULT_DAG_SIZES, layoutDag } from '../../../src/web/state/dag-layout.js';

describe('layoutDag', () => {
  it('puts each step one column after its latest dependency', () => {
    const layout = layoutDag([
      { id: 'lint', dependencies: [] },
      { id: 'test', dependencies: [] },
      { id: 'build', dependencies: ['lint', 'test'] },
      { id: 'ask', dependencies: ['build'] },
      { id: 'release', dependencies: ['ask', 'lint'] },
    ]);
    const at = Object.fromEntries(layout.nodes.map((n) => [n.id, [n.layer, n.row]]));
    expect(at).toEqual({ lint: [0, 0], test: [0, 1], build: [1, 0], ask: [2, 0], release: [3, 0] });
    expect(layout.edges.map((e) => `${e.from}->${e.to}`)).toEqual([
      'lint->build',
      'test->build',
      'build->ask',
      'ask->release',
      'lint->release',
    ]);
    const { nodeWidth, gapX, nodeHeight, gapY } = DEFAULT_DAG_SIZES;
    expect(layout.width).toBe(4 * (nodeWidth + gapX) - gapX);
    expect(layout.height).toBe(2 * (nodeHeight + gapY) - gapY);
  });

  it('centres a short column against the tallest and draws edges between box sides', () => {
    const { nodeWidth, nodeHeight, gapY } = DEFAULT_DAG_SIZES;
    const layout = layoutDag([
      { id: 'a', dependencies: [] },
      { id: 'b', dependencies: [] },
      { id: 'c', dependencies: ['a', 'b'] },
    ]);
    const c = layout.nodes.find((n) => n.id === 'c')!;
    expect(c.y).toBe((nodeHeight + gapY) / 2);
    const edge = layout.edges.find((e) => e.from === 'a')!;
    expect(edge.path.startsWith(`M${nodeWidth},${nodeHeight / 2} `)).toBe(true);
  });

  it('orders a column near the rows of its dependencies', () => {
    const layout = layoutDag([
      { id: 'top', dependencies: [] },
      { id: 'bottom', dependencies: [] },
      { id: 'after-bottom', dependencies: ['bottom'] },
      { id: 'after-top', dependencies: ['top'] },
    ]);
    const row = (id: string) => layout.nodes.find((n) => n.id === id)!.row;
    expect(row('after-top')).toBe(0);
    expect(row('after-bottom')).toBe(1);
  });

  it('survives unknown dependencies, cycles and an empty pipeline', () => {
    const layout = layoutDag([
      { id: 'a', dependencies: ['ghost', 'b'] },
      { id: 'b', dependencies: ['a'] },
    ]);
    expect(layout.nodes).toHaveLength(2);
    expect(layoutDag([])).toEqual({ nodes: [], edges: [], width: 0, height: 0 });
  });
});
