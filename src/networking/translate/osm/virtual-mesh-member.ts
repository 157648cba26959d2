// What a VirtualMesh can do for an Open Service Mesh member. OSM 1.2 issues its certificates from its
// own CA and has no multicluster, so shared trust and federation are reported, not translated. Its
// default is already deny (without a TrafficTarget nothing may call a Service) unless its MeshConfig
// turns on permissive traffic policy mode, which Mesh Hub does not own: a VirtualMesh's default deny
// is reported as depending on it. Nothing is written.
import type { Mesh, VirtualMesh } from '../../model.ts';
import { OSM_SUPPORT } from './osm-support.ts';

/** OSM's MeshConfig is one object with this name in the OSM control plane's namespace. */
export const OSM_MESH_CONFIG_NAME = 'osm-mesh-config';

export interface OsmMemberReport {
  readonly errors: string[];
  readonly warnings: string[];
}

export function reportOsmMember(member: Mesh, virtualMesh: VirtualMesh): OsmMemberReport {
  const errors: string[] = [];
  const warnings: string[] = [];
  const meshName = `${OSM_SUPPORT.meshName} mesh ${member.metadata.name}`;
  const spec = virtualMesh.spec;
  if (spec.mtlsConfig?.shared !== undefined) {
    errors.push(
      `spec.mtlsConfig.shared: shared trust is not supported for ${meshName} (${OSM_SUPPORT.features.sharedTrust.how})`,
    );
  }
  if (spec.federation !== undefined) {
    errors.push(`spec.federation: not supported for ${meshName} (${OSM_SUPPORT.features.federation.how})`);
  }
  if (spec.globalAccessPolicy === 'ENABLED') {
    const namespace = member.spec.osm?.installation?.namespace ?? 'osm-system';
    warnings.push(
      `spec.globalAccessPolicy: on ${meshName} default deny depends on its MeshConfig ${namespace}/${OSM_MESH_CONFIG_NAME}, which Mesh Hub does not manage: OSM denies traffic no TrafficTarget allows only while spec.traffic.enablePermissiveTrafficPolicyMode is false`,
    );
  }
  return { errors, warnings };
}

/** VirtualDestinations route across clusters, which OSM 1.2 cannot do. */
export function osmVirtualDestinationError(meshName: string): string {
  return `not supported for ${OSM_SUPPORT.meshName} mesh ${meshName} (${OSM_SUPPORT.features.failover.how})`;
}
