import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Mesh } from '../../model.ts';
import { NS, virtualMesh } from '../../test-fixtures.ts';
import { translateOsmMember } from './virtual-mesh-member.ts';

const mesh: Mesh = {
  apiVersion: 'discovery.mesh.gloo.solo.io/v1',
  kind: 'Mesh',
  metadata: { name: 'osm-controller-osm-system-cluster-1', namespace: NS },
  spec: { osm: { installation: { cluster: 'cluster-1', namespace: 'osm-system', version: 'v1.2.4' } } },
};

describe('an OSM mesh in a VirtualMesh', () => {
  it('reports shared trust and federation as unsupported, naming the feature and the mesh', () => {
    const report = translateOsmMember(
      mesh,
      virtualMesh('vm', [mesh], {
        mtlsConfig: { shared: { rootCertificateAuthority: { generated: {} } } },
        federation: { permissive: {} },
      }),
    );
    assert.equal(report.errors.length, 2);
    assert.match(
      report.errors[0] ?? '',
      /^VirtualMesh spec\.mtlsConfig\.shared: not supported for Open Service Mesh Mesh gloo-mesh\/osm-controller-osm-system-cluster-1 \(.*MeshRootCertificate/,
    );
    assert.match(
      report.errors[1] ?? '',
      /^VirtualMesh spec\.federation: not supported for Open Service Mesh Mesh gloo-mesh\/osm-controller-osm-system-cluster-1 \(.*multicluster/,
    );
    assert.deepEqual(report.warnings, []);
    assert.deepEqual(report.objects, []);
  });

  it('warns that default deny depends on the MeshConfig Mesh Hub does not own', () => {
    const report = translateOsmMember(mesh, virtualMesh('vm', [mesh], { globalAccessPolicy: 'ENABLED' }));
    assert.deepEqual(report.errors, []);
    assert.equal(report.warnings.length, 1);
    assert.match(report.warnings[0] ?? '', /osm-system\/osm-mesh-config.*enablePermissiveTrafficPolicyMode is false/);
  });

  it('has nothing to say about a VirtualMesh that asks for nothing', () => {
    assert.deepEqual(translateOsmMember(mesh, virtualMesh('vm', [mesh], { globalAccessPolicy: 'MESH_DEFAULT' })), {
      objects: [],
      errors: [],
      warnings: [],
    });
  });
});
