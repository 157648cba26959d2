// `meshctl describe` and `meshctl debug snapshot` against a live management plane: install, register
// cluster-1, a small meshed app, the controller in-process, policies (one of them rejected), then the
// commands through runMeshctl, exactly as a user runs them.
//
// The clusters are private to this file (mgmt and cluster-1). A fresh install namespace on the shared
// clusters would not isolate it: the management plane reads policies in every namespace and writes
// their status, discovers everything in a registered cluster, and deregistration deletes what carries
// its owner label there — so two installs on one management cluster rewrite each other's status, and
// one deregistering could remove the other's VirtualServices.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { parse, parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../src/api/meta.ts';
import { install } from '../../src/cli/commands/install.ts';
import { DEFAULT_IMAGE } from '../../src/install/manifests.ts';
import { clientFromKubeconfigFile, type KubeClient } from '../../src/kube/client.ts';
import {
  deregisterCluster,
  kubeconfigSecret,
  registerCluster,
  registrationKubeconfig,
} from '../../src/kube/registration.ts';
import { DESTINATION, ISTIO_OUTPUT_TYPES, MESH_HUB_TYPES, SECRET } from '../../src/kube/resources.ts';
import { Controller } from '../../src/reconcile/controller.ts';
import { createMetrics } from '../../src/reconcile/metrics.ts';
import { kubeconfigFromSecret } from '../../src/reconcile/registered-clusters.ts';
import { startTestEnv, stopTestEnv, type TestEnvState } from '../../src/testenv/launcher.ts';
import { waitFor } from '../testenv/helpers.ts';
import { meshctl, type MeshctlRun } from './support.ts';

const suffix = randomBytes(3).toString('hex');
const NS = `mh-dd-${suffix}`;
const MESH_NS = `dd-istio-${suffix}`;
const APP_NS = `dd-app-${suffix}`;
const REVISION = `dd-${suffix}`;
const WEB = `web-${APP_NS}-cluster-1`;
const API = `api-${APP_NS}-cluster-1`;
const MESH = `istiod-${MESH_NS}-cluster-1`;
/** A registered cluster whose API server is never there: reported per cluster, never fatal. */
const GONE = 'cluster-9';
const GONE_TOKEN = `gone-token-${randomBytes(8).toString('hex')}`;

const VIRTUAL_SERVICE = ISTIO_OUTPUT_TYPES.find((t) => t.kind === 'VirtualService');
const TRAFFIC_POLICY = MESH_HUB_TYPES.find((t) => t.kind === 'TrafficPolicy');

let env: TestEnvState | undefined;
let kubeconfigPath = '';
let workDir: string;
let mgmt: KubeClient;
let c1: KubeClient;
let controller: Controller | undefined;
let registered = false;
const outputs: MeshctlRun[] = [];

async function run(...args: string[]): Promise<MeshctlRun> {
  const result = await meshctl(['--kubeconfig', kubeconfigPath, '--context', 'mgmt', ...args]);
  outputs.push(result);
  return result;
}

function meshedApp(name: string, port: number): KubeObject[] {
  const labels = { app: name, version: 'v1', 'istio.io/rev': REVISION };
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: APP_NS, labels: { app: name } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name, version: 'v1' } },
        template: {
          metadata: { labels },
          spec: {
            // No sidecar injector runs here: the template carries what injection would have added.
            containers: [
              { name, image: `example.com/${name}:1.0`, ports: [{ containerPort: port }] },
              { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.24.2', args: ['proxy', 'sidecar'] },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: APP_NS, labels: { app: name } },
      spec: { selector: { app: name }, ports: [{ name: 'http', port, targetPort: port, protocol: 'TCP' }] },
    },
  ] as KubeObject[];
}

function appObjects(): KubeObject[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: MESH_NS } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: APP_NS, labels: { 'istio.io/rev': REVISION } } },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `istio-${REVISION}`, namespace: MESH_NS },
      data: { mesh: 'trustDomain: cluster.local\nrootNamespace: istio-system\n' },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'istiod', namespace: MESH_NS, labels: { app: 'istiod', 'istio.io/rev': REVISION } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'istiod' } },
        template: {
          metadata: { labels: { app: 'istiod', istio: 'pilot', 'istio.io/rev': REVISION } },
          spec: { containers: [{ name: 'discovery', image: 'docker.io/istio/pilot:1.24.2', args: ['discovery'] }] },
        },
      },
    },
    ...meshedApp('web', 8080),
    ...meshedApp('api', 9090),
  ] as KubeObject[];
}

