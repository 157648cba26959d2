// The dashboard in headless Chromium on real clusters of its own (mgmt, cluster-1, cluster-2): Mesh
// Hub's management plane runs over bookinfo with an accepted and a rejected policy and one registered
// cluster that never answers; the dashboard serves it with token checks. Each page renders the estate
// and passes axe-core without serious or critical violations; a policy applied with the client shows
// up on an open page without a reload; a user who may read one namespace sees only that namespace.
// Traffic is real telemetry: the project's traffic generator serves bookinfo's Istio metrics, a real
// Prometheus per workload cluster scrapes it, and the management plane's metrics provider reads each
// through the cluster's metrics.meshhub.dev/prometheus-url annotation; figures are checked against
// the generator's plan within a tolerance.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import type { KubeObject } from '../../src/api/meta.ts';
import { generateIntermediateRequest } from '../../src/certs/crypto.ts';
import { bytesToPem, pemToBytes } from '../../src/certs/phases.ts';
import { install } from '../../src/cli/commands/install.ts';
import { NAMED_SCHEMAS } from '../../src/dashboard/api-schema.ts';
import { startInClusterDashboard } from '../../src/dashboard/in-cluster.ts';
import { ROUTES } from '../../src/dashboard/openapi.ts';
import type { RunningDashboard } from '../../src/dashboard/server.ts';
import { EXAMPLES_DIR, loadEstateCluster } from '../../src/demo/estate.ts';
import { DEFAULT_IMAGE } from '../../src/install/manifests.ts';
import { clientFromKubeconfigFile, type KubeClient } from '../../src/kube/client.ts';
import { kubeconfigSecret, registerCluster, registrationKubeconfig } from '../../src/kube/registration.ts';
import {
  CERTIFICATE_REQUEST,
  DESTINATION,
  ISSUED_CERTIFICATE,
  MESH_HUB_TYPES,
  WORKLOAD,
} from '../../src/kube/resources.ts';
import { setClusterPrometheusUrl } from '../../src/metrics/cluster-metrics-url.ts';
import { DEMO_TRAFFIC, type TrafficFlow } from '../../src/metrics/demo-traffic.ts';
import type { MetricsProvider } from '../../src/metrics/model.ts';
import { startPrometheus, type PrometheusServer } from '../../src/metrics/prometheus-server.ts';
import { createMetricsProvider, type CachingMetricsProvider } from '../../src/metrics/provider.ts';
import { metricsPath } from '../../src/metrics/traffic-generator.ts';
import type { Controller } from '../../src/reconcile/controller.ts';

import { startTestEnv, stopTestEnv, type TestEnvState } from '../../src/testenv/launcher.ts';
import { waitFor } from '../testenv/helpers.ts';
import { bookinfoPolicies, oneNamespaceViewerToken, startManagementPlane } from './estate-setup.ts';
import {
  ensureWebBuilt,
  launchChromium,
  pageWithToken,
  screenshot,
  seriousViolations,
  webRoot,
  type Browser,
} from './support.ts';

const NS = 'gloo-mesh';
const TEAM = 'team-a';
const TRAFFIC_POLICY = MESH_HUB_TYPES.find((t) => t.kind === 'TrafficPolicy');

let env: TestEnvState | undefined;
let workDir = '';
let mgmt: KubeClient;
let controller: Controller | undefined;
let dashboard: RunningDashboard | undefined;
let browser: Browser | undefined;
let adminToken = '';
let teamToken = '';

const WORKLOAD_CLUSTERS = ['cluster-1', 'cluster-2'] as const;
/**
 * The window every figure is computed over. Prometheus here has scraped for a minute or two, not the
 * dashboard's default 5 minutes, and rate() over a window longer than what it holds under-reads;
 * so the pages' provider asks for this window whatever window they ask for.
 */
const WINDOW_SECONDS = 30;
/** Every 2 s, with as long a timeout: a 1 s scrape fails now and then on a loaded 2-core machine. */
const SCRAPE_INTERVAL_SECONDS = 2;
/** Relative tolerance of rates: Prometheus extrapolates rate() at the window's edges. */
const RATE_TOLERANCE = 0.12;
let generator: ChildProcess | undefined;
const prometheus = new Map<string, PrometheusServer>();

