// A campaign's stages as a graph laid out by dagre and drawn as SVG on the server: no script
// needed to read it, and each stage a link to its page.
import dagre from '@dagrejs/dagre';

export interface DagNode {
  id: string;
  label: string;
  state: string;
  /** Lines under the name, e.g. "20/20 located". */
  lines: string[];
  href?: string;
  /** A stage of another campaign. */
  external?: boolean;
}

export interface DagEdge {
  from: string;
  to: string;
  label: string;
}

const W = 170;
const LINE = 16;

export function Dag({ nodes, edges }: { nodes: DagNode[]; edges: DagEdge[] }): JSX.Element {
  if (!nodes.length) return <p>No stages.</p>;
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 70, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  const height = (n: DagNode) => 28 + LINE * n.lines.length;
  for (const n of nodes) g.setNode(n.id, { width: W, height: height(n) });
  for (const e of edges) g.setEdge(e.from, e.to, { width: 90, height: 18, labelpos: 'c' });
  dagre.layout(g);
  const graph = g.graph();
  const width = Math.ceil(graph.width ?? 0);
  const h = Math.ceil(graph.height ?? 0);
  return (
    <div class="scroll">
      <svg
        class="dag"
        viewBox={`0 0 ${width} ${h}`}
        width={String(width)}
        height={String(h)}
        role="img"
        aria-label="stage dependency graph"
      >
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="10"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto"
          >
            <path d="M0,0 L10,5 L0,10 z" />
          </marker>
        </defs>
        {edges.map((e) => {
          const pts = g.edge(e.from, e.to)?.points ?? [];
          const d = pts
            .map(
              (p: { x: number; y: number }, i: number) =>
                `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`,
            )
            .join(' ');
          const mid = g.edge(e.from, e.to);
          return (
            <g class="edge">
              <path d={d} marker-end="url(#arrow)" />
              <text x={String(mid?.x ?? 0)} y={String((mid?.y ?? 0) + 4)} text-anchor="middle" safe>
                {e.label}
              </text>
            </g>
          );
        })}
        {nodes.map((n) => {
          const p = g.node(n.id);
          const x = p.x - W / 2;
          const y = p.y - height(n) / 2;
          const box = (
            <g
              class={`node st-${n.state.replace(/[^a-z-]/g, '')}${n.external ? ' external' : ''}`}
              data-stage={n.id}
            >
              <rect
                x={String(x)}
                y={String(y)}
                width={String(W)}
                height={String(height(n))}
                rx="6"
              />
              <text class="name" x={String(x + 8)} y={String(y + 18)} safe>
                {n.label}
              </text>
              <text class="badge" x={String(x + W - 8)} y={String(y + 18)} text-anchor="end" safe>
                {n.state}
              </text>
              {n.lines.map((l, i) => (
                <text x={String(x + 8)} y={String(y + 36 + i * LINE)} safe>
                  {l}
                </text>
              ))}
            </g>
          );
          return n.href ? <a href={n.href}>{box}</a> : box;
        })}
      </svg>
    </div>
  );
}
