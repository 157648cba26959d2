// The management plane end to end on three real clusters of its own (mgmt, cluster-1, cluster-2):
// install, registration, discovery, policies in and out, writes counted, restart, outage of a
// workload cluster, invalid input, least privilege, deregistration, and no secret in any output.
// The steps run in order and build on each other; the environment is private because one step
// stops an API server.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import type { KubeObject } from '../../src/api/meta.ts';
import { EXAMPLES_DIR, loadEstateCluster } from '../../src/demo/estate.ts';
import {
  KubeApiError,
  clientFromKubeconfigFile,
  clientFromKubeconfigText,
  type KubeClient,
} from '../../src/kube/client.ts';
import {
  CLUSTER_ROLE,
  CONFIG_MAP,
  DESTINATION,
  ISTIO_OUTPUT_TYPES,
  MESH,
  SECRET,
  SERVICE_ACCOUNT,
  WORKLOAD,
  typeOfObject,
} from '../../src/kube/resources.ts';
import { kubeconfigFromSecret } from '../../src/reconcile/registered-clusters.ts';
import { kubeconfigToken, tokenTimes } from '../../src/reconcile/token-renewal.ts';
import {
  restartApiServer,
  startTestEnv,
  stopApiServer,
  stopTestEnv,
  type TestEnvState,
} from '../../src/testenv/launcher.ts';
import { waitFor } from '../testenv/helpers.ts';
import { meshctl, startController, type MeshctlRun, type RunningController } from './support.ts';

const NS = 'gloo-mesh';
const VS = ISTIO_OUTPUT_TYPES.find((t) => t.kind === 'VirtualService') ?? ISTIO_OUTPUT_TYPES[0];
const TRAFFIC_POLICY = typeOfObject('networking.mesh.gloo.solo.io/v1', 'TrafficPolicy');

let env: TestEnvState;
let workDir: string;
let mgmt: KubeClient;
let c1: KubeClient;
let c2: KubeClient;
let controller: RunningController | undefined;
const outputs: MeshctlRun[] = [];
const controllerLogs: string[] = [];

async function run(args: readonly string[]): Promise<MeshctlRun> {
  const result = await meshctl(['--kubeconfig', env.kubeconfigPath, '--context', 'mgmt', ...args]);
  outputs.push(result);
  return result;
}

function policy(name: string, cluster: string, spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'networking.mesh.gloo.solo.io/v1',
    kind: 'TrafficPolicy',
    metadata: { name, namespace: NS },
    spec: {
      destinationSelector: [
        { kubeServiceRefs: { services: [{ name: 'ratings', namespace: 'bookinfo', clusterName: cluster }] } },
      ],
      ...spec,
    },
  };
}

async function virtualService(
  client: KubeClient,
  name: string,
): Promise<{ spec?: { http?: { timeout?: string }[] } } | undefined> {
  if (VS === undefined) throw new Error('no VirtualService type');
  return (await client.get(VS, name, 'bookinfo')) as { spec?: { http?: { timeout?: string }[] } } | undefined;
}

/** Outputs with this install's owner label, except the foreign ones the ownership step plants. */
async function ownedOutputs(client: KubeClient): Promise<KubeObject[]> {
  const found: KubeObject[] = [];
  for (const type of ISTIO_OUTPUT_TYPES) {
    found.push(...(await client.list(type, { labelSelector: `owner.networking.mesh.gloo.solo.io=${NS}` })).items);
  }
  return found.filter((object) => !FOREIGN.includes(object.metadata.name));
}

/**
 * VirtualServices with this install's owner label that this management plane did not write: one of
 * another management plane (same install namespace name, another identity), one from before
 * identities (or a Gloo Mesh 1.x): neither may ever be deleted by this one.
 */
const FOREIGN = ['another-plane', 'no-identity'];
function foreignVirtualService(name: string, identity: string | undefined): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: {
      name,
      namespace: 'bookinfo',
      labels: {
        'owner.networking.mesh.gloo.solo.io': NS,
        ...(identity === undefined ? {} : { 'meshhub.dev/owner-identity': identity }),
      },
    },
    spec: { hosts: [`${name}.example.com`], http: [{ route: [{ destination: { host: `${name}.example.com` } }] }] },
  };
}