function selectService(name: string) {
  return [{ kubeServiceRefs: { services: [{ name, namespace: APP_NS, clusterName: 'cluster-1' }] } }];
}

function policies(): KubeObject[] {
  const meta = (name: string) => ({ name, namespace: NS });
  return [
    {
      apiVersion: 'networking.mesh.gloo.solo.io/v1',
      kind: 'TrafficPolicy',
      metadata: meta('web-timeout'),
      spec: { destinationSelector: selectService('web'), policy: { requestTimeout: '2s' } },
    },
    {
      apiVersion: 'networking.mesh.gloo.solo.io/v1',
      kind: 'TrafficPolicy',
      metadata: meta('api-retries'),
      spec: { destinationSelector: selectService('api'), policy: { retries: { attempts: 3 } } },
    },
    // Valid for the schema, wrong for this estate: the Service it mirrors to does not exist.
    {
      apiVersion: 'networking.mesh.gloo.solo.io/v1',
      kind: 'TrafficPolicy',
      metadata: meta('web-mirror-ghost'),
      spec: {
        destinationSelector: selectService('web'),
        policy: { mirror: { kubeService: { name: 'ghost', namespace: APP_NS, clusterName: 'cluster-1' } } },
      },
    },
    {
      apiVersion: 'networking.mesh.gloo.solo.io/v1',
      kind: 'AccessPolicy',
      metadata: meta('web-from-app'),
      spec: {
        sourceSelector: [{ kubeIdentityMatcher: { namespaces: [APP_NS], clusters: ['cluster-1'] } }],
        destinationSelector: selectService('web'),
      },
    },
  ] as KubeObject[];
}

