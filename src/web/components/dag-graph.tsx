import { useMemo } from 'preact/hooks';
import { DEFAULT_DAG_SIZES, layoutDag } from '../state/dag-layout.js';

export interface DagStep {
  id: string;
  kind: string;
  dependencies: readonly string[];
  status?: string;
}

const { nodeWidth: W, nodeHeight: H } = DEFAULT_DAG_SIZES;
const MAX_LABEL = 18;
const PAD = 4;

const shorten = (text: string) => (text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL - 1)}…` : text);

/**
 * The step graph as an SVG drawing, left to right. Each box names the step and says its status
 * (or kind) in words; the same facts are in the step list next to it for screen readers.
 */
export function DagGraph({ steps, label }: { steps: readonly DagStep[]; label: string }) {
  const layout = useMemo(() => layoutDag(steps), [steps]);
  const byId = new Map(steps.map((s) => [s.id, s]));
  if (steps.length === 0) return <p class="muted">No steps.</p>;
  const width = layout.width + PAD * 2;
  const height = layout.height + PAD * 2;
  return (
    <div class="dag-scroll">
      <svg
        class="dag"
        role="img"
        aria-label={label}
        viewBox={`${-PAD} ${-PAD} ${width} ${height}`}
        width={width}
        height={height}
      >
        <defs>
          <marker
            id="dag-arrow"
            viewBox="0 0 8 8"
            refX="7"
            refY="4"
            markerWidth="7"
            markerHeight="7"
            orient="auto"
          >
            <path d="M0,0 L8,4 L0,8 z" class="dag-arrowhead" />
          </marker>
        </defs>
        {layout.edges.map((e) => (
          <path key={`${e.from}->${e.to}`} d={e.path} class="dag-edge" marker-end="url(#dag-arrow)" />
        ))}
        {layout.nodes.map((n) => {
          const step = byId.get(n.id)!;
          const state = step.status ?? step.kind;
          return (
            <g
              key={n.id}
              class={`dag-node ${step.status ? `status-${step.status}` : ''}`}
              transform={`translate(${n.x},${n.y})`}
              data-step={n.id}
            >
              <title>{`${n.id}: ${state}`}</title>
              <rect width={W} height={H} rx="6" />
              <text x="10" y="20" class="dag-node-id">
                {shorten(n.id)}
              </text>
              <text x="10" y="38" class="dag-node-state">
                {step.status ? `${step.status} · ${step.kind}` : step.kind}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
