// Heterogeneous meshes end to end on four real clusters of its own: a management cluster and three
// workload clusters, one shaped like an Istio install, one like a Linkerd install (linkerd-destination
// on the linkerd controller image, linkerd-config, workloads with the linkerd-proxy sidecar), one like
// an Open Service Mesh install (osm-controller, workloads with the envoy sidecar and osm-init as OSM
// injects them). All three registered with meshctl: discovery finds the three Meshes; a
// TrafficPolicy (traffic shift + timeout) and an AccessPolicy selecting a Destination in each
// cluster become each mesh's own objects there, change with the policies and go with them. OSM has
// no request timeout: the canary is INVALID on its Destination only, and a shift-only TrafficPolicy
// gives it its TrafficSplit. Objects are found by Mesh Hub's owner label and kind, never by name.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OWNER_LABEL, PARENTS_ANNOTATION } from '../../src/api/labels.ts';
import type { KubeObject } from '../../src/api/meta.ts';
import { clientFromKubeconfigFile, KubeApiError, type KubeClient } from '../../src/kube/client.ts';
import {
  DESTINATION,
  ISTIO_OUTPUT_TYPES,
  LINKERD_OUTPUT_TYPES,
  MESH,
  NAMESPACE,
  OSM_OUTPUT_TYPES,
  typeOfObject,
  type ResourceType,
} from '../../src/kube/resources.ts';
import { startTestEnv, stopTestEnv, type TestEnvState } from '../../src/testenv/launcher.ts';
import { waitFor } from '../testenv/helpers.ts';
import { meshctl, startController, type RunningController } from './support.ts';

const NS = 'gloo-mesh';
const APP_NS = 'shop';
type MeshKind = 'istio' | 'linkerd' | 'osm';
const CLUSTER_OF: Readonly<Record<MeshKind, string>> = {
  istio: 'cluster-istio',
  linkerd: 'cluster-linkerd',
  osm: 'cluster-osm',
};
const MESH_KINDS = ['istio', 'linkerd', 'osm'] as const;
const MESH_NAMES: Readonly<Record<MeshKind, string>> = {
  istio: 'istiod-istio-system-cluster-istio',
  linkerd: 'linkerd-destination-linkerd-cluster-linkerd',
  osm: 'osm-controller-osm-system-cluster-osm',
};

/** Every kind a mesh's translator may write (the controller's own lists): a cluster gets no other mesh's kinds. */
const MAY_WRITE: Readonly<Record<MeshKind, readonly ResourceType[]>> = {
  istio: ISTIO_OUTPUT_TYPES,
  linkerd: LINKERD_OUTPUT_TYPES,
  osm: OSM_OUTPUT_TYPES,
};
const ALL_OUTPUT_TYPES: readonly ResourceType[] = MESH_KINDS.flatMap((mesh) => MAY_WRITE[mesh]);

function registered(mesh: MeshKind, group: string, kind: string): ResourceType {
  const found = MAY_WRITE[mesh].find((t) => t.group === group && t.kind === kind);
  if (found === undefined) throw new Error(`${group}/${kind} is not a ${mesh} output kind of the controller`);
  return found;
}

/** The kinds each mesh must get for the two policies. */
const EXPECTED: Readonly<Record<MeshKind, readonly ResourceType[]>> = {
  istio: [
    registered('istio', 'networking.istio.io', 'VirtualService'),
    registered('istio', 'security.istio.io', 'AuthorizationPolicy'),
  ],
  linkerd: [
    registered('linkerd', 'gateway.networking.k8s.io', 'HTTPRoute'),
    registered('linkerd', 'policy.linkerd.io', 'Server'),
    registered('linkerd', 'policy.linkerd.io', 'AuthorizationPolicy'),
    registered('linkerd', 'policy.linkerd.io', 'MeshTLSAuthentication'),
  ],
  osm: [
    registered('osm', 'split.smi-spec.io', 'TrafficSplit'),
    registered('osm', 'access.smi-spec.io', 'TrafficTarget'),
    registered('osm', 'specs.smi-spec.io', 'HTTPRouteGroup'),
  ],
};

const TRAFFIC_POLICY = typeOfObject('networking.mesh.gloo.solo.io/v1', 'TrafficPolicy');
const ACCESS_POLICY = typeOfObject('networking.mesh.gloo.solo.io/v1', 'AccessPolicy');

let env: TestEnvState;
let workDir: string;
let mgmt: KubeClient;
const remotes = new Map<MeshKind, KubeClient>();
let controller: RunningController | undefined;

function remote(mesh: MeshKind): KubeClient {
  const client = remotes.get(mesh);
  if (client === undefined) throw new Error(`no client for ${mesh}`);
  return client;
}

