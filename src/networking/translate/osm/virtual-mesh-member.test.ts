import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../../api/meta.ts';
import type { Mesh } from '../../model.ts';
import { indexNetworkingInput, type NetworkingIndex } from '../../networking-index.ts';
import { NS, networkingInput, virtualMesh } from '../../test-fixtures.ts';
import { translateOsmMember } from './virtual-mesh-member.ts';

const mesh: Mesh = {
  apiVersion: 'discovery.mesh.gloo.solo.io/v1',
  kind: 'Mesh',
  metadata: { name: 'osm-controller-osm-system-cluster-1', namespace: NS },
  spec: { osm: { installation: { cluster: 'cluster-1', namespace: 'osm-system', version: 'v1.2.4' } } },
};

function meshConfig(permissive: boolean): KubeObject {
  return {
    apiVersion: 'config.openservicemesh.io/v1alpha2',
    kind: 'MeshConfig',
    metadata: { name: 'osm-mesh-config', namespace: 'osm-system' },
    spec: { traffic: { enablePermissiveTrafficPolicyMode: permissive } },
  };
}

function indexWith(clusterObjects: Record<string, KubeObject[]> = {}): NetworkingIndex {
  return indexNetworkingInput(
    networkingInput({
      meshes: [mesh],
      clusterObjects: new Map(
        Object.entries(clusterObjects).map(([c, list]) => [c, list.map((object) => ({ object }))]),
      ),
    }),
  );
}

const denyAll = virtualMesh('vm', [mesh], { globalAccessPolicy: 'ENABLED' });

describe('an OSM mesh in a VirtualMesh', () => {
  it('reports shared trust and federation as unsupported, naming the feature and the mesh', () => {
    const report = translateOsmMember(
      mesh,
      virtualMesh('vm', [mesh], {
        mtlsConfig: { shared: { rootCertificateAuthority: { generated: {} } } },
        federation: { permissive: {} },
      }),
      indexWith(),
    );
    assert.equal(report.errors.length, 2);
    assert.match(
      report.errors[0] ?? '',
      /^spec\.mtlsConfig\.shared: shared trust is not supported for Open Service Mesh Mesh gloo-mesh\/osm-controller-osm-system-cluster-1 \(.*MeshRootCertificate/,
    );
    assert.match(
      report.errors[1] ?? '',
      /^spec\.federation: federation is not supported for Open Service Mesh Mesh gloo-mesh\/osm-controller-osm-system-cluster-1 \(.*multicluster/,
    );
    assert.deepEqual(report.warnings, []);
    assert.deepEqual(report.objects, []);
  });

  it('warns that default deny depends on the MeshConfig when the cluster does not show it', () => {
    const report = translateOsmMember(mesh, denyAll, indexWith());
    assert.deepEqual(report.errors, []);
    assert.equal(report.warnings.length, 1);
    assert.match(
      report.warnings[0] ?? '',
      /osm-system\/osm-mesh-config in cluster cluster-1.*enablePermissiveTrafficPolicyMode is false/,
    );
  });

  it('reports a mesh in permissive mode, where default deny does not hold, and nothing when OSM denies already', () => {
    const permissive = translateOsmMember(mesh, denyAll, indexWith({ 'cluster-1': [meshConfig(true)] }));
    assert.equal(permissive.errors.length, 1);
    assert.match(
      permissive.errors[0] ?? '',
      /allows all traffic between its workloads.*enablePermissiveTrafficPolicyMode: true/,
    );
    assert.deepEqual(translateOsmMember(mesh, denyAll, indexWith({ 'cluster-1': [meshConfig(false)] })), {
      objects: [],
      errors: [],
      warnings: [],
    });
    // A MeshConfig of another cluster says nothing about this mesh.
    const elsewhere = translateOsmMember(mesh, denyAll, indexWith({ 'cluster-2': [meshConfig(true)] }));
    assert.deepEqual(elsewhere.errors, []);
    assert.equal(elsewhere.warnings.length, 1);
  });

  it('has nothing to say about a VirtualMesh that asks for nothing', () => {
    assert.deepEqual(
      translateOsmMember(mesh, virtualMesh('vm', [mesh], { globalAccessPolicy: 'MESH_DEFAULT' }), indexWith()),
      { objects: [], errors: [], warnings: [] },
    );
  });
});
