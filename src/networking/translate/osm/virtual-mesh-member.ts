// What a VirtualMesh can do for an Open Service Mesh member. OSM 1.2 issues its certificates from its
// own CA and has no multicluster, so shared trust and federation are reported, not translated. Its
// default is already deny (without a TrafficTarget nothing may call a Service) unless its MeshConfig
// turns on permissive traffic policy mode, which Mesh Hub does not own: a VirtualMesh's default deny
// is checked against the MeshConfig when the cluster's objects show it, else reported as depending on
// it. Nothing is written.
import { objectRefKey } from '../../keys.ts';
import type { Mesh, VirtualMesh } from '../../model.ts';
import type { NetworkingIndex } from '../../networking-index.ts';
import { unsupportedMemberFeature } from '../support.ts';
import type { MemberTranslation } from '../translator.ts';
import { meshConfigLocation, OSM_MESH_CONFIG_NAME, osmMeshConfigOf } from './mesh-config.ts';
import { OSM_SUPPORT } from './osm-support.ts';

const DEFAULT_DENY = 'VirtualMesh spec.globalAccessPolicy ENABLED';

export function translateOsmMember(member: Mesh, virtualMesh: VirtualMesh, index: NetworkingIndex): MemberTranslation {
  const meshKey = objectRefKey(member);
  const errors: string[] = [];
  const warnings: string[] = [];
  const spec = virtualMesh.spec;
  if (spec.mtlsConfig?.shared !== undefined) errors.push(unsupportedMemberFeature('sharedTrust', OSM_SUPPORT, meshKey));
  if (spec.federation !== undefined) errors.push(unsupportedMemberFeature('federation', OSM_SUPPORT, meshKey));
  if (spec.globalAccessPolicy === 'ENABLED') {
    const config = osmMeshConfigOf(member, index);
    const mesh = `${OSM_SUPPORT.meshName} Mesh ${meshKey}`;
    if (config === undefined) {
      const { cluster, namespace } = meshConfigLocation(member);
      warnings.push(
        `${DEFAULT_DENY}: on ${mesh}, default deny depends on its MeshConfig ${namespace}/${OSM_MESH_CONFIG_NAME} in cluster ${cluster}, which Mesh Hub does not manage: OSM denies traffic no TrafficTarget allows only while spec.traffic.enablePermissiveTrafficPolicyMode is false`,
      );
    } else if (config.permissive) {
      errors.push(
        `${DEFAULT_DENY}: ${mesh} allows all traffic between its workloads: its MeshConfig ${config.description} sets spec.traffic.enablePermissiveTrafficPolicyMode: true, which Mesh Hub does not manage`,
      );
    }
    // Otherwise OSM already denies what no TrafficTarget allows: nothing to write or say.
  }
  return { objects: [], errors, warnings };
}
