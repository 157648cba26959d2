// `meshctl diff -f` against real clusters: a fresh install namespace on mgmt with cluster-1 registered
// into it, a small Istio app there and a TrafficPolicy applied; then diffs of a changed, an unchanged
// and an invalid policy file. The command reads only: every object's generation (resourceVersion for
// kinds without one) is the same afterwards and no output object of this install exists. No
// management plane of this test runs; those of tests running beside it may write statuses (which move
// no generation) and outputs owned by their own install namespaces, which are left out.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../src/api/meta.ts';
import { OWNER_LABEL } from '../../src/api/labels.ts';
import { runMeshctl } from '../../src/cli/main.ts';
import { clientFromKubeconfigFile, type KubeClient } from '../../src/kube/client.ts';
import { deregisterCluster, registerCluster } from '../../src/kube/registration.ts';
import {
  CONFIG_MAP,
  DEPLOYMENT,
  ISTIO_OUTPUT_TYPES,
  KUBERNETES_CLUSTER,
  MESH_HUB_TYPES,
  SECRET,
  SERVICE,
  type ResourceType,
} from '../../src/kube/resources.ts';
import { toCanonicalYamlStream } from '../../src/snapshot/yaml.ts';
import { freshNamespace, testCluster } from '../testenv/helpers.ts';

function kubeconfig(): string {
  const path = process.env.MESHHUB_TEST_KUBECONFIG;
  if (path === undefined || path === '') throw new Error('MESHHUB_TEST_KUBECONFIG is not set: run inside with-testenv');
  return path;
}

function hubType(kind: string): ResourceType {
  const type = MESH_HUB_TYPES.find((t) => t.kind === kind);
  if (type === undefined) throw new Error(`no kind ${kind}`);
  return type;
}

function appObjects(meshNs: string, appNs: string, revision: string): KubeObject[] {
  const labels = { app: 'web', version: 'v1', 'istio.io/rev': revision };
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `istio-${revision}`, namespace: meshNs },
      data: { mesh: 'trustDomain: cluster.local\n' },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'istiod', namespace: meshNs, labels: { app: 'istiod', 'istio.io/rev': revision } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'istiod' } },
        template: {
          metadata: { labels: { app: 'istiod', istio: 'pilot', 'istio.io/rev': revision } },
          spec: { containers: [{ name: 'discovery', image: 'docker.io/istio/pilot:1.24.2', args: ['discovery'] }] },
        },
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: appNs, labels: { app: 'web' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web', version: 'v1' } },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              { name: 'web', image: 'example.com/web:1.0', ports: [{ containerPort: 8080 }] },
              { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.24.2', args: ['proxy', 'sidecar'] },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: appNs, labels: { app: 'web' } },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 8080, targetPort: 8080, protocol: 'TCP' }] },
    },
  ] as KubeObject[];
}

function timeoutPolicy(ns: string, appNs: string, timeout: string): KubeObject {
  return {
    apiVersion: 'networking.mesh.gloo.solo.io/v1',
    kind: 'TrafficPolicy',
    metadata: { name: 'web-timeout', namespace: ns },
    spec: {
      destinationSelector: [
        { kubeServiceRefs: { services: [{ name: 'web', namespace: appNs, clusterName: 'cluster-1' }] } },
      ],
      policy: { requestTimeout: timeout },
    },
  };
}

/**
 * namespace/kind/name → the version of every object of the given types in the given namespaces: its
 * generation where it has one (a write of its spec moves it; a status written by a management plane of
 * another test running beside this one does not), else its resourceVersion.
 */
async function versions(
  client: KubeClient,
  types: readonly ResourceType[],
  namespaces: readonly string[],
  installNamespace: string,
) {
  const found = new Map<string, string>();
  for (const namespace of namespaces) {
    for (const type of types) {
      for (const object of (await client.list(type, { namespace })).items) {
        // Outputs of the management planes of tests running beside this one (they read every
        // namespace's policies) come and go; an object owned by this test's install namespace would
        // have been written by the diff, and stays in the comparison.
        const owner = object.metadata.labels?.[OWNER_LABEL];
        if (owner !== undefined && owner !== installNamespace) continue;
        const version = object.metadata.generation ?? object.metadata.resourceVersion;
        found.set(`${namespace}/${type.kind}/${object.metadata.name}`, String(version));
      }
    }
  }
  return found;
}

