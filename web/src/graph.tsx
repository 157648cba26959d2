// The service graph: one band per cluster, callers on the left of each band and Destinations on the
// right; edges coloured by success rate, their rates shown on hover and on keyboard focus. A table
// below says the same for screen readers.
import { useState } from 'react';
import type { Graph, GraphEdge, GraphNode } from '../../src/dashboard/api-schema.ts';
import { ms, percent, rate, useApi } from './api.ts';
import { MetricsNote, Show } from './parts.tsx';

const BAND_WIDTH = 420;
const ROW = 44;
const TOP = 56;

function tone(edge: GraphEdge): 'good' | 'warn' | 'bad' | 'none' {
  const success = edge.stats.successRate;
  if (success === null) return 'none';
  if (success >= 0.99) return 'good';
  if (success >= 0.95) return 'warn';
  return 'bad';
}

function layout(nodes: readonly GraphNode[]): {
  positions: Map<string, { x: number; y: number }>;
  clusters: string[];
  height: number;
} {
  const clusters = [...new Set(nodes.map((n) => (n.kind === 'Outside' ? '' : n.cluster)))].sort();
  const positions = new Map<string, { x: number; y: number }>();
  let height = 0;
  clusters.forEach((cluster, band) => {
    const inBand = nodes.filter((n) => (n.kind === 'Outside' ? '' : n.cluster) === cluster);
    const callers = inBand.filter((n) => n.kind !== 'Destination');
    const targets = inBand.filter((n) => n.kind === 'Destination');
    callers.forEach((n, i) => positions.set(n.id, { x: band * BAND_WIDTH + 20, y: TOP + i * ROW }));
    targets.forEach((n, i) => positions.set(n.id, { x: band * BAND_WIDTH + 230, y: TOP + i * ROW }));
    height = Math.max(height, TOP + Math.max(callers.length, targets.length) * ROW);
  });
  return { positions, clusters, height: height + 20 };
}

function edgeText(edge: GraphEdge, nodes: Map<string, GraphNode>): string {
  const from = nodes.get(edge.from)?.name ?? edge.from;
  const to = nodes.get(edge.to)?.name ?? edge.to;
  return `${from} → ${to}${edge.crossCluster ? ' (cross-cluster)' : ''}: ${rate(edge.stats.rps)}, ${percent(edge.stats.successRate)} success, p99 ${ms(edge.stats.p99Ms)}`;
}

export function GraphPage(props: { revision: number }) {
  const loaded = useApi<Graph>('/api/graph', props.revision);
  const [focused, setFocused] = useState<string | undefined>(undefined);
  return (
    <>
      <h1>Service graph</h1>
      <Show loaded={loaded}>
        {(graph) => {
          const byId = new Map(graph.nodes.map((n) => [n.id, n]));
          const { positions, clusters, height } = layout(graph.nodes);
          const width = Math.max(1, clusters.length) * BAND_WIDTH;
          const focusedEdge = graph.edges.find((e) => `${e.from}>${e.to}` === focused);
          return (
            <>
              <MetricsNote metrics={graph.metrics} />
              <p className="legend">
                Edges: <span className="swatch edge-good">≥ 99 % success</span>{' '}
                <span className="swatch edge-warn">≥ 95 %</span> <span className="swatch edge-bad">below 95 %</span>{' '}
                <span className="swatch edge-none">no responses</span>. Hover or focus an edge (Tab) for its rates.
              </p>
              <p role="status" aria-live="polite" className="edge-focus">
                {focusedEdge === undefined ? '' : edgeText(focusedEdge, byId)}
              </p>
              <div className="graph-scroll">
                <svg
                  width={width}
                  height={height}
                  viewBox={`0 0 ${String(width)} ${String(height)}`}
                  role="group"
                  aria-label={`Service graph of ${String(graph.nodes.length)} nodes and ${String(graph.edges.length)} edges`}
                >
                  {clusters.map((cluster, band) => (
                    <g key={cluster || 'outside'}>
                      <rect
                        x={band * BAND_WIDTH + 4}
                        y={4}
                        width={BAND_WIDTH - 8}
                        height={height - 8}
                        className="band"
                        rx={8}
                      />
                      <text x={band * BAND_WIDTH + 16} y={30} className="band-label">
                        {cluster === '' ? 'outside the estate' : `cluster ${cluster}`}
                      </text>
                    </g>
                  ))}
                  {graph.edges.map((edge) => {
                    const from = positions.get(edge.from);
                    const to = positions.get(edge.to);
                    if (from === undefined || to === undefined) return null;
                    const key = `${edge.from}>${edge.to}`;
                    const x1 = from.x + 170;
                    const y1 = from.y + 14;
                    const x2 = to.x;
                    const y2 = to.y + 14;
                    const mid = (x1 + x2) / 2;
                    const curve = `M${String(x1)},${String(y1)} C${String(mid)},${String(y1)} ${String(mid)},${String(y2)} ${String(x2)},${String(y2)}`;
                    return (
                      <g
                        key={key}
                        className={`edge edge-${tone(edge)}${focused === key ? ' edge-focused' : ''}`}
                        tabIndex={0}
                        role="img"
                        aria-label={edgeText(edge, byId)}
                        onFocus={() => {
                          setFocused(key);
                        }}
                        onBlur={() => {
                          setFocused(undefined);
                        }}
                        onMouseEnter={() => {
                          setFocused(key);
                        }}
                        onMouseLeave={() => {
                          setFocused(undefined);
                        }}
                      >
                        <title>{edgeText(edge, byId)}</title>
                        {/* A wide transparent stroke under the line: easier to hover. */}
                        <path className="hit" d={curve} />
                        <path d={curve} />
                      </g>
                    );
                  })}
                  {graph.nodes.map((node) => {
                    const at = positions.get(node.id);
                    if (at === undefined) return null;
                    return (
                      <g key={node.id} className={`node node-${node.kind.toLowerCase()}`} data-node={node.id}>
                        <rect x={at.x} y={at.y} width={170} height={28} rx={6} />
                        <text x={at.x + 8} y={at.y + 19}>
                          {node.name.length > 22 ? `${node.name.slice(0, 21)}…` : node.name}
                        </text>
                        <title>{`${node.kind} ${node.id}${node.mesh === '' ? '' : ` in ${node.mesh}`}`}</title>
                      </g>
                    );
                  })}
                </svg>
              </div>
              {graph.truncated && <p className="note">Only the busiest part of the graph is shown.</p>}
              <details>
                <summary>Edges as a table</summary>
                <table>
                  <caption className="visually-hidden">Edges of the service graph</caption>
                  <thead>
                    <tr>
                      <th scope="col">From</th>
                      <th scope="col">To</th>
                      <th scope="col">Requests</th>
                      <th scope="col">Success</th>
                      <th scope="col">p99</th>
                    </tr>
                  </thead>
                  <tbody>
                    {graph.edges.map((e) => (
                      <tr key={`${e.from}>${e.to}`}>
                        <td>{byId.get(e.from)?.name ?? e.from}</td>
                        <td>{byId.get(e.to)?.name ?? e.to}</td>
                        <td>{rate(e.stats.rps)}</td>
                        <td>{percent(e.stats.successRate)}</td>
                        <td>{ms(e.stats.p99Ms)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </details>
            </>
          );
        }}
      </Show>
    </>
  );
}