// ---------- what each cluster holds: a control plane and an application namespace ----------

function deployment(
  name: string,
  namespace: string,
  selector: Record<string, string>,
  template: {
    labels: Record<string, string>;
    serviceAccountName: string;
    containers: object[];
    initContainers?: object[];
  },
): KubeObject {
  const { labels, ...spec } = template;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: selector },
    spec: { replicas: 1, selector: { matchLabels: selector }, template: { metadata: { labels }, spec } },
  };
}

function controlPlane(mesh: MeshKind): KubeObject[] {
  switch (mesh) {
    case 'istio':
      return [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } },
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'istio', namespace: 'istio-system' },
          data: { mesh: 'trustDomain: cluster.local\n' },
        },
        deployment(
          'istiod',
          'istio-system',
          { app: 'istiod', istio: 'pilot' },
          {
            labels: { app: 'istiod', istio: 'pilot', 'istio.io/rev': 'default' },
            serviceAccountName: 'istiod',
            containers: [{ name: 'discovery', image: 'docker.io/istio/pilot:1.24.2' }],
          },
        ),
      ];
    case 'linkerd': {
      const selector = {
        'linkerd.io/control-plane-component': 'destination',
        'linkerd.io/control-plane-ns': 'linkerd',
      };
      return [
        {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: 'linkerd', labels: { 'linkerd.io/is-control-plane': 'true' } },
        },
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'linkerd-config', namespace: 'linkerd' },
          data: { values: 'clusterDomain: cluster.local\nidentityTrustDomain: cluster.local\n' },
        },
        deployment('linkerd-destination', 'linkerd', selector, {
          labels: { ...selector, 'linkerd.io/workload-ns': 'linkerd' },
          serviceAccountName: 'linkerd-destination',
          containers: [{ name: 'destination', image: 'cr.l5d.io/linkerd/controller:edge-26.8.3' }],
        }),
      ];
    }
    case 'osm':
      return [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'osm-system' } },
        deployment(
          'osm-controller',
          'osm-system',
          { app: 'osm-controller' },
          {
            labels: { app: 'osm-controller', meshName: 'osm' },
            serviceAccountName: 'osm-controller',
            containers: [{ name: 'osm-controller', image: 'openservicemesh/osm-controller:v1.2.4' }],
          },
        ),
      ];
  }
}

/** The containers a mesh's injector gives an application pod (no webhook runs here: the template has them). */
function injected(mesh: MeshKind, app: string): { containers: object[]; initContainers?: object[] } {
  const main = { name: app, image: `example/${app}:1`, ports: [{ name: 'http', containerPort: 8080 }] };
  switch (mesh) {
    case 'istio':
      return { containers: [main, { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.24.2' }] };
    case 'linkerd':
      return {
        containers: [main, { name: 'linkerd-proxy', image: 'cr.l5d.io/linkerd/proxy:edge-26.8.3' }],
        initContainers: [{ name: 'linkerd-init', image: 'cr.l5d.io/linkerd/proxy-init:v2.4.1' }],
      };
    case 'osm':
      return {
        containers: [main, { name: 'envoy', image: 'envoyproxy/envoy:v1.22.2' }],
        initContainers: [{ name: 'osm-init', image: 'openservicemesh/init:v1.2.4' }],
      };
  }
}

/**
 * The shop: Service `web` over web-v1 and web-v2 (each also behind its own Service, the backends of
 * the traffic shift), and a `client` workload whose ServiceAccount the AccessPolicy allows.
 */
function application(mesh: MeshKind): KubeObject[] {
  const namespaceMeta =
    mesh === 'istio'
      ? { labels: { 'istio-injection': 'enabled' } }
      : mesh === 'linkerd'
        ? { annotations: { 'linkerd.io/inject': 'enabled' } }
        : { labels: { 'openservicemesh.io/monitored-by': 'osm' } };
  const service = (name: string, selector: Record<string, string>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: APP_NS, labels: { app: 'web' } },
    spec: { selector, ports: [{ name: 'http', port: 8080, targetPort: 8080, appProtocol: 'http' }] },
  });
  const serviceAccount = (name: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name, namespace: APP_NS },
  });
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: APP_NS, ...namespaceMeta } },
    serviceAccount('web'),
    serviceAccount('client'),
    service('web', { app: 'web' }),
    service('web-v1', { app: 'web', version: 'v1' }),
    service('web-v2', { app: 'web', version: 'v2' }),
    ...['v1', 'v2'].map((version) =>
      deployment(
        `web-${version}`,
        APP_NS,
        { app: 'web', version },
        { labels: { app: 'web', version }, serviceAccountName: 'web', ...injected(mesh, 'web') },
      ),
    ),
    deployment(
      'client',
      APP_NS,
      { app: 'client' },
      { labels: { app: 'client' }, serviceAccountName: 'client', ...injected(mesh, 'client') },
    ),
  ];
}

