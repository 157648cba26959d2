// The cache's projection keeps everything a pass reads: every golden case renders byte for byte the
// same from its projected inputs, even when those inputs first get the bulk real API servers add.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_INSTALL_NAMESPACE } from '../api/labels.ts';
import type { KubeObject } from '../api/meta.ts';
import { render } from '../pipeline/render.ts';
import type { InputObject, InputSnapshot } from '../snapshot/input.ts';
import { loadInputTree } from '../snapshot/load.ts';
import { layoutOutputTree } from '../snapshot/output.ts';
import { goldenCases } from '../testing/golden.ts';
import { projectForCache, projectionChanged } from './cache-projection.ts';
import { contentDiffers, statusDiffers } from './diff.ts';

type Json = Record<string, unknown>;

/** What a real API server adds and no pass reads. */
function withServerBulk(object: KubeObject): KubeObject {
  const metadata = {
    ...object.metadata,
    managedFields: [{ manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:spec': {} } }],
    annotations: { ...object.metadata.annotations, 'kubectl.kubernetes.io/last-applied-configuration': '{"big":1}' },
  };
  const record = object as KubeObject & { spec?: Json; status?: Json };
  if (object.kind === 'Pod') {
    const spec = record.spec ?? {};
    const bulkContainer = (container: unknown) => ({
      ...(container as Json),
      env: [{ name: 'A', value: 'b' }],
      volumeMounts: [{ name: 'v', mountPath: '/v' }],
      resources: { limits: { cpu: '1' } },
    });
    return {
      ...object,
      metadata,
      spec: {
        ...spec,
        containers: ((spec.containers as unknown[] | undefined) ?? []).map(bulkContainer),
        ...(spec.initContainers === undefined
          ? {}
          : { initContainers: (spec.initContainers as unknown[]).map(bulkContainer) }),
        volumes: [{ name: 'v', emptyDir: {} }],
        tolerations: [{ key: 'k', operator: 'Exists' }],
      },
      status: { ...record.status, conditions: [{ type: 'Ready', status: 'True' }], hostIP: '10.9.9.9' },
    };
  }
  if (object.kind === 'Node') {
    return {
      ...object,
      metadata,
      spec: { podCIDR: '10.0.0.0/24' },
      status: { ...record.status, conditions: [{ type: 'Ready', lastHeartbeatTime: 'now' }] },
    };
  }
  if (['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet'].includes(object.kind)) {
    return { ...object, metadata, status: { replicas: 3, readyReplicas: 2 } };
  }
  return { ...object, metadata };
}

function project(snapshot: InputSnapshot, transform: (object: KubeObject) => KubeObject): InputSnapshot {
  const each = (objects: readonly InputObject[]) =>
    objects.map((input) => ({ ...input, object: transform(input.object) }));
  return {
    ...snapshot,
    mgmt: each(snapshot.mgmt),
    clusters: new Map([...snapshot.clusters].map(([name, objects]) => [name, each(objects)])),
  };
}

function rendered(snapshot: InputSnapshot): Map<string, string> {
  const output = render(snapshot);
  const files = layoutOutputTree(output);
  files.set('warnings', JSON.stringify(output.warnings));
  return files;
}

describe('cache projection', () => {
  for (const area of ['discovery', 'networking']) {
    for (const caseDir of goldenCases(area)) {
      it(`${area}/${caseDir.split('/').at(-1) ?? ''} renders the same from projected inputs`, () => {
        const snapshot = loadInputTree(join(caseDir, 'input'), { installNamespace: DEFAULT_INSTALL_NAMESPACE });
        const expected = rendered(snapshot);
        const actual = rendered(project(snapshot, (object) => projectForCache(withServerBulk(object))));
        assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
        for (const [name, content] of expected) assert.equal(actual.get(name), content, name);
      });
    }
  }

  it('keeps of a Pod only what discovery reads, and drops managedFields and last-applied everywhere', () => {
    const pod = withServerBulk({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'n', labels: { app: 'a' } },
      spec: { serviceAccountName: 'sa', nodeName: 'n1', containers: [{ name: 'c', image: 'i', ports: [] }] },
      status: { podIP: '10.0.0.1', phase: 'Running' },
    });
    assert.deepEqual(projectForCache(pod), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'n', labels: { app: 'a' } },
      spec: { serviceAccountName: 'sa', nodeName: 'n1', containers: [{ name: 'c', image: 'i', ports: [] }] },
      status: { podIP: '10.0.0.1', phase: 'Running' },
    });
  });

  it('keeps what the apply step compares of the kinds Mesh Hub writes', () => {
    const desired = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'v', namespace: 'n', labels: { owner: 'x' }, annotations: { a: 'b' } },
      spec: { hosts: ['h'] },
      status: { observedGeneration: 1 },
    } as KubeObject;
    const live = projectForCache(withServerBulk(desired));
    assert.equal(contentDiffers(desired, live), false);
    assert.equal(statusDiffers(desired, live), false);
  });

  it('sees a change only where a pass could see one', () => {
    const a = projectForCache(withServerBulk({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' } }));
    const heartbeat = projectForCache({
      ...withServerBulk({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' } }),
      status: { conditions: [{ type: 'Ready', lastHeartbeatTime: 'later' }] },
    });
    assert.equal(
      projectionChanged(a, { ...heartbeat, metadata: { ...heartbeat.metadata, resourceVersion: '2' } }),
      false,
    );
    const relabelled = { ...a, metadata: { ...a.metadata, labels: { zone: 'z' } } };
    assert.equal(projectionChanged(a, relabelled), true);
  });
});
