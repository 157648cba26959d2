// The dashboard's Diff and Explain pages in headless Chromium on real clusters of their own (mgmt,
// cluster-1, cluster-2 with bookinfo and its example policies, Mesh Hub's management plane running):
// a changed TrafficPolicy pasted on the Diff page shows the VirtualService it changes in both
// clusters, field by field; an invalid one shows its status with the field named; the Explain page,
// reached from a Destination's page, shows the route, the TrafficPolicy behind it and the access
// decision. The API answers match their schemas, refuse a user who may read one namespace, and write
// nothing. Each page passes axe-core; screenshots go to the test artifacts.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { install } from '../../src/cli/commands/install.ts';
import { DiffResult, Explanation } from '../../src/dashboard/api-schema.ts';
import { startInClusterDashboard } from '../../src/dashboard/in-cluster.ts';
import type { RunningDashboard } from '../../src/dashboard/server.ts';
import { EXAMPLES_DIR, loadEstateCluster } from '../../src/demo/estate.ts';
import { DEFAULT_IMAGE } from '../../src/install/manifests.ts';
import { clientFromKubeconfigFile, type KubeClient } from '../../src/kube/client.ts';
import { registerCluster } from '../../src/kube/registration.ts';
import { DESTINATION, MESH_HUB_TYPES, WORKLOAD } from '../../src/kube/resources.ts';
import type { MetricsProvider } from '../../src/metrics/model.ts';
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
const noMetrics: MetricsProvider = { estate: () => Promise.reject(new Error('no metrics in this test')) };

let env: TestEnvState | undefined;
let workDir = '';
let mgmt: KubeClient;
let controller: Controller | undefined;
let dashboard: RunningDashboard | undefined;
let browser: Browser | undefined;
let adminToken = '';
let teamToken = '';
let productpage = '';