/** What the generator's plan adds up to for the flows `select` picks. */
function planned(select: (flow: TrafficFlow) => boolean): { rps: number; successRate: number } {
  const flows = DEMO_TRAFFIC.filter(select);
  const rps = flows.reduce((sum, flow) => sum + flow.rps, 0);
  const ok = flows.reduce((sum, flow) => sum + flow.rps * (1 - flow.errorShare), 0);
  return { rps, successRate: ok / rps };
}

/** A rate and success as the pages print them (`8.00/s`, `100.0 %`) against the plan. */
function assertShown(
  what: string,
  rpsText: string | undefined,
  successText: string | undefined,
  want: { rps: number; successRate: number },
): void {
  const rps = Number(/([\d.]+)\/s/.exec(rpsText ?? '')?.[1]);
  const success = Number(/([\d.]+) %/.exec(successText ?? '')?.[1]) / 100;
  assert.ok(
    Math.abs(rps - want.rps) <= want.rps * RATE_TOLERANCE + 0.01,
    `${what}: ${String(rpsText)}, planned ${String(want.rps)}/s`,
  );
  assert.ok(
    Math.abs(success - want.successRate) <= 0.03,
    `${what}: ${String(successText)}, planned ${String(want.successRate)}`,
  );
}

/**
 * The traffic generator in a process of its own (this one's event loop is busy with the management
 * plane and the dashboard, and a late answer is a failed scrape), and one Prometheus per workload
 * cluster scraping that cluster's metrics.
 */
async function startTraffic(): Promise<void> {
  const main = join(import.meta.dirname, '..', '..', 'src', 'metrics', 'traffic-generator-main.ts');
  const child = spawn(process.execPath, [main], { stdio: ['ignore', 'pipe', 'inherit'] });
  generator = child;
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const line = text.split('\n');
      if (line.length > 1) resolve(line[0] ?? '');
    });
    child.once('exit', (code) => {
      reject(new Error(`the traffic generator exited with ${String(code)}`));
    });
  });
  await Promise.all(
    WORKLOAD_CLUSTERS.map(async (cluster) => {
      const targets = [{ url, path: metricsPath(cluster) }];
      const server = await startPrometheus({ name: cluster, targets, scrapeIntervalSeconds: SCRAPE_INTERVAL_SECONDS });
      prometheus.set(cluster, server);
    }),
  );
}

/** Whether every scrape of the last window succeeded, and the window holds all of them. */
async function scrapedThroughout(url: string): Promise<boolean> {
  const range = `[${String(WINDOW_SECONDS)}s]`;
  const query = encodeURIComponent(`min(count_over_time(up${range}) * min_over_time(up${range}))`);
  const response = await fetch(`${url}/api/v1/query?query=${query}`, { signal: AbortSignal.timeout(5000) });
  const body = (await response.json()) as { data?: { result?: { value?: [number, string] }[] } };
  return Number(body.data?.result?.[0]?.value?.[1] ?? 0) >= WINDOW_SECONDS / SCRAPE_INTERVAL_SECONDS - 1;
}

function ghostMirror(): KubeObject {
  return {
    apiVersion: 'networking.mesh.gloo.solo.io/v1',
    kind: 'TrafficPolicy',
    metadata: { name: 'ghost-mirror', namespace: NS },
    spec: {
      destinationSelector: [
        { kubeServiceRefs: { services: [{ name: 'details', namespace: 'bookinfo', clusterName: 'cluster-1' }] } },
      ],
      policy: {
        mirror: { kubeService: { name: 'ghost', namespace: 'bookinfo', clusterName: 'cluster-1' }, percentage: 10 },
      },
    },
  };
}

function timeoutPolicy(name: string, namespace: string): KubeObject {
  return {
    apiVersion: 'networking.mesh.gloo.solo.io/v1',
    kind: 'TrafficPolicy',
    metadata: { name, namespace },
    spec: {
      destinationSelector: [
        { kubeServiceRefs: { services: [{ name: 'details', namespace: 'bookinfo', clusterName: 'cluster-1' }] } },
      ],
      policy: { requestTimeout: '3s' },
    },
  };
}

async function api(path: string, token?: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(new URL(path, dashboard?.url), {
    headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
  });
  return { status: response.status, body: await response.json() };
}

