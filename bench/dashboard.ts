// The dashboard API's response time for the Destinations page at 10,000 Destinations: the estate
// generator's estate (DESIGN.md §5) rendered by the pure core, its management objects (Destinations,
// Workloads, policies with their statuses) served by the real dashboard server over HTTP on loopback,
// then timed requests of the first page, a searched page, a filtered page and a deep page.
import { cpus, totalmem } from 'node:os';
import type { KubeObject } from '../src/api/meta.ts';
import { SEE_ALL } from '../src/dashboard/estate-view.ts';
import { LOCAL_ACCESS } from '../src/dashboard/access.ts';
import { EstateIndex, type EstateObjects } from '../src/dashboard/estate-view.ts';
import type { EstateReader } from '../src/dashboard/estate-source.ts';
import { startDashboard } from '../src/dashboard/server.ts';
import { render } from '../src/pipeline/render.ts';
import { DESIGN_ESTATE, generateEstate } from './estate.ts';

const requests = Number(process.argv[process.argv.indexOf('--requests') + 1]) || 200;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

const rendered = render(generateEstate(DESIGN_ESTATE)).mgmt;
const of = (kind: string): KubeObject[] => rendered.filter((o) => o.kind === kind);
const objects: EstateObjects = {
  clusters: of('KubernetesCluster'),
  meshes: of('Mesh'),
  workloads: of('Workload'),
  destinations: of('Destination'),
  trafficPolicies: of('TrafficPolicy'),
  accessPolicies: of('AccessPolicy'),
  virtualMeshes: of('VirtualMesh'),
};
const indexStart = performance.now();
const index = new EstateIndex(objects, 1);
const indexMs = performance.now() - indexStart;
const reader: EstateReader = {
  installNamespace: 'gloo-mesh',
  revision: 1,
  synced: () => true,
  health: () => ({}),
  index: () => index,
  onChange: () => () => undefined,
  since: () => new Date(0).toISOString(),
  outputs: () => Promise.resolve([]),
};
const dashboard = await startDashboard({
  source: reader,
  access: LOCAL_ACCESS,
  host: '127.0.0.1',
  port: 0,
  version: 'bench',
});
const first = index.destinationPage(
  { search: '', cluster: '', mesh: '', state: '', sort: 'name', offset: 0, limit: 100 },
  SEE_ALL,
  undefined,
  { available: false, windowSeconds: 300, clusters: [] },
);

const cases: [string, string][] = [
  ['first page (100 rows)', '/api/destinations?limit=100'],
  ['search "svc-1"', '/api/destinations?limit=100&search=svc-1'],
  ['one cluster', '/api/destinations?limit=100&cluster=cluster-7'],
  ['page 50 (offset 5,000)', '/api/destinations?limit=100&offset=5000'],
];
console.log(
  `dashboard API: ${String(first.total)} Destinations, ${String(objects.workloads.length)} Workloads, ${String(objects.trafficPolicies.length + objects.accessPolicies.length)} policies; index built in ${indexMs.toFixed(0)} ms`,
);
console.log(`machine: ${String(cpus().length)} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB`);
for (const [name, path] of cases) {
  const url = new URL(path, dashboard.url).href;
  for (let i = 0; i < 10; i++) await (await fetch(url)).arrayBuffer(); // warm-up
  const times: number[] = [];
  let bytes = 0;
  let total = 0;
  for (let i = 0; i < requests; i++) {
    const start = performance.now();
    const response = await fetch(url);
    const body = await response.arrayBuffer();
    bytes = body.byteLength;
    total = (JSON.parse(Buffer.from(body).toString('utf8')) as { total: number }).total;
    times.push(performance.now() - start);
    if (response.status !== 200) throw new Error(`${path}: ${String(response.status)}`);
  }
  times.sort((a, b) => a - b);
  console.log(
    `  ${name.padEnd(26)} median ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms (${String(total)} match; ${String(requests)} requests, ${String(bytes)} bytes)`,
  );
}
await dashboard.stop();
