import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OWNER_LABEL, PARENTS_ANNOTATION } from '../api/labels.ts';
import type { KubeObject } from '../api/meta.ts';
import { parentsAnnotation } from '../networking/translate/output-meta.ts';
import { holdsOf, parentsOf, retainedOutputs, withRetentionNotes } from './retention.ts';

const NS = 'gloo-mesh';
const NETWORKING = 'networking.mesh.gloo.solo.io/v1';

function virtualMesh(state: string | undefined, meshes: string[], errors: string[] = []): KubeObject {
  return {
    apiVersion: NETWORKING,
    kind: 'VirtualMesh',
    metadata: { name: 'vm', namespace: NS },
    spec: { meshes: meshes.map((name) => ({ name, namespace: NS })), globalAccessPolicy: 'ENABLED' },
    ...(state === undefined ? {} : { status: { state, ...(errors.length > 0 ? { errors } : {}) } }),
  };
}

function mesh(name: string, cluster: string): KubeObject {
  return {
    apiVersion: 'discovery.mesh.gloo.solo.io/v1',
    kind: 'Mesh',
    metadata: { name, namespace: NS },
    spec: { istio: { installation: { namespace: 'istio-system', cluster } } },
  };
}

function policy(kind: 'TrafficPolicy' | 'AccessPolicy', name: string, state: string): KubeObject {
  return {
    apiVersion: NETWORKING,
    kind,
    metadata: { name, namespace: NS },
    spec: {},
    status: { state, errors: state === 'INVALID' ? ['spec.policy.retries.attempts: must be positive'] : [] },
  };
}

function output(kind: string, name: string, parents: string): KubeObject {
  return {
    apiVersion: kind === 'IssuedCertificate' ? 'certificates.mesh.gloo.solo.io/v1' : 'security.istio.io/v1',
    kind,
    metadata: {
      name,
      namespace: 'istio-system',
      labels: { [OWNER_LABEL]: NS },
      annotations: { [PARENTS_ANNOTATION]: parents },
    },
  };
}

const vmParents = parentsAnnotation({ virtualMeshes: [{ metadata: { name: 'vm', namespace: NS } }] });
const deny = output('AuthorizationPolicy', 'global-access-control', vmParents);
const cert = output('IssuedCertificate', 'istiod-istio-system-cluster-1', vmParents);
const meshes = [mesh('istiod-istio-system-cluster-1', 'cluster-1'), mesh('istiod-istio-system-cluster-2', 'cluster-2')];
const listed = ['istiod-istio-system-cluster-1', 'istiod-istio-system-cluster-2'];

describe('retention: what is kept although not desired', () => {
  it('reads the parents annotation, and nothing from a malformed one', () => {
    assert.deepEqual(parentsOf(deny), [`${NETWORKING}, Kind=VirtualMesh|${NS}/vm`]);
    assert.deepEqual(parentsOf(output('X', 'x', '{not json')), []);
    assert.deepEqual(parentsOf(output('X', 'x', '[1]')), []);
  });

  it('an ACCEPTED VirtualMesh holds nothing: its stale outputs go', () => {
    const holds = holdsOf([virtualMesh('ACCEPTED', listed), ...meshes]);
    assert.deepEqual(holds, []);
    assert.equal(retainedOutputs('cluster-1', [deny, cert], holds).size, 0);
  });

  it('an INVALID VirtualMesh keeps default deny and certificates on the clusters of the meshes it lists', () => {
    const holds = holdsOf([virtualMesh('INVALID', listed, ['spec.mtlsConfig: bad']), ...meshes]);
    const kept = retainedOutputs('cluster-1', [deny, cert], holds);
    assert.deepEqual([...kept.keys()], [deny, cert]);
    assert.equal(retainedOutputs('cluster-3', [deny], holds).size, 0, 'not on a cluster it does not list');
  });

  it('a mesh no longer listed releases its cluster; an undiscovered listed mesh holds everywhere', () => {
    const onlyOne = holdsOf([virtualMesh('INVALID', ['istiod-istio-system-cluster-2']), ...meshes]);
    assert.equal(retainedOutputs('cluster-1', [deny], onlyOne).size, 0);
    assert.equal(retainedOutputs('cluster-2', [deny], onlyOne).size, 1);
    const undiscovered = holdsOf([virtualMesh('INVALID', listed), mesh('istiod-istio-system-cluster-2', 'cluster-2')]);
    assert.equal(retainedOutputs('cluster-1', [deny], undiscovered).size, 1);
  });

  it('a deleted VirtualMesh holds nothing', () => {
    assert.equal(retainedOutputs('cluster-1', [deny, cert], holdsOf(meshes)).size, 0);
  });

  it('an INVALID policy keeps its outputs, an ACCEPTED or deleted one does not', () => {
    const parents = parentsAnnotation({ trafficPolicies: [{ metadata: { name: 'retries', namespace: NS } }] });
    const vs = output('VirtualService', 'reviews', parents);
    assert.equal(retainedOutputs('c', [vs], holdsOf([policy('TrafficPolicy', 'retries', 'INVALID')])).size, 1);
    assert.equal(retainedOutputs('c', [vs], holdsOf([policy('TrafficPolicy', 'retries', 'ACCEPTED')])).size, 0);
    assert.equal(retainedOutputs('c', [vs], holdsOf([])).size, 0);
    assert.equal(retainedOutputs('c', [vs], holdsOf([policy('AccessPolicy', 'retries', 'INVALID')])).size, 0);
  });

  it('an object whose translation failed keeps its outputs', () => {
    const parents = parentsAnnotation({ accessPolicies: [{ metadata: { name: 'a', namespace: NS } }] });
    const ap = output('AuthorizationPolicy', 'a', parents);
    const holds = holdsOf(
      [policy('AccessPolicy', 'a', 'ACCEPTED')],
      new Map([[`networking.mesh.gloo.solo.io/AccessPolicy/${NS}/a`, 'translation failed: boom']]),
    );
    assert.equal(retainedOutputs('cluster-1', [ap], holds).size, 1);
  });

  it('says on the VirtualMesh what is kept, per mesh, with the reason', () => {
    const vm = virtualMesh('INVALID', listed, ['spec.mtlsConfig: bad']);
    const holds = holdsOf([vm, ...meshes]);
    const retained = new Map([['cluster-1', retainedOutputs('cluster-1', [deny, cert], holds)]]);
    const [noted] = withRetentionNotes([vm], retained);
    assert.deepEqual((noted as { status?: { errors?: string[] } }).status?.errors, [
      'spec.mtlsConfig: bad',
      `keeping the previously applied default deny and certificates for mesh istiod-istio-system-cluster-1.${NS}.: spec.mtlsConfig: bad`,
    ]);
  });

  it('says on an INVALID policy what is kept', () => {
    const tp = policy('TrafficPolicy', 'retries', 'INVALID');
    const parents = parentsAnnotation({ trafficPolicies: [tp] });
    const a = output('VirtualService', 'a', parents);
    const b = output('VirtualService', 'b', parents);
    const retained = new Map([['cluster-1', retainedOutputs('cluster-1', [b, a], holdsOf([tp]))]]);
    const [noted] = withRetentionNotes([tp], retained);
    assert.match(
      ((noted as { status?: { errors?: string[] } }).status?.errors ?? []).join('\n'),
      /keeping the previously applied VirtualService istio-system\/a on cluster-1 and 1 more until this TrafficPolicy is valid again or deleted: spec.policy.retries.attempts: must be positive/,
    );
  });
});