async function written(target: RunningController): Promise<number> {
  return target.metric('meshhub_objects_written_total');
}

/** Waits for a reconcile that starts after now to finish. */
async function nextReconcile(target: RunningController, trigger: () => Promise<void>): Promise<void> {
  const before = await target.metric('meshhub_reconciles_total');
  await trigger();
  await waitFor('a reconcile', async () => (await target.metric('meshhub_reconciles_total')) > before, 20_000);
  // Let the writes of that pass (and the pass they trigger) settle.
  await new Promise((r) => setTimeout(r, 500));
}

describe('management plane on three real clusters', { timeout: 600_000 }, () => {
  before(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'mesh-hub-e2e-'));
    env = await startTestEnv({ stateDir: join(workDir, 'env') });
    mgmt = clientFromKubeconfigFile('mgmt', env.kubeconfigPath, 'mgmt');
    c1 = clientFromKubeconfigFile('cluster-1', env.kubeconfigPath, 'cluster-1');
    c2 = clientFromKubeconfigFile('cluster-2', env.kubeconfigPath, 'cluster-2');
  });

  after(async () => {
    await controller?.stop();
    // `env` is unset when start-up itself failed (it cleans up after itself then).
    await Promise.resolve()
      .then(() => stopTestEnv(env))
      .catch(() => undefined);
    rmSync(workDir, { recursive: true, force: true });
  });

  it('installs, registers both workload clusters and loads bookinfo', async () => {
    const dry = await run(['install', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /kind: Deployment/);
    assert.equal(
      await mgmt.get(typeOfObject('apps/v1', 'Deployment') ?? CONFIG_MAP, 'mesh-hub-controller', NS),
      undefined,
      '--dry-run applied nothing',
    );

    const install = await run(['install', '--wait=false']);
    assert.equal(install.code, 0, install.stderr);
    for (const cluster of ['cluster-1', 'cluster-2']) {
      const register = await run(['cluster', 'register', cluster, '--remote-context', cluster]);
      assert.equal(register.code, 0, register.stderr);
      assert.match(register.stdout, /token valid until/);
    }
    await loadEstateCluster(c1, join(EXAMPLES_DIR, 'bookinfo'), 'cluster-1');
    await loadEstateCluster(c2, join(EXAMPLES_DIR, 'bookinfo'), 'cluster-2');
    controller = await startController({
      kubeconfig: env.kubeconfigPath,
      context: 'mgmt',
      logFile: join(workDir, 'controller-1.log'),
      leaseDurationSeconds: 4,
    });
    const running = controller;
    await waitFor('the controller to be ready', () => running.ready(), 30_000);
  });

  it('discovers the meshes, workloads and destinations of both clusters', async () => {
    await waitFor(
      'Destinations of both clusters on the management cluster',
      async () => {
        const names = (await mgmt.list(DESTINATION, { namespace: NS })).items.map((d) => d.metadata.name);
        return names.includes('reviews-bookinfo-cluster-1') && names.includes('reviews-bookinfo-cluster-2');
      },
      60_000,
    );
    type WithGeneration = (KubeObject & { status?: { observedGeneration?: number } }) | undefined;
    await waitFor('the status to carry the generation of the content', async () => {
      const current = (await mgmt.get(DESTINATION, 'reviews-bookinfo-cluster-1', NS)) as WithGeneration;
      return (
        current?.metadata.generation !== undefined && current.status?.observedGeneration === current.metadata.generation
      );
    });
    const meshes = (await mgmt.list(MESH, { namespace: NS })).items.map((m) => m.metadata.name).sort();
    assert.deepEqual(meshes, ['istiod-istio-system-cluster-1', 'istiod-istio-system-cluster-2']);
    const workloads = (await mgmt.list(WORKLOAD, { namespace: NS })).items.map((w) => w.metadata.name);
    assert.ok(workloads.includes('reviews-v3-bookinfo-cluster-2-deployment'), workloads.join(','));
    const list = await run(['cluster', 'list', '-o', 'json']);
    const clusters = (JSON.parse(list.stdout) as { clusters: { name: string; reachable: boolean; meshes: string[] }[] })
      .clusters;
    assert.deepEqual(
      clusters.map((c) => [c.name, c.reachable, c.meshes]),
      [
        ['cluster-1', true, ['istiod-istio-system-cluster-1']],
        ['cluster-2', true, ['istiod-istio-system-cluster-2']],
      ],
    );
  });

  it('puts a TrafficPolicy into the right cluster, updates it on edit and removes it on delete', async () => {
    await mgmt.apply(policy('ratings-timeout', 'cluster-1', { policy: { requestTimeout: '3s' } }));
    await waitFor(
      'VirtualService ratings in cluster-1',
      async () => (await virtualService(c1, 'ratings')) !== undefined,
    );
    assert.equal((await virtualService(c1, 'ratings'))?.spec?.http?.[0]?.timeout, '3s');
    assert.equal(await virtualService(c2, 'ratings'), undefined, 'cluster-2 gets nothing for a cluster-1 policy');

    await mgmt.apply(policy('ratings-timeout', 'cluster-1', { policy: { requestTimeout: '5s' } }));
    await waitFor(
      'the edited timeout',
      async () => (await virtualService(c1, 'ratings'))?.spec?.http?.[0]?.timeout === '5s',
    );

    // Drift: the output edited by hand on the cluster is put back, and so is the output deleted there.
    if (VS === undefined) throw new Error('no VirtualService type');
    const http = (await virtualService(c1, 'ratings'))?.spec?.http ?? [];
    await c1.request(
      'PATCH',
      '/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/ratings',
      { spec: { http: http.map((route) => ({ ...route, timeout: '9s' })) } },
      'application/merge-patch+json',
    );
    await waitFor(
      'the hand edit undone',
      async () => (await virtualService(c1, 'ratings'))?.spec?.http?.[0]?.timeout === '5s',
    );
    await c1.delete(VS, 'ratings', 'bookinfo');
    await waitFor(
      'the deleted output re-created',
      async () => (await virtualService(c1, 'ratings'))?.spec?.http?.[0]?.timeout === '5s',
    );

    if (TRAFFIC_POLICY === undefined) throw new Error('no TrafficPolicy type');
    await mgmt.delete(TRAFFIC_POLICY, 'ratings-timeout', NS);
    await waitFor('VirtualService ratings gone', async () => (await virtualService(c1, 'ratings')) === undefined);
  });

  it('writes nothing when a change leaves every output as it is', async () => {
    const target = controller;
    assert.ok(target);
    const before = await written(target);
    // A change in a watched cluster that changes no output: a reconcile runs and finds nothing to write.
    await nextReconcile(target, async () => {
      await c1.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'unrelated', namespace: 'default' } });
    });
    assert.equal(await written(target), before);
  });

  it('rebuilds from the clusters after a restart without rewriting anything, and a standby takes over', async () => {
    assert.ok(controller);
    await mgmt.apply(policy('ratings-timeout', 'cluster-1', { policy: { requestTimeout: '4s' } }));
    await waitFor(
      'VirtualService ratings',
      async () => (await virtualService(c1, 'ratings'))?.spec?.http?.[0]?.timeout === '4s',
    );
    // A second replica stands by while the first holds the Lease.
    const standby = await startController({
      kubeconfig: env.kubeconfigPath,
      context: 'mgmt',
      logFile: join(workDir, 'controller-2.log'),
      leaseDurationSeconds: 4,
    });
    await waitFor('the standby to be ready', () => standby.ready(), 30_000);
    assert.equal(await standby.metric('meshhub_leader'), 0);
    assert.equal(await standby.metric('meshhub_reconciles_total'), 0);
    await controller.stop();
    controllerLogs.push(controller.log());
    controller = standby;
    await waitFor('the standby to take the Lease', async () => (await standby.metric('meshhub_leader')) === 1, 20_000);
    await waitFor('its first reconcile', async () => (await standby.metric('meshhub_reconciles_total')) >= 1, 20_000);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await written(standby), 0, 'a new replica finds every object as it should be');
    assert.equal((await virtualService(c1, 'ratings'))?.spec?.http?.[0]?.timeout, '4s');
  });

  it('rejects a schema error at the API server and reports a valid but wrong policy as INVALID', async () => {
    await assert.rejects(
      mgmt.create(policy('bad-schema', 'cluster-1', { policy: { requestTimeout: 5 } })),
      (error: unknown) => error instanceof KubeApiError && error.status === 422 && /requestTimeout/.test(error.message),
    );
    await mgmt.apply(
      policy('bad-status', 'cluster-1', { policy: { faultInjection: { abort: { httpStatus: 700 }, percentage: 50 } } }),
    );
    if (TRAFFIC_POLICY === undefined) throw new Error('no TrafficPolicy type');
    const type = TRAFFIC_POLICY;
    await waitFor('status INVALID on bad-status', async () => {
      const status = (await mgmt.get(type, 'bad-status', NS)) as { status?: { state?: string } } | undefined;
      return status?.status?.state === 'INVALID';
    });
    const bad = (await mgmt.get(type, 'bad-status', NS)) as {
      status?: { errors?: string[]; observedGeneration?: number };
    };
    assert.match(JSON.stringify(bad.status), /httpStatus: must be an HTTP status from 200 to 599 \(got 700\)/);
    const good = (await mgmt.get(type, 'ratings-timeout', NS)) as { status?: { state?: string } };
    assert.equal(good.status?.state, 'ACCEPTED', 'the rest is not disturbed');
    assert.equal((await virtualService(c1, 'ratings'))?.spec?.http?.[0]?.timeout, '4s');
    await mgmt.delete(type, 'bad-status', NS);
  });

  it('gives the registered ServiceAccount nothing outside its role', async () => {
    const secret = await mgmt.get(SECRET, 'cluster-1', NS);
    assert.ok(secret);
    const text = kubeconfigFromSecret(secret, 'cluster-1');
    assert.ok(text);
    const registered = clientFromKubeconfigText('cluster-1', text);
    // Allowed: what discovery reads.
    assert.ok((await registered.list(CONFIG_MAP, { namespace: 'bookinfo' })).items.length >= 0);
    await assert.rejects(
      registered.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'forbidden', namespace: 'default' } }),
      (error: unknown) => error instanceof KubeApiError && error.status === 403,
    );
    await assert.rejects(
      registered.list(SECRET, { namespace: 'kube-system' }),
      (error: unknown) => error instanceof KubeApiError && error.status === 403,
    );
  });

  it('keeps reconciling cluster-1 while cluster-2 is down, deletes nothing there, and converges when it is back', async () => {
    assert.ok(controller);
    await mgmt.apply(policy('ratings-2', 'cluster-2', { policy: { requestTimeout: '7s' } }));
    await waitFor(
      'VirtualService ratings in cluster-2',
      async () => (await virtualService(c2, 'ratings')) !== undefined,
    );
    const uid = ((await virtualService(c2, 'ratings')) as KubeObject | undefined)?.metadata.uid;
    assert.ok(uid);

    await stopApiServer(env, 'cluster-2');
    await mgmt.apply(policy('ratings-timeout', 'cluster-1', { policy: { requestTimeout: '6s' } }));
    await waitFor(
      'cluster-1 reconciled during the outage',
      async () => (await virtualService(c1, 'ratings'))?.spec?.http?.[0]?.timeout === '6s',
    );
    // A management plane that starts during the outage knows nothing of cluster-2 and must not act on it.
    await controller.stop();
    controllerLogs.push(controller.log());
    controller = await startController({
      kubeconfig: env.kubeconfigPath,
      context: 'mgmt',
      logFile: join(workDir, 'controller-3.log'),
      leaseDurationSeconds: 4,
    });
    const restarted = controller;
    await waitFor(
      'the restarted controller to reconcile',
      async () => (await restarted.metric('meshhub_reconciles_total')) >= 1,
      30_000,
    );
    assert.ok(await restarted.ready(), 'ready: cluster-2 failed its first listing, which settles it');
    await mgmt.apply(policy('ratings-2', 'cluster-2', { policy: { requestTimeout: '9s' } }));
    await mgmt.apply(policy('ratings-timeout', 'cluster-1', { policy: { requestTimeout: '8s' } }));
    await waitFor(
      'cluster-1 still reconciled',
      async () => (await virtualService(c1, 'ratings'))?.spec?.http?.[0]?.timeout === '8s',
    );
    const check = await run(['check']);
    assert.equal(check.code, 1);
    assert.match(check.stdout, /FAIL {2}cluster cluster-2: reachable: .*\n {6}fix: /);
    assert.match(check.stdout, /PASS {2}cluster cluster-1: token authorised/);
    // What is known of cluster-2 stays on the management cluster.
    assert.ok(await mgmt.get(DESTINATION, 'reviews-bookinfo-cluster-2', NS));
    assert.ok(await mgmt.get(MESH, 'istiod-istio-system-cluster-2', NS));

    env = await restartApiServer(env, 'cluster-2');
    await waitFor(
      'cluster-2 converged',
      async () => (await virtualService(c2, 'ratings'))?.spec?.http?.[0]?.timeout === '9s',
      60_000,
    );
    // The same object, updated in place: it was never deleted and re-created.
    assert.equal(((await virtualService(c2, 'ratings')) as KubeObject | undefined)?.metadata.uid, uid);
    await waitFor('meshctl check passing again', async () => (await run(['check'])).code === 0, 30_000);
  });

  it("deregisters cluster-2: every object Mesh Hub wrote there is gone, another management plane's stay", async () => {
    assert.ok(controller);
    const running = controller;
    for (const client of [c1, c2]) {
      await client.apply(foreignVirtualService('another-plane', 'uid-of-another-management-plane'));
      await client.apply(foreignVirtualService('no-identity', undefined));
    }
    // Reconciles pass over them (a policy change), and they stay.
    await nextReconcile(running, async () => {
      await mgmt.apply(policy('ratings-2', 'cluster-2', { policy: { requestTimeout: '7s' } }));
    });
    await waitFor(
      'VirtualService ratings in cluster-2',
      async () => (await virtualService(c2, 'ratings')) !== undefined,
    );
    assert.ok((await ownedOutputs(c2)).length > 0);
    const result = await run(['cluster', 'deregister', 'cluster-2', '--remote-context', 'cluster-2']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await ownedOutputs(c2), []);
    assert.equal(await c2.get(SERVICE_ACCOUNT, 'mesh-hub', NS), undefined);
    assert.equal(await c2.get(CLUSTER_ROLE, `mesh-hub-${NS}-remote-access`), undefined);
    await waitFor('cluster-2 discovered objects gone', async () =>
      (await mgmt.list(DESTINATION, { namespace: NS })).items.every((d) => !d.metadata.name.endsWith('-cluster-2')),
    );
    // Still nothing after the management plane has had time to react.
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(await ownedOutputs(c2), []);
    assert.ok((await ownedOutputs(c1)).length > 0, 'cluster-1 keeps its outputs');
    for (const client of [c1, c2])
      for (const name of FOREIGN)
        assert.ok(await client.get(VS ?? CONFIG_MAP, name, 'bookinfo'), `${client.cluster}: ${name} never deleted`);
    assert.match(
      result.stdout,
      /kept \(not written by this management plane\): VirtualService bookinfo\/another-plane/,
    );
  });

  it('starts watching a cluster registered while it runs, without a restart', async () => {
    assert.ok(controller);
    const pid = controller.process.pid;
    const register = await run(['cluster', 'register', 'cluster-2', '--remote-context', 'cluster-2']);
    assert.equal(register.code, 0, register.stderr);
    await waitFor('Destinations of cluster-2 again', async () =>
      (await mgmt.list(DESTINATION, { namespace: NS })).items.some(
        (d) => d.metadata.name === 'reviews-bookinfo-cluster-2',
      ),
    );
    await waitFor(
      'the policy for cluster-2 applied there again',
      async () => (await virtualService(c2, 'ratings')) !== undefined,
    );
    assert.equal(controller.process.pid, pid, 'the same process');
    assert.match(controller.log(), /cluster deregistered: watches stopped/);
    // Reconciled again with cluster-2 in view: the other planes' objects there are still left alone.
    await new Promise((r) => setTimeout(r, 1000));
    for (const name of FOREIGN) assert.ok(await c2.get(VS ?? CONFIG_MAP, name, 'bookinfo'), name);
  });

  it('renews a registration token when it is due and keeps reconciling with the new one', async () => {
    assert.ok(controller);
    const before = await mgmt.get(SECRET, 'cluster-1', NS);
    assert.ok(before);
    const oldToken = kubeconfigToken(kubeconfigFromSecret(before, 'cluster-1') ?? '');
    assert.ok(oldToken);
    await controller.stop();
    controllerLogs.push(controller.log());
    controller = await startController({
      kubeconfig: env.kubeconfigPath,
      context: 'mgmt',
      logFile: join(workDir, 'controller-4.log'),
      leaseDurationSeconds: 4,
      // Due 2.6 s into its 30-day lifetime: the registered token (a minute old) is renewed at once.
      extraArgs: ['--renew-tokens-at=0.000001'],
    });
    let newToken: string | undefined;
    const renewing = controller;
    await waitFor(
      'a renewed token in the registration Secret',
      async () => {
        const secret = await mgmt.get(SECRET, 'cluster-1', NS);
        newToken = secret === undefined ? undefined : kubeconfigToken(kubeconfigFromSecret(secret, 'cluster-1') ?? '');
        return newToken !== undefined && newToken !== oldToken;
      },
      60_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\ncontroller log:\n${renewing.log().split('\n').slice(-15).join('\n')}`);
    });
    const oldTimes = tokenTimes(oldToken);
    const newTimes = tokenTimes(newToken ?? '');
    assert.ok(oldTimes && newTimes);
    assert.equal(newTimes.expiresAt - newTimes.issuedAt, oldTimes.expiresAt - oldTimes.issuedAt, 'same lifetime');
    assert.ok(newTimes.issuedAt > oldTimes.issuedAt);
    // The Secret's update is visible before the controller has logged it: wait for the line.
    await waitFor('the renewal in the controller log', () =>
      Promise.resolve(/registration token renewed/.test(renewing.log())),
    );
    // A replica with the default renewal point now works with the renewed token alone.
    await renewing.stop();
    controllerLogs.push(renewing.log());
    controller = await startController({
      kubeconfig: env.kubeconfigPath,
      context: 'mgmt',
      logFile: join(workDir, 'controller-5.log'),
      leaseDurationSeconds: 4,
    });
    await mgmt.apply(policy('ratings-timeout', 'cluster-1', { policy: { requestTimeout: '11s' } }));
    await waitFor(
      'cluster-1 reconciled with the new token',
      async () => (await virtualService(c1, 'ratings'))?.spec?.http?.[0]?.timeout === '11s',
    );
    assert.doesNotMatch(controller.log(), /registration token renewed/);
  });

  it('never shows a token or kubeconfig content in logs, status or meshctl output', async () => {
    assert.ok(controller);
    controllerLogs.push(controller.log());
    const kubeconfig = parse(readFileSync(env.kubeconfigPath, 'utf8')) as { users: { user: { token: string } }[] };
    const secrets: string[] = kubeconfig.users.map((u) => u.user.token);
    const registration = await mgmt.get(SECRET, 'cluster-1', NS);
    assert.ok(registration);
    const registered = parse(kubeconfigFromSecret(registration, 'cluster-1') ?? '') as {
      users: { user: { token: string } }[];
      clusters: { cluster: { 'certificate-authority-data'?: string } }[];
    };
    secrets.push(...registered.users.map((u) => u.user.token));
    const ca = registered.clusters[0]?.cluster['certificate-authority-data'];
    if (ca !== undefined) secrets.push(ca.slice(0, 40));
    assert.ok(secrets.every((s) => s.length >= 20));
    const statuses = JSON.stringify(
      await Promise.all(
        [MESH, WORKLOAD, DESTINATION, typeOfObject('multicluster.solo.io/v1alpha1', 'KubernetesCluster')].map(
          async (type) => (type === undefined ? [] : (await mgmt.list(type, { namespace: NS })).items),
        ),
      ),
    );
    const everything = [...controllerLogs, statuses, ...outputs.flatMap((o) => [o.stdout, o.stderr])].join('\n');
    assert.ok(everything.length > 1000);
    for (const secret of secrets) assert.ok(!everything.includes(secret), 'a credential leaked');
    assert.ok(!everything.includes('BEGIN CERTIFICATE') && !everything.includes('kind: Config'));
  });
});
