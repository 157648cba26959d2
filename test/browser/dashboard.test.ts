// The dashboard in headless Chromium on real clusters of its own (mgmt, cluster-1, cluster-2): Mesh
// Hub's management plane runs over bookinfo with an accepted and a rejected policy and one registered
// cluster that never answers; the dashboard serves it with token checks. Each page renders the estate
// and passes axe-core without serious or critical violations; a policy applied with the client shows
// up on an open page without a reload; a user who may read one namespace sees only that namespace.
// Traffic comes from a fixed metrics provider here (the Prometheus-backed one is tested on its own).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { parse, parseAllDocuments } from 'yaml';
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
import {
  kubeconfigSecret,
  registerCluster,
  registrationKubeconfig,
  requestToken,
} from '../../src/kube/registration.ts';
import {
  CERTIFICATE_REQUEST,
  DESTINATION,
  ISSUED_CERTIFICATE,
  MESH_HUB_TYPES,
  WORKLOAD,
} from '../../src/kube/resources.ts';
import type { EstateMetrics, MetricsProvider, TrafficStats } from '../../src/metrics/model.ts';
import { Controller } from '../../src/reconcile/controller.ts';
import { createMetrics } from '../../src/reconcile/metrics.ts';
import { startTestEnv, stopTestEnv, type TestEnvState } from '../../src/testenv/launcher.ts';
import { waitFor } from '../testenv/helpers.ts';
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

function stats(rps: number, successRate: number): TrafficStats {
  return { rps, successRate, p50Ms: 12, p90Ms: 40, p99Ms: 95 };
}

/** Known traffic between bookinfo's Workloads and Destinations (found by name once discovered). */
const traffic: { metrics: EstateMetrics | undefined } = { metrics: undefined };
const fixedMetrics: MetricsProvider = {
  estate: (windowSeconds) =>
    traffic.metrics === undefined
      ? Promise.reject(new Error('no traffic yet'))
      : Promise.resolve({ ...traffic.metrics, windowSeconds }),
};

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
    env = await startTestEnv({ stateDir: join(workDir, 'env'), clusters: ['mgmt', 'cluster-1', 'cluster-2'] });
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
    const policies = parseAllDocuments(readFileSync(join(EXAMPLES_DIR, 'bookinfo', 'mgmt', 'policies.yaml'), 'utf8'))
      .map((doc) => doc.toJS() as KubeObject | null)
      .filter((o): o is KubeObject => o !== null);
    for (const policy of [...policies, ghostMirror(), timeoutPolicy('team-timeout', TEAM)]) await mgmt.apply(policy);

    // A user who may read TrafficPolicies and AccessPolicies in team-a only.
    await mgmt.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'viewer', namespace: TEAM } });
    await mgmt.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'policy-reader', namespace: TEAM },
      rules: [
        {
          apiGroups: ['networking.mesh.gloo.solo.io'],
          resources: ['trafficpolicies', 'accesspolicies'],
          verbs: ['get', 'list', 'watch'],
        },
      ],
    });
    await mgmt.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'viewer-policy-reader', namespace: TEAM },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'policy-reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'viewer', namespace: TEAM }],
    });
    teamToken = (await requestToken(mgmt, TEAM, 3600, 'viewer')).token;

    controller = new Controller({
      mgmt,
      installNamespace: NS,
      logger: pino({ level: 'silent' }),
      metrics: createMetrics(),
      debounceMs: 20,
    });
    controller.start();
    controller.setLeading(true);
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
    const workloads = (await mgmt.list(WORKLOAD, { namespace: NS })).items.map((w) => w.metadata.name);
    const workload = (prefix: string) => `${NS}/${workloads.find((w) => w.startsWith(prefix)) ?? prefix}`;
    traffic.metrics = {
      windowSeconds: 300,
      collectedAt: new Date().toISOString(),
      clusters: [
        { cluster: 'cluster-1', state: 'ok', source: 'prometheus.istio-system (cluster-1)' },
        { cluster: 'cluster-2', state: 'ok', source: 'prometheus.istio-system (cluster-2)' },
        { cluster: 'cluster-9', state: 'no-metrics', reason: 'the cluster cannot be reached' },
      ],
      destinations: new Map([
        [`${NS}/productpage-bookinfo-cluster-1`, stats(20, 1)],
        [`${NS}/reviews-bookinfo-cluster-1`, stats(15, 0.99)],
        [`${NS}/ratings-bookinfo-cluster-2`, stats(6, 0.9)],
        [`${NS}/details-bookinfo-cluster-1`, stats(20, 0.8)],
      ]),
      workloads: new Map([[workload('productpage-v1-bookinfo-cluster-1'), stats(35, 0.9)]]),
      edges: [
        { from: null, to: `${NS}/productpage-bookinfo-cluster-1`, crossCluster: false, stats: stats(20, 1) },
        {
          from: workload('productpage-v1-bookinfo-cluster-1'),
          to: `${NS}/reviews-bookinfo-cluster-1`,
          crossCluster: false,
          stats: stats(15, 0.99),
        },
        {
          from: workload('productpage-v1-bookinfo-cluster-1'),
          to: `${NS}/details-bookinfo-cluster-1`,
          crossCluster: false,
          stats: stats(20, 0.8),
        },
        {
          from: workload('reviews-v2-bookinfo-cluster-1'),
          to: `${NS}/ratings-bookinfo-cluster-2`,
          crossCluster: true,
          stats: stats(6, 0.9),
        },
      ],
    };
    dashboard = await startInClusterDashboard({
      mgmt,
      installNamespace: NS,
      host: '127.0.0.1',
      port: 0,
      metrics: fixedMetrics,
      webRoot,
    });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await dashboard?.stop();
    await controller?.stop();
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
    await page
      .getByRole('cell', { name: '15.0 %' })
      .or(page.getByRole('cell', { name: '99.0 %' }))
      .first()
      .waitFor();
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
    assert.match((await page.locator('.facts').textContent()) ?? '', /15\/s, 99\.0 % success/);
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
    await page.locator('svg g.edge').first().waitFor();
    assert.equal(await page.locator('svg g.edge').count(), 4);
    assert.equal(await page.locator('svg g.edge-bad').count(), 2, 'details at 80 % and ratings at 90 %');
    assert.equal(await page.locator('svg g.edge-good').count(), 2);
    assert.equal(await page.locator('svg .band-label').count(), 3, 'cluster-1, cluster-2 and outside the estate');
    // Keyboard: Tab onto the first edge shows its rates.
    await page.locator('svg g.edge').first().focus();
    await page
      .locator('.edge-focus')
      .filter({ hasText: /\/s, .* success, p99 95 ms/ })
      .waitFor();
    await page.locator('svg g.edge-bad').last().hover();
    await page
      .locator('.edge-focus')
      .filter({ hasText: /success/ })
      .waitFor();
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
    await line.getByText('FINISHED', { exact: true }).waitFor({ timeout: 30_000 });
    await line.getByText('issued', { exact: true }).waitFor();
    assert.match((await line.textContent()) ?? '', new RegExp(`expires on ${notAfter} \\(in 29 days\\)`));
    await card.getByText(/Root CA expires on \d{4}-\d{2}-\d{2} \(in 89 days\)/).waitFor();
    await expectAccessible(page, 'virtualmeshes-certificates');
    await page.close();
  });
});