/** Applies in order: namespaces first, ServiceAccounts before the Deployments whose pods name them. */
async function load(client: KubeClient, objects: readonly KubeObject[]): Promise<void> {
  for (const object of objects) await client.apply(object);
}

// ---------- the policies ----------

const webRefs = (meshes: readonly MeshKind[] = MESH_KINDS) =>
  meshes.map((mesh) => ({ name: 'web', namespace: APP_NS, clusterName: CLUSTER_OF[mesh] }));

/**
 * A TrafficPolicy for the web Services of `meshes`: shift between web-v1 and web-v2 of each one's own
 * cluster, and (when given) a timeout.
 */
function trafficPolicy(
  name: string,
  meshes: readonly MeshKind[],
  weights: readonly [number, number],
  timeout?: string,
): KubeObject {
  return {
    apiVersion: 'networking.mesh.gloo.solo.io/v1',
    kind: 'TrafficPolicy',
    metadata: { name, namespace: NS },
    spec: {
      destinationSelector: [{ kubeServiceRefs: { services: webRefs(meshes) } }],
      policy: {
        ...(timeout === undefined ? {} : { requestTimeout: timeout }),
        // Without namespace and cluster, a backend is in the selected Destination's own namespace and cluster.
        trafficShift: {
          destinations: [
            { kubeService: { name: 'web-v1' }, weight: weights[0] },
            { kubeService: { name: 'web-v2' }, weight: weights[1] },
          ],
        },
      },
    },
  };
}

/**
 * The policies of the test: the canary (shift and timeout) over all three clusters, and the shift
 * alone for OSM, which has no request timeout (the canary is INVALID on its Destination only).
 */
const canary = (weights: readonly [number, number], timeout: string) =>
  trafficPolicy('web-canary', MESH_KINDS, weights, timeout);
const osmCanary = (weights: readonly [number, number]) => trafficPolicy('web-canary-osm', ['osm'], weights);

/**
 * One AccessPolicy for the three web Services: identities of the shop namespace may GET (then also
 * POST) /api/*. By namespace rather than by ServiceAccount and cluster: an Istio Destination cannot
 * name the identity of a cluster without an Istio mesh (it has no trust domain to write).
 */
function accessPolicy(methods: readonly string[]): KubeObject {
  return {
    apiVersion: 'networking.mesh.gloo.solo.io/v1',
    kind: 'AccessPolicy',
    metadata: { name: 'web-clients', namespace: NS },
    spec: {
      destinationSelector: [{ kubeServiceRefs: { services: webRefs() } }],
      sourceSelector: [{ kubeIdentityMatcher: { namespaces: [APP_NS] } }],
      allowedPaths: ['/api/*'],
      allowedMethods: [...methods],
    },
  };
}

// ---------- looking at outputs ----------

/** Mesh Hub's outputs in the shop namespace of one cluster, of every kind any translator writes. */
async function outputsIn(client: KubeClient): Promise<KubeObject[]> {
  const found: KubeObject[] = [];
  for (const outputType of ALL_OUTPUT_TYPES) {
    try {
      const list = await client.list(outputType, { namespace: APP_NS, labelSelector: `${OWNER_LABEL}=${NS}` });
      found.push(...list.items);
    } catch (error) {
      // A kind the cluster does not serve holds nothing.
      if (error instanceof KubeApiError && error.status === 404) continue;
      throw error;
    }
  }
  return found;
}

const groupKind = (object: KubeObject) => `${object.apiVersion.split('/')[0] ?? ''}/${object.kind}`;

/** Whether an output was written for one of the test's policies (its parents annotation names them). */
const fromPolicies = (object: KubeObject) =>
  /web-canary|web-clients/.test(object.metadata.annotations?.[PARENTS_ANNOTATION] ?? '');

/** Every `weight` in an object's spec, sorted: the traffic shift as any mesh writes it. */
function weightsIn(value: unknown): number[] {
  if (Array.isArray(value)) return value.flatMap(weightsIn).sort((a, b) => a - b);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value)
    .flatMap(([k, v]) => (k === 'weight' && typeof v === 'number' ? [v] : weightsIn(v)))
    .sort((a, b) => a - b);
}

