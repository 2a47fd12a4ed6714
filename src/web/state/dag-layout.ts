export interface DagInput {
  id: string;
  dependencies: readonly string[];
}

export interface DagNode {
  id: string;
  /** Column: the length of the longest dependency chain leading to the step. */
  layer: number;
  /** Position within its column. */
  row: number;
  x: number;
  y: number;
}

export interface DagEdge {
  from: string;
  to: string;
  /** An SVG path from the right edge of `from` to the left edge of `to`. */
  path: string;
}

export interface DagLayout {
  nodes: DagNode[];
  edges: DagEdge[];
  width: number;
  height: number;
}

export interface DagSizes {
  nodeWidth: number;
  nodeHeight: number;
  gapX: number;
  gapY: number;
}

export const DEFAULT_DAG_SIZES: DagSizes = { nodeWidth: 160, nodeHeight: 48, gapX: 48, gapY: 16 };

/**
 * Lays a step graph out left to right: each step one column after its latest dependency,
 * steps in a column ordered near the rows of their dependencies (fewer crossing edges).
 * Unknown dependencies are ignored and a cycle cannot loop (pipelines are validated anyway).
 */
export function layoutDag(steps: readonly DagInput[], sizes: DagSizes = DEFAULT_DAG_SIZES): DagLayout {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const layers = new Map<string, number>();
  const layerOf = (id: string, visiting: Set<string>): number => {
    const known = layers.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0;
    visiting.add(id);
    let layer = 0;
    for (const dep of byId.get(id)?.dependencies ?? []) {
      if (byId.has(dep)) layer = Math.max(layer, layerOf(dep, visiting) + 1);
    }
    visiting.delete(id);
    layers.set(id, layer);
    return layer;
  };
  for (const s of steps) layerOf(s.id, new Set());

  const columns: string[][] = [];
  for (const s of steps) {
    const layer = layers.get(s.id)!;
    const column = columns[layer] ?? [];
    column.push(s.id);
    columns[layer] = column;
  }

  const rows = new Map<string, number>();
  columns.forEach((column, layer) => {
    if (layer > 0) {
      const order = new Map(column.map((id, i) => [id, i]));
      const centre = (id: string) => {
        const deps = (byId.get(id)?.dependencies ?? []).filter((d) => rows.has(d));
        if (deps.length === 0) return order.get(id)!;
        return deps.reduce((sum, d) => sum + rows.get(d)!, 0) / deps.length;
      };
      column.sort((a, b) => centre(a) - centre(b) || order.get(a)! - order.get(b)!);
    }
    column.forEach((id, row) => {
      rows.set(id, row);
    });
  });

  const tallest = Math.max(1, ...columns.map((c) => c?.length ?? 0));
  const pitchX = sizes.nodeWidth + sizes.gapX;
  const pitchY = sizes.nodeHeight + sizes.gapY;
  const nodes: DagNode[] = steps.map((s) => {
    const layer = layers.get(s.id)!;
    const row = rows.get(s.id)!;
    // Shorter columns are centred against the tallest one.
    const offset = ((tallest - (columns[layer]?.length ?? 1)) * pitchY) / 2;
    return { id: s.id, layer, row, x: layer * pitchX, y: offset + row * pitchY };
  });
  const position = new Map(nodes.map((n) => [n.id, n]));
  const edges: DagEdge[] = [];
  for (const s of steps) {
    for (const dep of s.dependencies) {
      const from = position.get(dep);
      const to = position.get(s.id);
      if (!from || !to) continue;
      const x1 = from.x + sizes.nodeWidth;
      const y1 = from.y + sizes.nodeHeight / 2;
      const x2 = to.x;
      const y2 = to.y + sizes.nodeHeight / 2;
      const bend = Math.max(16, (x2 - x1) / 2);
      edges.push({
        from: dep,
        to: s.id,
        path: `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`,
      });
    }
  }
  const width = columns.length ? columns.length * pitchX - sizes.gapX : 0;
  const height = steps.length ? tallest * pitchY - sizes.gapY : 0;
  return { nodes, edges, width, height };
}
