// The text form of an Explanation (`meshctl explain request`); -o json prints the Explanation itself.
import type { ExplainedMesh, Explanation } from './explanation.ts';

const MESH_NAMES: Readonly<Record<ExplainedMesh, string>> = {
  istio: 'Istio',
  linkerd: 'Linkerd',
  osm: 'Open Service Mesh',
};

export function formatExplanation(answer: Explanation): string {
  const { request } = answer;
  const lines: string[] = [];
  const headers = Object.entries(request.headers ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  lines.push(`request:   ${request.method ?? 'GET'} ${request.path ?? '/'}${headers === '' ? '' : `  (${headers})`}`);
  lines.push(
    answer.source === undefined
      ? 'from:      (unknown source: no --from)'
      : `from:      ${answer.source.workload} (cluster ${answer.source.cluster}, ${answer.source.principal})`,
  );
  lines.push(
    `to:        ${answer.destination.name} (cluster ${answer.destination.cluster}, ${answer.destination.host}, ${MESH_NAMES[answer.mesh]})`,
  );
  lines.push('');
  const route = answer.route;
  if ('error' in route) {
    lines.push(`route:     ${route.error}`);
  } else {
    const object = route.routeObject ?? route.virtualService;
    lines.push(
      object === undefined
        ? `route:     ${route.reason}`
        : `route:     ${object.kind} ${object.namespace ?? ''}/${object.name} in ${object.cluster}${
            route.routeIndex === undefined
              ? ''
              : `, ${object.kind === 'VirtualService' ? 'http' : 'rules'}[${String(route.routeIndex)}]`
          }: ${route.reason}`,
    );
    if (route.trafficPolicies.length > 0) lines.push(`  from:    TrafficPolicy ${route.trafficPolicies.join(', ')}`);
    if (route.timeout !== undefined) lines.push(`  timeout: ${route.timeout}`);
    if (route.retries !== undefined) lines.push(`  retries: ${JSON.stringify(route.retries)}`);
    if (route.fault !== undefined) lines.push(`  fault:   ${JSON.stringify(route.fault)}`);
    if (route.mirror !== undefined) lines.push(`  mirror:  ${JSON.stringify(route.mirror)}`);
    for (const backend of route.backends) {
      const target =
        backend.destination === undefined
          ? 'no Destination'
          : `${backend.destination} (cluster ${backend.cluster ?? '?'}, ${backend.via})`;
      const subset =
        backend.subset === undefined
          ? ''
          : ` subset ${backend.subset}${backend.subsetLabels === undefined ? '' : ` ${JSON.stringify(backend.subsetLabels)}`}`;
      const objectWeight = backend.objectWeight === undefined ? '' : ` (weight ${String(backend.objectWeight)})`;
      lines.push(
        `  backend: ${String(backend.weight).padStart(3)}%  ${backend.host}${
          backend.port === undefined ? '' : `:${String(backend.port)}`
        }${subset}${objectWeight} -> ${target}`,
      );
    }
  }
  const access = answer.access;
  lines.push(`access:    ${access.decision}: ${access.reason}`);
  if (access.allowedBy.length > 0) lines.push(`  by:      AccessPolicy ${access.allowedBy.join(', ')}`);
  if (answer.notes.length > 0) {
    lines.push('');
    for (const note of answer.notes) lines.push(`note: ${note}`);
  }
  return `${lines.join('\n')}\n`;
}
