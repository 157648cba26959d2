// What a VirtualMesh can do for an Open Service Mesh member. OSM 1.2 issues its certificates from its
// own CA and has no multicluster, so shared trust and federation are reported, not translated. Its
// default is already deny (without a TrafficTarget nothing may call a Service) unless its MeshConfig
// turns on permissive traffic policy mode, which Mesh Hub does not own: a VirtualMesh's default deny
// is reported as depending on it. Nothing is written.
import { objectRefKey } from '../../keys.ts';
import type { Mesh, VirtualMesh } from '../../model.ts';
import { unsupportedMemberFeature } from '../support.ts';
import type { MemberTranslation } from '../translator.ts';
import { OSM_SUPPORT } from './osm-support.ts';

/** OSM's MeshConfig is one object with this name in the OSM control plane's namespace. */
export const OSM_MESH_CONFIG_NAME = 'osm-mesh-config';

export function translateOsmMember(member: Mesh, virtualMesh: VirtualMesh): MemberTranslation {
  const meshKey = objectRefKey(member);
  const errors: string[] = [];
  const warnings: string[] = [];
  const spec = virtualMesh.spec;
  if (spec.mtlsConfig?.shared !== undefined) errors.push(unsupportedMemberFeature('sharedTrust', OSM_SUPPORT, meshKey));
  if (spec.federation !== undefined) errors.push(unsupportedMemberFeature('federation', OSM_SUPPORT, meshKey));
  if (spec.globalAccessPolicy === 'ENABLED') {
    const namespace = member.spec.osm?.installation?.namespace ?? 'osm-system';
    warnings.push(
      `VirtualMesh spec.globalAccessPolicy ENABLED: on ${OSM_SUPPORT.meshName} Mesh ${meshKey}, default deny depends on its MeshConfig ${namespace}/${OSM_MESH_CONFIG_NAME}, which Mesh Hub does not manage: OSM denies traffic no TrafficTarget allows only while spec.traffic.enablePermissiveTrafficPolicyMode is false`,
    );
  }
  return { objects: [], errors, warnings };
}
