import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { OWNER_IDENTITY_LABEL, OWNER_LABEL } from '../api/labels.ts';
import type { KubeObject } from '../api/meta.ts';
import { EXAMPLES_DIR } from '../demo/estate.ts';
import { render } from '../pipeline/render.ts';
import { loadInputTree } from '../snapshot/load.ts';
import { layoutOutputTree } from '../snapshot/output.ts';
import { writeSnapshot } from './commands/debug.ts';
import { REDACTED, sanitizeObject, snapshotFiles, type DebugSnapshot } from './debug-snapshot.ts';

/** What the API server adds to every object it returns. */
function live(object: KubeObject, n: number): KubeObject {
  return {
    ...object,
    metadata: {
      ...object.metadata,
      uid: `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`,
      resourceVersion: String(1000 + n),
      creationTimestamp: '2026-11-24T10:00:00Z',
      managedFields: [{ manager: 'mesh-hub', operation: 'Apply' }],
    },
  };
}

function snapshot(overrides: Partial<DebugSnapshot> = {}): DebugSnapshot {
  return {
    takenAt: '2026-11-24T12:00:00.000Z',
    meshctlVersion: '0.1.0',
    server: 'https://127.0.0.1:6443',
    installNamespace: 'gloo-mesh',
    mgmtInput: [],
    mgmtOutput: [],
    mgmtErrors: [],
    clusters: [],
    ...overrides,
  };
}

describe('debug snapshot: cleaning objects', () => {
  it('drops server bookkeeping and the last-applied annotation, keeps generation and status', () => {
    const object = live(
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: 'reviews-v1-abc',
          namespace: 'bookinfo',
          generation: 2,
          labels: { app: 'reviews' },
          annotations: {
            'kubectl.kubernetes.io/last-applied-configuration': '{"secret":"x"}',
            'deployment.kubernetes.io/revision': '1',
          },
          ownerReferences: [
            { apiVersion: 'apps/v1', kind: 'Deployment', name: 'reviews-v1', uid: 'u-1', controller: true },
          ],
        },
        status: { replicas: 1 },
      },
      1,
    );
    assert.deepEqual(sanitizeObject(object), {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: 'reviews-v1-abc',
        namespace: 'bookinfo',
        generation: 2,
        labels: { app: 'reviews' },
        annotations: { 'deployment.kubernetes.io/revision': '1' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'reviews-v1', controller: true }],
      },
      status: { replicas: 1 },
    });
  });

  it('drops the management plane identity label, which applying adds and rendering never does', () => {
    const object = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: {
        name: 'reviews',
        namespace: 'bookinfo',
        labels: { [OWNER_LABEL]: 'gloo-mesh', [OWNER_IDENTITY_LABEL]: 'a-uid' },
      },
    } as KubeObject;
    assert.deepEqual(sanitizeObject(object)?.metadata.labels, { [OWNER_LABEL]: 'gloo-mesh' });
  });

  it('redacts every Secret value and leaves kubeconfig Secrets out entirely', () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'root-ca', namespace: 'gloo-mesh' },
      type: 'Opaque',
      data: { 'ca.crt': 'LS0tLS1CRUdJTg==', 'ca.key': 'c2VjcmV0' },
      stringData: { password: 'hunter2' },
    } as KubeObject;
    assert.deepEqual(sanitizeObject(secret), {
      ...secret,
      data: { 'ca.crt': REDACTED, 'ca.key': REDACTED },
      stringData: { password: REDACTED },
    });
    const kubeconfig = { ...secret, type: 'solo.io/kubeconfig', data: { kubeconfig: 'dG9rZW4=' } } as KubeObject;
    assert.equal(sanitizeObject(kubeconfig), undefined);
    const files = snapshotFiles(snapshot({ mgmtInput: [secret, kubeconfig] }));
    const all = [...files.values()].join('\n');
    for (const leaked of ['LS0tLS1CRUdJTg==', 'c2VjcmV0', 'hunter2', 'dG9rZW4='])
      assert.ok(!all.includes(leaked), leaked);
    assert.match(files.get('input/mgmt/secret.yaml') ?? '', /ca\.key: REDACTED/);
  });
});