async function expectAccessible(page: import('playwright-core').Page, name: string): Promise<void> {
  const violations = await seriousViolations(page);
  assert.deepEqual(
    violations.map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    [],
    `axe on ${name}`,
  );
  await screenshot(page, name);
}

describe('the dashboard in Chromium', { timeout: 600_000 }, () => {
  before(async () => {
    ensureWebBuilt();
    workDir = mkdtempSync(join(tmpdir(), 'mesh-hub-dashboard-'));
    // Prometheus starts scraping while the clusters come up, so its window is full by the first page.
    const [started, traffic] = await Promise.allSettled([
      startTestEnv({ stateDir: join(workDir, 'env'), clusters: ['mgmt', 'cluster-1', 'cluster-2'] }),
      startTraffic(),
    ]);
    if (started.status === 'rejected') throw started.reason;
    env = started.value;
    if (traffic.status === 'rejected') throw traffic.reason;
    mgmt = clientFromKubeconfigFile('mgmt', env.kubeconfigPath, 'mgmt');
    const kubeconfig = parse(readFileSync(env.kubeconfigPath, 'utf8')) as {
      users: { name: string; user: { token?: string } }[];
    };
    adminToken = kubeconfig.users.find((u) => u.name === 'mgmt-admin')?.user.token ?? '';
    assert.ok(adminToken !== '', 'the admin token of mgmt');

    await install(mgmt, { namespace: NS, image: DEFAULT_IMAGE, version: 'test', replicas: 1 }, () => undefined);
    for (const cluster of ['cluster-1', 'cluster-2']) {
      const remote = clientFromKubeconfigFile(cluster, env.kubeconfigPath, cluster);
      await registerCluster({
        cluster,
        installNamespace: NS,
        mgmt,
        remote,
        clusterDomain: 'cluster.local',
        tokenLifetimeSeconds: 3600,
      });
      await setClusterPrometheusUrl(mgmt, NS, cluster, prometheus.get(cluster)?.url);
      await loadEstateCluster(remote, join(EXAMPLES_DIR, 'bookinfo'), cluster);
    }
    // A registered cluster whose API server never answers: shown as unreachable, the rest unaffected.
    await mgmt.apply(
      kubeconfigSecret(
        'cluster-9',
        NS,
        registrationKubeconfig('cluster-9', 'https://127.0.0.1:1', undefined, 'unused'),
      ),
    );
    await mgmt.apply({
      apiVersion: 'multicluster.solo.io/v1alpha1',
      kind: 'KubernetesCluster',
      metadata: { name: 'cluster-9', namespace: NS },
      spec: { secretName: 'cluster-9', clusterDomain: 'cluster.local' },
    });
    for (const namespace of ['bookinfo', TEAM])
      await mgmt.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    const policies = bookinfoPolicies();
    for (const policy of [...policies, ghostMirror(), timeoutPolicy('team-timeout', TEAM)]) await mgmt.apply(policy);

    // A user who may read TrafficPolicies and AccessPolicies in team-a only.
    teamToken = await oneNamespaceViewerToken(mgmt, TEAM);

    controller = startManagementPlane(mgmt, NS);
    await waitFor(
      'bookinfo discovered and ghost-mirror rejected',
      async () => {
        const destinations = (await mgmt.list(DESTINATION, { namespace: NS })).items.map((d) => d.metadata.name);
        const ghost = (await mgmt.get(TRAFFIC_POLICY ?? DESTINATION, 'ghost-mirror', NS)) as
          { status?: { state?: string } } | undefined;
        return destinations.includes('reviews-bookinfo-cluster-2') && ghost?.status?.state === 'INVALID';
      },
      120_000,
    );
    // The management plane's own provider, reading each cluster's Prometheus by its annotation. Its
    // answer is kept for the whole run: figures are compared with the generator's fixed plan, and the
    // pages never wait on Prometheus on a loaded machine.
    // Figures are right when every scrape of the window succeeded (far more than two per target):
    // wait for such a window, read the estate in it, and read it again if a scrape failed meanwhile.
    const allScraped = async () =>
      (await Promise.all([...prometheus.values()].map((server) => scrapedThroughout(server.url)))).every(Boolean);
    let provider: CachingMetricsProvider | undefined;
    await waitFor(
      'a window of successful scrapes on every Prometheus',
      async () => {
        if (!(await allScraped())) return false;
        provider = createMetricsProvider({
          managementClient: mgmt,
          installNamespace: NS,
          timeoutMs: 15_000,
          cacheTtlMs: 600_000,
        });
        await provider.estate(WINDOW_SECONDS);
        return allScraped();
      },
      180_000,
    );
    assert.ok(provider !== undefined);
    const read = provider;
    const metrics: MetricsProvider = { estate: (_window, signal) => read.estate(WINDOW_SECONDS, signal) };
    const estate = await read.estate(WINDOW_SECONDS);
    assert.deepEqual(
      estate.clusters.map((c) => [c.cluster, c.state]),
      [
        ['cluster-1', 'ok'],
        ['cluster-2', 'ok'],
        ['cluster-9', 'no-metrics'],
      ],
      JSON.stringify(estate.clusters),
    );
    dashboard = await startInClusterDashboard({
      mgmt,
      installNamespace: NS,
      host: '127.0.0.1',
      port: 0,
      metrics,
      webRoot,
    });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await dashboard?.stop();
    await controller?.stop();
    await Promise.all([...prometheus.values()].map((server) => server.stop()));
    generator?.kill('SIGTERM');
    await Promise.resolve()
      .then(() => (env === undefined ? undefined : stopTestEnv(env)))
      .catch(() => undefined);
    rmSync(workDir, { recursive: true, force: true });
  });

  it('answers every API route with what its schema says, and nothing without a token', async () => {
    assert.equal((await api('/api/overview')).status, 401);
    assert.equal((await api('/api/overview', 'not-a-token')).status, 401);
    const paths: Record<string, string> = {
      '/api/destinations/{namespace}/{name}': `/api/destinations/${NS}/reviews-bookinfo-cluster-1`,
      '/api/workloads/{namespace}/{name}': `/api/workloads/${NS}/${(await mgmt.list(WORKLOAD, { namespace: NS })).items[0]?.metadata.name ?? ''}`,
      '/api/policies/{kind}/{namespace}/{name}': `/api/policies/TrafficPolicy/${NS}/ghost-mirror`,
    };
    for (const route of ROUTES) {
      if (route.response === 'text/event-stream') continue;
      const { status, body } = await api(paths[route.path] ?? route.path, adminToken);
      assert.equal(status, 200, `${route.path}: ${JSON.stringify(body)}`);
      if (route.response !== 'OpenAPI') {
        const parsed = NAMED_SCHEMAS[route.response].safeParse(body);
        assert.ok(
          parsed.success,
          `${route.path} does not match ${route.response}: ${JSON.stringify(parsed.error?.issues.slice(0, 3))}`,
        );
      }
    }
    assert.equal((await api('/api/nothing-here', adminToken)).status, 404);
    const response = await fetch(dashboard?.url ?? '');
    assert.match(response.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
  });

  it('overview: clusters, meshes, counts and the objects in a bad state', async () => {
    assert.ok(browser !== undefined);
    const page = await pageWithToken(browser, adminToken);
    await page.goto(dashboard?.url ?? '');
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    const destinations = (await mgmt.list(DESTINATION, { namespace: NS })).items.length;
    assert.equal(await page.locator('[data-count="Destinations"]').textContent(), String(destinations));
    const clusters = page.getByRole('table', { name: 'Registered clusters' });
    const problems = () => page.getByRole('table', { name: 'Objects in a bad state' });
    await clusters.getByRole('row', { name: /cluster-1 reachable/ }).waitFor();
    // Never answered: the management plane reports it as not reachable (pending its first listing, or failed).
    await clusters.getByRole('row', { name: /cluster-9 (unreachable|pending)/ }).waitFor();
    await problems().getByText('cluster-9').waitFor();
    await problems()
      .getByRole('link', { name: `${NS}/ghost-mirror` })
      .waitFor();
    assert.match((await page.locator('.chips').textContent()) ?? '', /istio 1\.\d+\.\d+: 2/);
    await expectAccessible(page, 'overview');
    await page.close();
  });

  it("Destinations table and a Destination's detail: policies, objects written per cluster with YAML, metrics", async () => {
    assert.ok(browser !== undefined);
    const page = await pageWithToken(browser, adminToken);
    await page.goto(new URL('/destinations', dashboard?.url).href);
    await page.getByRole('searchbox', { name: 'Search' }).fill('reviews');
    await page
      .getByRole('status')
      .filter({ hasText: /Destinations 1–2 of 2/ })
      .waitFor();
    // reviews of cluster-1 serves productpage's 8 requests per second, none failing.
    const reviewsPlan = planned((f) => f.service.cluster === 'cluster-1' && f.service.name === 'reviews');
    const reviewsRow = page.getByRole('row', { name: /reviews-bookinfo-cluster-1/ });
    await reviewsRow.getByRole('cell', { name: /\/s$/ }).waitFor();
    assertShown(
      'Destinations table, reviews of cluster-1',
      (await reviewsRow.getByRole('cell', { name: /\/s$/ }).textContent()) ?? undefined,
      (await reviewsRow.getByRole('cell', { name: / %$/ }).textContent()) ?? undefined,
      reviewsPlan,
    );
    await expectAccessible(page, 'destinations');
    await page.getByRole('link', { name: 'reviews-bookinfo-cluster-1' }).click();
    await page.getByRole('heading', { name: 'Destination reviews-bookinfo-cluster-1' }).waitFor();
    await page
      .getByRole('table', { name: 'Applied' })
      .getByRole('link', { name: 'TrafficPolicy bookinfo/reviews-shift' })
      .waitFor();
    const yaml = page.getByText('VirtualService bookinfo/reviews (parent)');
    await yaml.click();
    await page
      .getByRole('region', { name: 'VirtualService bookinfo/reviews (parent)' })
      .or(page.getByLabel('VirtualService bookinfo/reviews (parent)'))
      .first()
      .waitFor();
    assert.match(
      (await page.getByLabel('VirtualService bookinfo/reviews (parent)').textContent()) ?? '',
      /kind: VirtualService/,
    );
    const facts = /([\d.]+\/s), ([\d.]+ %) success/.exec((await page.locator('.facts').textContent()) ?? '');
    assertShown('detail of reviews of cluster-1', facts?.[1], facts?.[2], reviewsPlan);
    await expectAccessible(page, 'destination-detail');
    await page.close();
  });

  it('a policy with an error says why, in plain words', async () => {
    assert.ok(browser !== undefined);
    const page = await pageWithToken(browser, adminToken);
    await page.goto(new URL('/policies', dashboard?.url).href);
    await page.getByRole('link', { name: `${NS}/ghost-mirror` }).click();
    await page.getByRole('heading', { name: `TrafficPolicy ${NS}/ghost-mirror` }).waitFor();
    const errors = (await page.locator('.error-box').textContent()) ?? '';
    assert.match(errors, /ghost/);
    assert.match(errors, /details-bookinfo-cluster-1/);
    await expectAccessible(page, 'policy-error');
    await page.close();
  });

  it('service graph across clusters: edges coloured by success rate, rates on focus', async () => {
    assert.ok(browser !== undefined);
    const page = await pageWithToken(browser, adminToken);
    await page.goto(new URL('/graph', dashboard?.url).href);
    // Attached, not visible: an edge between nodes on the same row is a flat line, of no height.
    await page.locator('svg g.edge').first().waitFor({ state: 'attached' });
    // One edge per caller Workload and called Service of the plan, toned as the page's legend says.
    const edges = new Map<string, { rps: number; ok: number }>();
    for (const flow of DEMO_TRAFFIC) {
      const key = `${flow.source.cluster}/${flow.source.workload}>${flow.service.cluster}/${flow.service.name}`;
      const edge = edges.get(key) ?? { rps: 0, ok: 0 };
      edges.set(key, { rps: edge.rps + flow.rps, ok: edge.ok + flow.rps * (1 - flow.errorShare) });
    }
    const shares = [...edges.values()].map((e) => e.ok / e.rps);
    assert.equal(await page.locator('svg g.edge').count(), edges.size);
    assert.equal(
      await page.locator('svg g.edge-bad').count(),
      shares.filter((share) => share < 0.95).length,
      'details at 90 %, ratings of cluster-1 at 75 %, ratings of cluster-2 from reviews-v3 at 50 %',
    );
    assert.equal(await page.locator('svg g.edge-good').count(), shares.filter((share) => share >= 0.99).length);
    assert.equal(await page.locator('svg .band-label').count(), 3, 'cluster-1, cluster-2 and outside the estate');
    // Keyboard: Tab onto the first edge shows its rates.
    await page.locator('svg g.edge').first().focus();
    await page
      .locator('.edge-focus')
      .filter({ hasText: /\/s, .* success, p99 \d+ ms/ })
      .waitFor();
    // The mouse on the middle of a failing edge (its curve passes through the centre of its box,
    // even when flat) shows the rates of the edge under it (where edges meet, maybe a neighbour's).
    await page.locator('svg g.edge').first().blur();
    await page.locator('.edge-focus').filter({ hasText: /^$/ }).waitFor({ state: 'attached' });
    const hovered = page.locator('svg g.edge-bad').last();
    await hovered.evaluate((element: { scrollIntoView(options: { block: string; inline: string }): void }) => {
      element.scrollIntoView({ block: 'center', inline: 'center' });
    });
    const box = await hovered.boundingBox();
    assert.ok(box !== null);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const shown = page.locator('.edge-focus').filter({ hasText: /\/s, .* success, p99 \d+ ms/ });
    await shown.waitFor();
    const labels = await page
      .locator('svg g.edge')
      .evaluateAll((elements) =>
        elements.map((element: { getAttribute(name: string): string | null }) => element.getAttribute('aria-label')),
      );
    assert.ok(labels.includes(await shown.textContent()), `${String(await shown.textContent())} is an edge's text`);
    await expectAccessible(page, 'graph');
    await page.close();
  });

  it('VirtualMeshes and Workloads pages render and are accessible', async () => {
    assert.ok(browser !== undefined);
    const page = await pageWithToken(browser, adminToken);
    await page.goto(new URL('/workloads', dashboard?.url).href);
    await page.getByRole('link', { name: /^productpage-v1-bookinfo-cluster-1/ }).waitFor();
    await expectAccessible(page, 'workloads');
    await page.goto(new URL('/virtualmeshes', dashboard?.url).href);
    await page.getByRole('heading', { name: 'VirtualMeshes' }).waitFor();
    await page.getByText('No VirtualMesh.').waitFor();
    await expectAccessible(page, 'virtualmeshes');
    await page.close();
  });

  it('follows a TrafficPolicy applied with the client without a reload', async () => {
    assert.ok(browser !== undefined);
    const page = await pageWithToken(browser, adminToken);
    await page.goto(new URL('/policies', dashboard?.url).href);
    await page.getByRole('link', { name: `${NS}/ghost-mirror` }).waitFor();
    await page.getByText('Live', { exact: true }).waitFor();
    await page.evaluate(() => {
      Reflect.set(globalThis, 'sameDocument', true);
    });
    await mgmt.apply(timeoutPolicy('details-timeout-live', NS));
    await page.getByRole('link', { name: `${NS}/details-timeout-live` }).waitFor({ timeout: 30_000 });
    // Its state follows too, once the management plane has processed it.
    await page
      .getByRole('row', { name: new RegExp(`${NS}/details-timeout-live TrafficPolicy ACCEPTED`) })
      .waitFor({ timeout: 60_000 });
    assert.equal(
      await page.evaluate(() => Reflect.get(globalThis, 'sameDocument') as unknown),
      true,
      'the page was not reloaded',
    );
    await page.close();
  });

  it('a user who may read one namespace sees only that namespace', async () => {
    assert.ok(browser !== undefined);
    const overview = (await api('/api/overview', teamToken)).body as {
      counts: { destinations: number; trafficPolicies: number };
      clusters: unknown[];
    };
    assert.equal(overview.counts.destinations, 0);
    assert.equal(overview.counts.trafficPolicies, 1);
    assert.deepEqual(overview.clusters, []);
    assert.equal((await api(`/api/destinations/${NS}/reviews-bookinfo-cluster-1`, teamToken)).status, 404);
    assert.equal((await api(`/api/policies/TrafficPolicy/${NS}/ghost-mirror`, teamToken)).status, 404);
    const page = await pageWithToken(browser, teamToken);
    await page.goto(new URL('/policies', dashboard?.url).href);
    await page.getByRole('link', { name: `${TEAM}/team-timeout` }).waitFor();
    assert.equal(await page.getByRole('link', { name: `${NS}/ghost-mirror` }).count(), 0);
    assert.deepEqual(await page.getByRole('table').getByRole('link').allTextContents(), [`${TEAM}/team-timeout`]);
    await page.getByText('Some policies are not shown').waitFor();
    await screenshot(page, 'policies-one-namespace');
    await page.goto(new URL('/destinations', dashboard?.url).href);
    await page.getByText('No Destinations match.').waitFor();
    await page.close();
  });
  // Last, so the pages above still see an estate without a VirtualMesh. The test plays the cert agent
  // (a CSR in a CertificateRequest, then FINISHED on the IssuedCertificate); the management plane signs.
  it("VirtualMeshes page: each intermediate CA's expiry, from the certificate the issuer signed", async () => {
    assert.ok(browser !== undefined && env !== undefined);
    const remote = clientFromKubeconfigFile('cluster-1', env.kubeconfigPath, 'cluster-1');
    const mesh = 'istiod-istio-system-cluster-1';
    await mgmt.apply({
      apiVersion: 'networking.mesh.gloo.solo.io/v1',
      kind: 'VirtualMesh',
      metadata: { name: 'trusted', namespace: NS },
      spec: {
        meshes: [{ name: mesh, namespace: NS }],
        mtlsConfig: {
          shared: {
            rootCertificateAuthority: { generated: { rsaKeySizeBytes: 2048, ttlDays: 90 } },
            intermediateCertOptions: { rsaKeySizeBytes: 2048, ttlDays: 30 },
          },
        },
      },
    });
    await waitFor(
      'the IssuedCertificate on cluster-1',
      async () => (await remote.get(ISSUED_CERTIFICATE, mesh, NS)) !== undefined,
      60_000,
    );
    const csr = await generateIntermediateRequest({
      hosts: ['spiffe://cluster.local/ns/istio-system/sa/istiod'],
      orgName: '',
      keySizeBits: 2048,
    });
    await remote.apply({
      apiVersion: 'certificates.mesh.gloo.solo.io/v1',
      kind: 'CertificateRequest',
      metadata: { name: mesh, namespace: NS },
      spec: { certificateSigningRequest: pemToBytes(csr.csrPem) },
    });
    let signed = '';
    await waitFor(
      'the CertificateRequest signed by the management plane',
      async () => {
        const request = (await remote.get(CERTIFICATE_REQUEST, mesh, NS)) as
          { status?: { signedCertificate?: string } } | undefined;
        signed = request?.status?.signedCertificate ?? '';
        return signed !== '';
      },
      60_000,
    );
    await remote.apply(
      {
        apiVersion: 'certificates.mesh.gloo.solo.io/v1',
        kind: 'IssuedCertificate',
        metadata: { name: mesh, namespace: NS },
        status: { state: 'FINISHED' },
      },
      { subresource: 'status' },
    );
    const notAfter = new X509Certificate(bytesToPem(signed)).validToDate.toISOString().slice(0, 10);
    const page = await pageWithToken(browser, adminToken);
    await page.goto(new URL('/virtualmeshes', dashboard?.url).href);
    const card = page.getByRole('region', { name: new RegExp(`${NS}/trusted`) });
    const line = card.getByRole('listitem').filter({ hasText: `cluster-1: ${NS}/${mesh}` });
    // Workload clusters' objects are read at most every 10 s (estate-source.ts) and the page follows
    // changes of the management cluster only, so a reading taken by an earlier page may be shown
    // first: reload until the agent's state is there.
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await line.getByText('FINISHED', { exact: true }).waitFor({ timeout: 5_000 });
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await page.reload();
      }
    }
    await line.getByText('issued', { exact: true }).waitFor();
    assert.match((await line.textContent()) ?? '', new RegExp(`expires on ${notAfter} \\(in 29 days\\)`));
    await card.getByText(/Root CA expires on \d{4}-\d{2}-\d{2} \(in 89 days\)/).waitFor();
    await expectAccessible(page, 'virtualmeshes-certificates');
    await page.close();
  });
});