/** Every file under a folder, relative path → content. */
function filesUnder(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.set(relative(dir, full), readFileSync(full, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

function names(yamlText: string | undefined, kind: string): string[] {
  return parseAllDocuments(yamlText ?? '')
    .map((doc) => doc.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o?.kind === kind)
    .map((o) => o.metadata.name)
    .sort();
}

describe('meshctl describe and debug snapshot on a live management plane', { timeout: 300_000 }, () => {
  before(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'mesh-hub-describe-'));
    env = await startTestEnv({ stateDir: join(workDir, 'env'), clusters: ['mgmt', 'cluster-1'] });
    kubeconfigPath = env.kubeconfigPath;
    mgmt = clientFromKubeconfigFile('mgmt', kubeconfigPath, 'mgmt');
    c1 = clientFromKubeconfigFile('cluster-1', kubeconfigPath, 'cluster-1');
  });

  after(async () => {
    await controller?.stop();
    if (registered) await deregisterCluster({ cluster: 'cluster-1', installNamespace: NS, mgmt, remote: c1 });
    if (env !== undefined) await stopTestEnv(env);
    rmSync(workDir, { recursive: true, force: true });
  });

  it('runs the management plane over a meshed app in cluster-1 with accepted and rejected policies', async () => {
    await install(mgmt, { namespace: NS, image: DEFAULT_IMAGE, version: 'test', replicas: 1 }, () => undefined);
    await registerCluster({
      cluster: 'cluster-1',
      installNamespace: NS,
      mgmt,
      remote: c1,
      clusterDomain: 'cluster.local',
      tokenLifetimeSeconds: 3600,
    });
    registered = true;
    // A registration whose API server never answers.
    await mgmt.apply(
      kubeconfigSecret(GONE, NS, registrationKubeconfig(GONE, 'https://127.0.0.1:1', undefined, GONE_TOKEN)),
    );
    await mgmt.apply({
      apiVersion: 'multicluster.solo.io/v1alpha1',
      kind: 'KubernetesCluster',
      metadata: { name: GONE, namespace: NS },
      spec: { secretName: GONE, clusterDomain: 'cluster.local' },
    });
    for (const object of appObjects()) await c1.apply(object);

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
      `Destinations ${WEB} and ${API}`,
      async () => {
        const found = (await mgmt.list(DESTINATION, { namespace: NS })).items.map((d) => d.metadata.name);
        return found.includes(WEB) && found.includes(API);
      },
      60_000,
    );

    for (const object of policies()) await mgmt.apply(object);
    if (VIRTUAL_SERVICE === undefined || TRAFFIC_POLICY === undefined) throw new Error('resource table changed');
    const vs = VIRTUAL_SERVICE;
    await waitFor(
      'the VirtualService of web with the 2s timeout in cluster-1',
      async () => {
        const object = (await c1.get(vs, 'web', APP_NS)) as { spec?: { http?: { timeout?: string }[] } } | undefined;
        return object?.spec?.http?.some((route) => route.timeout === '2s') === true;
      },
      30_000,
    );
    const tp = TRAFFIC_POLICY;
    await waitFor('web-mirror-ghost rejected for web', async () => {
      const status = ((await mgmt.get(tp, 'web-mirror-ghost', NS)) as { status?: Record<string, unknown> } | undefined)
        ?.status as { state?: string; destinations?: Record<string, { state?: string }> } | undefined;
      return status?.state === 'INVALID' && status.destinations?.[`${WEB}.${NS}.`]?.state === 'INVALID';
    });
    await waitFor('web lists web-timeout as applied', async () => {
      const web = (await mgmt.get(DESTINATION, WEB, NS)) as
        { status?: { appliedTrafficPolicies?: { ref?: { name?: string } }[] } } | undefined;
      return web?.status?.appliedTrafficPolicies?.some((p) => p.ref?.name === 'web-timeout') === true;
    });
  });

  it('describes a Destination: applied and rejected policies, and what was written where', async () => {
    const text = await run('describe', 'destination', WEB, '-n', NS);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^Destination: +${NS}/${WEB}$`, 'm'));
    assert.match(text.stdout, /^Cluster: +cluster-1$/m);
    assert.match(text.stdout, new RegExp(`^Service: +${APP_NS}/web$`, 'm'));
    assert.match(text.stdout, new RegExp(`^Mesh: +${NS}/${MESH}$`, 'm'));
    assert.match(text.stdout, /^Ports: +http 8080\/TCP → 8080$/m);
    assert.match(text.stdout, new RegExp(`TrafficPolicy +${NS}/web-timeout +ACCEPTED`));
    assert.match(text.stdout, new RegExp(`AccessPolicy +${NS}/web-from-app +ACCEPTED`));
    assert.match(
      text.stdout,
      new RegExp(
        `TrafficPolicy +${NS}/web-mirror-ghost +INVALID +spec\\.policy\\.mirror\\.kubeService: no Destination for Service ${APP_NS}/ghost in cluster cluster-1`,
      ),
    );
    assert.match(text.stdout, new RegExp(`cluster-1 +VirtualService\\.networking\\.istio\\.io +${APP_NS}/web +parent`));
    assert.match(
      text.stdout,
      new RegExp(`cluster-1 +AuthorizationPolicy\\.security\\.istio\\.io +${APP_NS}/web +parent`),
    );
    assert.match(text.stdout, new RegExp(`${GONE} +- +- +unreachable: .*127\\.0\\.0\\.1:1`));
    assert.doesNotMatch(text.stdout, new RegExp(`${APP_NS}/api`), "api's VirtualService is not web's");
    assert.doesNotMatch(text.stdout, /api-retries/);

    const json = await run('-o', 'json', 'describe', 'destination', `${NS}/${WEB}`);
    assert.equal(json.code, 0, json.stderr);
    const d = JSON.parse(json.stdout) as {
      kind: string;
      policies: Record<'applied' | 'rejected', { name: string; errors: string[] }[]>;
      outputs: { cluster: string; reachable: boolean; objects: { kind: string; namespace: string; name: string }[] }[];
    };
    assert.equal(d.kind, 'Destination');
    assert.deepEqual(d.policies.applied.map((p) => p.name).sort(), ['web-from-app', 'web-timeout']);
    assert.deepEqual(
      d.policies.rejected.map((p) => [p.name, p.errors]),
      [
        [
          'web-mirror-ghost',
          [`spec.policy.mirror.kubeService: no Destination for Service ${APP_NS}/ghost in cluster cluster-1`],
        ],
      ],
    );
    assert.deepEqual(
      d.outputs.map((c) => [c.cluster, c.reachable, c.objects.map((o) => `${o.kind} ${o.namespace}/${o.name}`)]),
      [
        [
          'cluster-1',
          true,
          [`AuthorizationPolicy ${APP_NS}/web`, `DestinationRule ${APP_NS}/web`, `VirtualService ${APP_NS}/web`],
        ],
        [GONE, false, []],
      ],
    );
    const yaml = await run('-o', 'yaml', 'describe', 'destination', WEB, '-n', NS);
    assert.equal(yaml.code, 0, yaml.stderr);
    assert.deepEqual(parse(yaml.stdout), JSON.parse(json.stdout));
  });

  it('describes a policy: state, per-Destination results with errors, Workloads, outputs', async () => {
    const rejected = await run('describe', 'trafficpolicy', `${NS}/web-mirror-ghost`);
    assert.equal(rejected.code, 0, rejected.stderr);
    assert.match(rejected.stdout, /^State: +INVALID$/m);
    assert.match(
      rejected.stdout,
      new RegExp(
        `${WEB} +cluster-1 +${APP_NS}/web +INVALID +- +error: spec\\.policy\\.mirror\\.kubeService: no Destination`,
      ),
    );
    // Nothing in cluster-1 names it as a parent; the cluster that cannot be reached is still reported.
    assert.doesNotMatch(rejected.stdout, /cluster-1 +\w+\.(networking|security)\.istio\.io/);
    assert.match(rejected.stdout, new RegExp(`^ +${GONE} +- +- +unreachable: `, 'm'));

    const accepted = await run('-o', 'json', 'describe', 'trafficpolicy', 'web-timeout', '-n', NS);
    assert.equal(accepted.code, 0, accepted.stderr);
    const p = JSON.parse(accepted.stdout) as {
      state: string;
      statusCurrent: boolean;
      destinations: { destination: string; service: string; state: string }[];
      workloads: string[];
      outputs: { cluster: string; objects: { kind: string; name: string }[] }[];
    };
    assert.equal(p.state, 'ACCEPTED');
    assert.equal(p.statusCurrent, true);
    assert.deepEqual(
      p.destinations.map((r) => [r.destination, r.service, r.state]),
      [[WEB, `${APP_NS}/web`, 'ACCEPTED']],
    );
    assert.deepEqual(p.workloads, ['*']);
    assert.deepEqual(
      p.outputs.find((c) => c.cluster === 'cluster-1')?.objects.map((o) => `${o.kind} ${o.name}`),
      ['VirtualService web'],
    );
  });

  it('describes a Mesh and a Workload', async () => {
    const mesh = await run('describe', 'mesh', MESH, '-n', NS);
    assert.equal(mesh.code, 0, mesh.stderr);
    assert.match(mesh.stdout, /^Type: +istio$/m);
    assert.match(mesh.stdout, new RegExp(`^Installed in: +${MESH_NS}$`, 'm'));
    assert.match(mesh.stdout, /^Workloads \(2\):$/m);
    assert.match(mesh.stdout, new RegExp(`^ {2}- ${WEB}$`, 'm'));

    const workload = await run('describe', 'workload', `web-${APP_NS}-cluster-1-deployment`, '-n', NS);
    assert.equal(workload.code, 0, workload.stderr);
    assert.match(workload.stdout, new RegExp(`^Controller: +Deployment ${APP_NS}/web$`, 'm'));
    assert.match(workload.stdout, new RegExp(`^Destinations selecting it: ${WEB}$`, 'm'));
    assert.match(workload.stdout, new RegExp(`AccessPolicy +${NS}/web-from-app +named`));
  });

  it('fails with near matches for an unknown name', async () => {
    const result = await run('describe', 'destination', 'web', '-n', NS);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, new RegExp(`^error: Destination ${NS}/web not found; did you mean: ${WEB}\\?\\n$`));
    const policy = await run('describe', 'trafficpolicy', 'web-timout', '-n', 'default');
    assert.equal(policy.code, 1);
    assert.match(
      policy.stderr,
      new RegExp(`TrafficPolicy default/web-timout not found; did you mean: ${NS}/web-timeout`),
    );
    const kind = await run('describe', 'gateway', 'x');
    assert.equal(kind.code, 2);
  });

  it('writes a debug snapshot that render replays to the same Destinations, with no secret in it', async () => {
    const dir = join(workDir, 'snapshot');
    const result = await run('debug', 'snapshot', '--output', dir, '-n', NS);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^cluster-1 +ok +\d+ +[1-9]\d*$/m);
    assert.match(result.stdout, new RegExp(`^${GONE} +unreachable +0 +0$`, 'm'));
    assert.match(result.stderr, new RegExp(`warning: cluster ${GONE}: .*127\\.0\\.0\\.1:1`));

    const files = filesUnder(dir);
    for (const name of [
      'README.txt',
      'input/mgmt/trafficpolicy.networking.mesh.gloo.solo.io.yaml',
      'input/mgmt/accesspolicy.networking.mesh.gloo.solo.io.yaml',
      'input/mgmt/kubernetescluster.multicluster.solo.io.yaml',
      'input/mgmt/settings.settings.mesh.gloo.solo.io.yaml',
      'input/clusters/cluster-1/deployment.apps.yaml',
      'input/clusters/cluster-1/service.yaml',
      'input/clusters/cluster-1/pod.yaml',
      'output/mgmt/destination.discovery.mesh.gloo.solo.io.yaml',
      'output/mgmt/mesh.discovery.mesh.gloo.solo.io.yaml',
      'output/clusters/cluster-1/virtualservice.networking.istio.io.yaml',
      'output/clusters/cluster-1/authorizationpolicy.security.istio.io.yaml',
    ]) {
      assert.ok(files.has(name), `${name} missing; files: ${[...files.keys()].join(', ')}`);
      assert.equal(statSync(join(dir, name)).mode & 0o777, 0o600, name);
    }
    assert.ok(![...files.keys()].some((f) => f.startsWith(`input/clusters/${GONE}`)), 'nothing read from cluster-9');
    assert.match(files.get('README.txt') ?? '', new RegExp(`${GONE}: UNREACHABLE .*\\n +error: .*127\\.0\\.0\\.1:1`));
    assert.deepEqual(
      names(files.get('output/clusters/cluster-1/virtualservice.networking.istio.io.yaml'), 'VirtualService'),
      ['api', 'web'],
    );
    for (const [name, content] of files) {
      assert.doesNotMatch(content, /managedFields|resourceVersion|\buid:/, name);
      assert.doesNotMatch(content, /kind: Secret/, `${name} holds a Secret (kubeconfig Secrets are left out)`);
    }

    // No registration token anywhere: not in files, not in what any command printed.
    const secret = await mgmt.get(SECRET, 'cluster-1', NS);
    const kubeconfig = secret === undefined ? undefined : kubeconfigFromSecret(secret, 'cluster-1');
    const token = (parse(kubeconfig ?? '') as { users?: { user?: { token?: string } }[] } | null)?.users?.[0]?.user
      ?.token;
    assert.ok(token !== undefined && token.length > 20, 'the registration Secret holds a token');
    const everything = [...files.values(), ...outputs.map((o) => o.stdout + o.stderr)].join('\n');
    for (const leaked of [token, GONE_TOKEN]) assert.ok(!everything.includes(leaked), 'a token was written or printed');

    const replay = join(workDir, 'replay');
    const render = await meshctl(['render', '--input', join(dir, 'input'), '--namespace', NS, '--output', replay]);
    assert.equal(render.code, 0, render.stderr);
    const replayed = filesUnder(replay);
    const snapshotDestinations = names(
      files.get('output/mgmt/destination.discovery.mesh.gloo.solo.io.yaml'),
      'Destination',
    );
    assert.ok(snapshotDestinations.includes(WEB) && snapshotDestinations.includes(API), snapshotDestinations.join(','));
    assert.deepEqual(
      names(replayed.get('mgmt/destination.discovery.mesh.gloo.solo.io.yaml'), 'Destination'),
      snapshotDestinations,
    );
    // What the controller wrote to cluster-1 is what render computes from the snapshot's input.
    for (const file of [
      'clusters/cluster-1/virtualservice.networking.istio.io.yaml',
      'clusters/cluster-1/authorizationpolicy.security.istio.io.yaml',
    ]) {
      assert.equal(replayed.get(file), files.get(`output/${file}`), `${file}: replay differs from the live output`);
    }
  });
});