async function meshctl(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runMeshctl(['--kubeconfig', kubeconfig(), '--context', 'mgmt', ...args], {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  return { code, stdout, stderr };
}

describe('meshctl diff -f on live clusters', { timeout: 240_000 }, () => {
  it('shows what a changed policy would change in cluster-1, exits 0/1 as kubectl diff, and writes nothing', async (t) => {
    const ns = await freshNamespace(testCluster('mgmt'), t, 'mh-diff');
    const meshNs = await freshNamespace(testCluster('cluster-1'), t, 'diff-istio');
    const appNs = await freshNamespace(testCluster('cluster-1'), t, 'diff-app');
    const revision = meshNs;
    const mgmt = clientFromKubeconfigFile('mgmt', kubeconfig(), 'mgmt');
    const c1 = clientFromKubeconfigFile('cluster-1', kubeconfig(), 'cluster-1');
    await registerCluster({
      cluster: 'cluster-1',
      installNamespace: ns,
      mgmt,
      remote: c1,
      clusterDomain: 'cluster.local',
      tokenLifetimeSeconds: 3600,
    });
    t.after(() => deregisterCluster({ cluster: 'cluster-1', installNamespace: ns, mgmt, remote: c1 }));
    for (const object of appObjects(meshNs, appNs, revision)) await c1.apply(object);
    await mgmt.apply(timeoutPolicy(ns, appNs, '2s'));

    const mgmtTypes = [hubType('TrafficPolicy'), KUBERNETES_CLUSTER, SECRET, CONFIG_MAP];
    const c1Types = [...ISTIO_OUTPUT_TYPES, DEPLOYMENT, SERVICE, CONFIG_MAP];
    const mgmtBefore = await versions(mgmt, mgmtTypes, [ns], ns);
    const c1Before = await versions(c1, c1Types, [meshNs, appNs], ns);
    assert.ok(mgmtBefore.has(`${ns}/TrafficPolicy/web-timeout`));

    const dir = mkdtempSync(join(tmpdir(), 'meshctl-diff-live-'));
    const file = (name: string, objects: KubeObject[]) => {
      writeFileSync(join(dir, name), toCanonicalYamlStream(objects));
      return join(dir, name);
    };

    const changedFile = file('changed.yaml', [timeoutPolicy(ns, appNs, '5s')]);
    // The registration's RoleBindings on cluster-1 take a moment to reach the API server's authorizer;
    // until then diff warns that it cannot read cluster-1 (and shows no change there), as it should.
    let changed = await meshctl('diff', '-n', ns, '-f', changedFile);
    for (let tries = 0; tries < 30 && !/^cluster cluster-1$/m.test(changed.stdout); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      changed = await meshctl('diff', '-n', ns, '-f', changedFile);
    }
    assert.equal(changed.code, 1, changed.stderr);
    assert.match(
      changed.stdout,
      new RegExp(
        `^cluster cluster-1\\n  ~ VirtualService ${appNs}/web \\(networking\\.istio\\.io/v1\\)\\n      spec\\.http\\[0\\]\\.timeout: "2s" -> "5s"$`,
        'm',
      ),
      changed.stdout + changed.stderr,
    );
    assert.match(changed.stdout, new RegExp(`^  ~ TrafficPolicy ${ns}/web-timeout `, 'm'));
    const json = await meshctl('-o', 'json', 'diff', '-n', ns, '-f', join(dir, 'changed.yaml'));
    assert.equal(json.code, 1, json.stderr);
    const diff = JSON.parse(json.stdout) as {
      clusters: { cluster: string; objects: { kind: string; namespace: string; name: string; change: string }[] }[];
    };
    assert.deepEqual(
      diff.clusters
        .find((c) => c.cluster === 'cluster-1')
        ?.objects.map((o) => `${o.change} ${o.kind} ${o.namespace}/${o.name}`),
      [`updated VirtualService ${appNs}/web`],
    );

    const same = await meshctl('diff', '-n', ns, '-f', file('same.yaml', [timeoutPolicy(ns, appNs, '2s')]));
    assert.equal(same.code, 0, same.stderr);
    assert.equal(same.stdout, 'no changes\n');

    const invalid = await meshctl('diff', '-n', ns, '-f', file('invalid.yaml', [timeoutPolicy(ns, appNs, '0s')]));
    assert.equal(invalid.code, 1, invalid.stderr);
    assert.match(invalid.stdout, new RegExp(`TrafficPolicy ${ns}/web-timeout: ACCEPTED -> INVALID`));
    assert.match(invalid.stdout, /error: spec\.policy\.requestTimeout: must be at least 1ms/);

    assert.deepEqual(await versions(mgmt, mgmtTypes, [ns], ns), mgmtBefore, 'nothing written on mgmt');
    assert.deepEqual(await versions(c1, c1Types, [meshNs, appNs], ns), c1Before, 'nothing written in cluster-1');
    const virtualService = await c1.get(
      ISTIO_OUTPUT_TYPES.find((x) => x.kind === 'VirtualService') ?? SERVICE,
      'web',
      appNs,
    );
    assert.notEqual(virtualService?.metadata.labels?.[OWNER_LABEL], ns, 'no VirtualService written for this install');
  });
});