describe('debug snapshot: files', () => {
  it('lays out input and output in the render layout with a README naming unreachable clusters', () => {
    const policy = {
      apiVersion: 'networking.mesh.gloo.solo.io/v1',
      kind: 'TrafficPolicy',
      metadata: { name: 'p', namespace: 'bookinfo', generation: 4 },
      status: { observedGeneration: 4, state: 'ACCEPTED' },
    } as KubeObject;
    const destination = {
      apiVersion: 'discovery.mesh.gloo.solo.io/v1',
      kind: 'Destination',
      metadata: { name: 'd', namespace: 'gloo-mesh', generation: 7 },
    } as KubeObject;
    const virtualService = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'reviews', namespace: 'bookinfo', generation: 3 },
    } as KubeObject;
    const files = snapshotFiles(
      snapshot({
        mgmtInput: [policy],
        mgmtOutput: [policy, destination],
        clusters: [
          {
            cluster: 'cluster-1',
            reachable: true,
            errors: [],
            input: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bookinfo' } }],
            output: [virtualService],
          },
          {
            cluster: 'cluster-2',
            reachable: false,
            errors: ['cluster cluster-2: GET /version: ECONNREFUSED'],
            input: [],
            output: [],
          },
        ],
        mgmtErrors: ['VirtualDestination: its CRD is not installed'],
      }),
    );
    assert.deepEqual(
      [...files.keys()],
      [
        'README.txt',
        'input/clusters/cluster-1/namespace.yaml',
        'input/mgmt/trafficpolicy.networking.mesh.gloo.solo.io.yaml',
        'output/clusters/cluster-1/virtualservice.networking.istio.io.yaml',
        'output/mgmt/destination.discovery.mesh.gloo.solo.io.yaml',
        'output/mgmt/trafficpolicy.networking.mesh.gloo.solo.io.yaml',
      ],
    );
    // Generations the management plane's writes got are not what render produces; a policy's is its input.
    assert.doesNotMatch(
      files.get('output/clusters/cluster-1/virtualservice.networking.istio.io.yaml') ?? '',
      /generation/,
    );
    assert.doesNotMatch(files.get('output/mgmt/destination.discovery.mesh.gloo.solo.io.yaml') ?? '', /generation/);
    assert.match(files.get('output/mgmt/trafficpolicy.networking.mesh.gloo.solo.io.yaml') ?? '', /generation: 4/);
    const readme = files.get('README.txt') ?? '';
    assert.match(readme, /cluster-1: ok \(1 input objects, 1 output objects\)/);
    assert.match(
      readme,
      /cluster-2: UNREACHABLE \(0 input objects, 0 output objects\)\n {4}error: cluster cluster-2: GET \/version: ECONNREFUSED/,
    );
    assert.match(readme, /error: VirtualDestination: its CRD is not installed/);
    assert.match(readme, /meshctl render --input input --namespace gloo-mesh --output replay/);
  });

  it('replays: render of the input tree gives the output tree (bookinfo example as if read live)', (t) => {
    const estate = loadInputTree(join(EXAMPLES_DIR, 'bookinfo'), { installNamespace: 'gloo-mesh' });
    const rendered = render(estate);
    let n = 0;
    const clusters = [...estate.clusters].map(([cluster, objects]) => ({
      cluster,
      reachable: true,
      errors: [],
      input: objects.map((o) => live(o.object, ++n)),
      output: (rendered.clusters.get(cluster) ?? []).map((o) =>
        live({ ...o, metadata: { ...o.metadata, generation: 1 } }, ++n),
      ),
    }));
    const files = snapshotFiles(
      snapshot({
        mgmtInput: estate.mgmt.map((o) => live(o.object, ++n)),
        mgmtOutput: rendered.mgmt.map((o) => live(o, ++n)),
        clusters,
      }),
    );
    const dir = mkdtempSync(join(tmpdir(), 'meshctl-debug-'));
    t.after(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    const out = join(dir, 'snapshot');
    writeSnapshot(out, files);
    const replayed = render(loadInputTree(join(out, 'input'), { installNamespace: 'gloo-mesh' }));
    const replayFiles = layoutOutputTree(replayed);
    for (const [path, content] of replayFiles) {
      assert.equal(readFileSync(join(out, 'output', path), 'utf8'), content, `output/${path} differs from its replay`);
    }
    const destinations = replayed.mgmt.filter((o) => o.kind === 'Destination').map((o) => o.metadata.name);
    assert.ok(destinations.includes('reviews-bookinfo-cluster-1'), destinations.join(','));
    // Written for the owner only: pod specs and ConfigMaps may hold what is not for everyone.
    assert.equal(statSync(join(out, 'README.txt')).mode & 0o777, 0o600);
    assert.equal(statSync(join(out, 'input', 'mgmt')).mode & 0o777, 0o700);
  });

  it('never writes into a folder that holds something', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'meshctl-debug-'));
    t.after(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    writeFileSync(join(dir, 'keep.txt'), 'mine');
    assert.throws(() => {
      writeSnapshot(dir, new Map([['README.txt', 'x']]));
    }, /exists and is not an empty folder/);
    assert.deepEqual(readdirSync(dir), ['keep.txt']);
  });
});