/** bookinfo's ratings-resilience policy (both clusters' ratings) with another timeout. */
function ratingsResilience(timeout: string): string {
  return `apiVersion: networking.mesh.gloo.solo.io/v1
kind: TrafficPolicy
metadata:
  name: ratings-resilience
  namespace: bookinfo
spec:
  destinationSelector:
    - kubeServiceMatcher:
        labels:
          app: ratings
        namespaces:
          - bookinfo
  policy:
    requestTimeout: ${timeout}
    retries:
      attempts: 3
      perTryTimeout: 2s
    faultInjection:
      fixedDelay: 2s
      percentage: 10
`;
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

/** Generation of every Mesh Hub object on mgmt: a diff must move none. */
async function generations(): Promise<Map<string, unknown>> {
  const found = new Map<string, unknown>();
  for (const type of MESH_HUB_TYPES) {
    for (const object of (await mgmt.list(type)).items) {
      found.set(
        `${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`,
        object.metadata.generation,
      );
    }
  }
  return found;
}

describe('the Diff and Explain pages in Chromium', { timeout: 300_000 }, () => {
  before(async () => {
    ensureWebBuilt();
    workDir = mkdtempSync(join(tmpdir(), 'mesh-hub-diff-explain-'));
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
    for (const namespace of ['bookinfo', TEAM])
      await mgmt.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    const policies = bookinfoPolicies();
    for (const policy of policies) await mgmt.apply(policy);

    // A user who may read TrafficPolicies and AccessPolicies in team-a only.
    teamToken = await oneNamespaceViewerToken(mgmt, TEAM);

    controller = startManagementPlane(mgmt, NS);
    await waitFor(
      'bookinfo discovered and its policies accepted',
      async () => {
        const destinations = (await mgmt.list(DESTINATION, { namespace: NS })).items.map((d) => d.metadata.name);
        const ratings = (await mgmt.get(TRAFFIC_POLICY ?? DESTINATION, 'ratings-resilience', 'bookinfo')) as
          { status?: { state?: string } } | undefined;
        return destinations.includes('ratings-bookinfo-cluster-2') && ratings?.status?.state === 'ACCEPTED';
      },
      120_000,
    );
    productpage =
      (await mgmt.list(WORKLOAD, { namespace: NS })).items
        .map((w) => w.metadata.name)
        .find((name) => name.startsWith('productpage-v1-bookinfo-cluster-1')) ?? '';
    assert.ok(productpage !== '', 'the productpage Workload');
    dashboard = await startInClusterDashboard({
      mgmt,
      installNamespace: NS,
      host: '127.0.0.1',
      port: 0,
      metrics: noMetrics,
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

  it('API: diff and explain answer with their schemas, write nothing, and need read access to the whole estate', async () => {
    const url = (path: string) => new URL(path, dashboard?.url);
    const diff = (token: string, body: string) =>
      fetch(url('/api/diff'), {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/yaml' },
        body,
      });
    assert.equal((await fetch(url('/api/diff'), { method: 'POST', body: 'a: 1' })).status, 401);
    const denied = await diff(teamToken, ratingsResilience('7s'));
    assert.equal(denied.status, 403);
    assert.match(((await denied.json()) as { error: string }).error, /you may not list .* in gloo-mesh/);
    const explainDenied = await fetch(url('/api/explain?to=reviews-bookinfo-cluster-1'), {
      headers: { Authorization: `Bearer ${teamToken}` },
    });
    assert.equal(explainDenied.status, 403);

    const before = await generations();
    const response = await diff(adminToken, ratingsResilience('7s'));
    assert.equal(response.status, 200);
    const result = DiffResult.parse(await response.json());
    assert.ok(result.changed);
    assert.deepEqual(await generations(), before, 'the diff wrote nothing on mgmt');

    const explained = await fetch(
      url(`/api/explain?to=reviews-bookinfo-cluster-1&from=${productpage}&method=GET&path=/reviews/1`),
      { headers: { Authorization: `Bearer ${adminToken}` } },
    );
    assert.equal(explained.status, 200);
    const answer = Explanation.parse(await explained.json());
    assert.equal(answer.access.decision, 'ALLOW');
    assert.deepEqual(answer.access.allowedBy, ['bookinfo/productpage-to-reviews']);
  });

  it('Diff page: a changed TrafficPolicy shows its VirtualService changes in both clusters; an invalid one names the field', async () => {
    assert.ok(browser !== undefined);
    const page = await pageWithToken(browser, adminToken);
    await page.goto(new URL('/diff', dashboard?.url).href);
    await page.getByRole('heading', { name: 'Diff' }).waitFor();
    await page.getByLabel('Policy YAML (one or more documents)').fill(ratingsResilience('7s'));
    await page.getByRole('button', { name: 'Show what would change' }).click();
    const summary = page.locator('p.summary');
    await summary.waitFor({ timeout: 60_000 });
    assert.match(
      (await summary.textContent()) ?? '',
      /^Would change 3 objects in 3 clusters \(0 created, 3 updated, 0 deleted\)/,
    );
    for (const cluster of ['cluster-1', 'cluster-2']) {
      const section = page.getByRole('region', { name: `Cluster ${cluster}` });
      await section.getByText('updated VirtualService bookinfo/ratings').waitFor();
      const fields = section.getByRole('table', { name: 'Changed fields of VirtualService bookinfo/ratings' });
      assert.match((await fields.textContent()) ?? '', /timeout"5s""7s"/);
    }
    await page
      .getByRole('region', { name: 'Management cluster' })
      .getByText('updated TrafficPolicy bookinfo/ratings-resilience')
      .waitFor();
    await expectAccessible(page, 'diff');

    await page.getByLabel('Policy YAML (one or more documents)').fill(ratingsResilience('soon'));
    await page.getByRole('button', { name: 'Show what would change' }).click();
    const row = page.getByRole('row', { name: /TrafficPolicy bookinfo\/ratings-resilience ACCEPTED INVALID/ });
    await row.waitFor({ timeout: 60_000 });
    assert.match((await row.textContent()) ?? '', /requestTimeout/);
    await screenshot(page, 'diff-invalid');

    await page
      .getByLabel('Policy YAML (one or more documents)')
      .fill('apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n');
    await page.getByRole('button', { name: 'Show what would change' }).click();
    await page.getByRole('alert').filter({ hasText: 'request body (document 0): Deployment' }).waitFor();
    await page.close();
  });

  it("Explain page, from a Destination's page: the route, its TrafficPolicy, the backends and the access decision", async () => {
    assert.ok(browser !== undefined);
    const page = await pageWithToken(browser, adminToken);
    await page.goto(new URL(`/destinations/${NS}/reviews-bookinfo-cluster-1`, dashboard?.url).href);
    await page.getByRole('link', { name: 'Explain a request to reviews-bookinfo-cluster-1' }).click();
    await page.getByRole('heading', { name: 'Explain a request' }).waitFor();
    const destination = page.getByLabel('Destination', { exact: true });
    assert.equal(await destination.inputValue(), 'reviews-bookinfo-cluster-1');
    await page.getByLabel('Source Workload').locator(`option[value="${productpage}"]`).waitFor({ state: 'attached' });
    await page.getByLabel('Source Workload').selectOption(productpage);
    await page.getByLabel('Path').fill('/reviews/1');
    await page.getByLabel('Headers (one per line, name: value)').fill('x-user: jason');
    // Keyboard: the form submits from the Path field with Enter.
    await page.getByLabel('Path').press('Enter');
    const matched = page.getByTestId('matched-route');
    await matched.waitFor({ timeout: 60_000 });
    assert.match((await matched.textContent()) ?? '', /^VirtualService bookinfo\/reviews in cluster-1, rule \d+$/);
    await page.getByRole('link', { name: 'TrafficPolicy bookinfo/reviews-shift' }).waitFor();
    const backends = page.getByRole('table', { name: 'Backends' });
    assert.equal(await backends.getByRole('row').count(), 3, 'a header and two weighted backends');
    assert.match((await backends.textContent()) ?? '', /75.*25/s);
    assert.match((await page.getByTestId('access-decision').textContent()) ?? '', /^ALLOW/);
    await page.getByRole('link', { name: 'AccessPolicy bookinfo/productpage-to-reviews' }).waitFor();
    assert.match(page.url(), /method=GET&path=%2Freviews%2F1&header=x-user%3Djason/);
    await expectAccessible(page, 'explain');

    // Only GET is allowed: the same request as POST is denied, and no AccessPolicy allows it.
    await page.getByLabel('Method').selectOption('POST');
    await page.getByRole('button', { name: 'Explain' }).click();
    await page.getByTestId('access-decision').filter({ hasText: /^DENY/ }).waitFor({ timeout: 60_000 });
    await page.getByText('no AccessPolicy', { exact: true }).waitFor();
    await page.close();
  });
});