/** What the policies' status says, for failure messages. */
async function policyStatus(): Promise<string> {
  const statuses: string[] = [];
  for (const [policyType, name] of [
    [TRAFFIC_POLICY, 'web-canary'],
    [TRAFFIC_POLICY, 'web-canary-osm'],
    [ACCESS_POLICY, 'web-clients'],
  ] as const) {
    if (policyType === undefined) continue;
    const object = (await mgmt.get(policyType, name, NS).catch(() => undefined)) as
      (KubeObject & { status?: unknown }) | undefined;
    statuses.push(`${policyType.kind} ${name}: ${JSON.stringify(object?.status ?? null)}`);
  }
  return statuses.join('\n');
}

/** Waits until `check` holds for the outputs of every workload cluster; the failure names the clusters and the statuses. */
async function untilOutputs(
  what: string,
  check: (mesh: MeshKind, outputs: readonly KubeObject[]) => boolean,
  timeoutMs = 60_000,
): Promise<void> {
  let last = new Map<MeshKind, KubeObject[]>();
  try {
    await waitFor(
      what,
      async () => {
        last = new Map();
        for (const mesh of MESH_KINDS) last.set(mesh, await outputsIn(remote(mesh)));
        return MESH_KINDS.every((mesh) => check(mesh, last.get(mesh) ?? []));
      },
      timeoutMs,
    );
  } catch (error) {
    const seen = MESH_KINDS.map(
      (mesh) =>
        `${CLUSTER_OF[mesh]}: ${
          (last.get(mesh) ?? []).map((o) => `${groupKind(o)} ${o.metadata.name}`).join(', ') || 'nothing'
        }`,
    ).join('\n');
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${seen}\n${await policyStatus()}`, {
      cause: error,
    });
  }
}

describe('Istio, Linkerd and Open Service Mesh clusters under one management plane', { timeout: 280_000 }, () => {
  before(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'mesh-hub-mixed-'));
    env = await startTestEnv({
      stateDir: join(workDir, 'env'),
      clusters: ['mgmt', ...Object.values(CLUSTER_OF)],
      // Four clusters start at once: on a busy machine an API server may take longer than the default.
      readyTimeoutMs: 150_000,
    });
    mgmt = clientFromKubeconfigFile('mgmt', env.kubeconfigPath, 'mgmt');
    for (const mesh of MESH_KINDS) {
      remotes.set(mesh, clientFromKubeconfigFile(CLUSTER_OF[mesh], env.kubeconfigPath, CLUSTER_OF[mesh]));
    }
  });

  after(async () => {
    await controller?.stop();
    // `env` is unset when start-up itself failed (it cleans up after itself then).
    await Promise.resolve()
      .then(() => stopTestEnv(env))
      .catch(() => undefined);
    rmSync(workDir, { recursive: true, force: true });
  });

  it('installs Mesh Hub, registers the three clusters with meshctl and starts the management plane', async () => {
    const base = ['--kubeconfig', env.kubeconfigPath, '--context', 'mgmt'];
    const install = await meshctl([...base, 'install', '--wait=false']);
    assert.equal(install.code, 0, install.stderr);
    for (const mesh of MESH_KINDS) {
      const cluster = CLUSTER_OF[mesh];
      const register = await meshctl([...base, 'cluster', 'register', cluster, '--remote-context', cluster]);
      assert.equal(register.code, 0, register.stderr);
      await load(remote(mesh), [...controlPlane(mesh), ...application(mesh)]);
      assert.ok(await remote(mesh).get(NAMESPACE, APP_NS));
    }
    controller = await startController({
      kubeconfig: env.kubeconfigPath,
      context: 'mgmt',
      logFile: join(workDir, 'controller.log'),
      leaseDurationSeconds: 4,
    });
    const running = controller;
    await waitFor('the controller to be ready', () => running.ready(), 60_000);
  });

  it('discovers one Mesh per cluster, of its own type, with the control plane selector as podLabels', async () => {
    await waitFor(
      'the three Meshes and the web Destination of each cluster',
      async () => {
        const meshes = (await mgmt.list(MESH, { namespace: NS })).items.map((m) => m.metadata.name);
        const destinations = (await mgmt.list(DESTINATION, { namespace: NS })).items.map((d) => d.metadata.name);
        return (
          MESH_KINDS.every((mesh) => meshes.includes(MESH_NAMES[mesh])) &&
          MESH_KINDS.every((mesh) =>
            ['web', 'web-v1', 'web-v2'].every((service) =>
              destinations.includes(`${service}-${APP_NS}-${CLUSTER_OF[mesh]}`),
            ),
          )
        );
      },
      90_000,
    );
    const meshes = (await mgmt.list(MESH, { namespace: NS })).items;
    assert.deepEqual(meshes.map((m) => m.metadata.name).sort(), Object.values(MESH_NAMES).sort());
    const selectors: Readonly<Record<MeshKind, Record<string, string>>> = {
      istio: { app: 'istiod', istio: 'pilot' },
      linkerd: { 'linkerd.io/control-plane-component': 'destination', 'linkerd.io/control-plane-ns': 'linkerd' },
      osm: { app: 'osm-controller' },
    };
    for (const mesh of MESH_KINDS) {
      const found = meshes.find((m) => m.metadata.name === MESH_NAMES[mesh]) as
        | (KubeObject & {
            spec?: Partial<Record<MeshKind, { installation?: { cluster?: string; podLabels?: unknown } }>>;
          })
        | undefined;
      const spec = found?.spec?.[mesh];
      assert.ok(spec, `${MESH_NAMES[mesh]} is a ${mesh} Mesh: ${JSON.stringify(found?.spec)}`);
      assert.equal(spec.installation?.cluster, CLUSTER_OF[mesh]);
      assert.deepEqual(spec.installation.podLabels, selectors[mesh]);
    }
  });

  it("writes each mesh's own objects for TrafficPolicies and an AccessPolicy over the three clusters", async () => {
    await mgmt.apply(canary([80, 20], '5s'));
    await mgmt.apply(osmCanary([80, 20]));
    await mgmt.apply(accessPolicy(['GET']));
    await untilOutputs("each mesh's kinds, and only those, in its cluster", (mesh, outputs) => {
      const kinds = new Set(outputs.map(groupKind));
      const allowed = new Set(MAY_WRITE[mesh].map((t) => `${t.group}/${t.kind}`));
      return (
        EXPECTED[mesh].every((t) => kinds.has(`${t.group}/${t.kind}`)) &&
        outputs.some(fromPolicies) &&
        [...kinds].every((kind) => allowed.has(kind)) &&
        outputs.some((o) => weightsIn((o as { spec?: unknown }).spec).join() === '20,80')
      );
    });
    // What OSM cannot express is reported on its Destination only; the rest of the canary applies.
    assert.ok(TRAFFIC_POLICY !== undefined);
    const status = (
      (await mgmt.get(TRAFFIC_POLICY, 'web-canary', NS)) as
        { status?: { destinations?: Record<string, { state?: string; errors?: string[] }> } } | undefined
    )?.status?.destinations;
    const of = (mesh: MeshKind) => status?.[`web-${APP_NS}-${CLUSTER_OF[mesh]}.${NS}.`];
    assert.equal(of('istio')?.state, 'ACCEPTED', JSON.stringify(status));
    assert.equal(of('linkerd')?.state, 'ACCEPTED', JSON.stringify(status));
    assert.equal(of('osm')?.state, 'INVALID', JSON.stringify(status));
    assert.match(
      of('osm')?.errors?.join('\n') ?? '',
      /spec\.policy\.requestTimeout: not supported for Open Service Mesh/,
    );
  });

  it('changes them when the policies change', async () => {
    await mgmt.apply(canary([50, 50], '7s'));
    await mgmt.apply(osmCanary([50, 50]));
    await mgmt.apply(accessPolicy(['GET', 'POST']));
    await untilOutputs('the new weights and the POST method in every cluster', (_mesh, outputs) => {
      const specs = outputs.map((o) => (o as { spec?: unknown }).spec);
      return (
        specs.some((spec) => weightsIn(spec).join() === '50,50') &&
        !specs.some((spec) => weightsIn(spec).includes(80)) &&
        specs.some((spec) => JSON.stringify(spec).includes('POST'))
      );
    });
    const istio = await outputsIn(remote('istio'));
    assert.match(JSON.stringify(istio), /"timeout":"7s"/, 'the Istio VirtualService carries the new timeout');
  });

  it('removes them when the policies are deleted', async () => {
    assert.ok(TRAFFIC_POLICY !== undefined && ACCESS_POLICY !== undefined);
    await mgmt.delete(TRAFFIC_POLICY, 'web-canary', NS);
    await mgmt.delete(TRAFFIC_POLICY, 'web-canary-osm', NS);
    await mgmt.delete(ACCESS_POLICY, 'web-clients', NS);
    // What does not come from a policy stays (Istio's DestinationRules of the Settings' mTLS default).
    await untilOutputs(
      "none of the policies' outputs left in any cluster",
      (mesh, outputs) =>
        !outputs.some(fromPolicies) &&
        !outputs.some((o) => EXPECTED[mesh].some((t) => `${t.group}/${t.kind}` === groupKind(o))),
    );
  });
});
