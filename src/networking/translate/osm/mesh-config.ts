// OSM's MeshConfig (config.openservicemesh.io, `osm-mesh-config` in the control plane's namespace)
// decides two things Mesh Hub's outputs depend on: whether TrafficTargets are enforced at all
// (permissive traffic policy mode off) and whether Retry objects are read (a feature flag). Mesh Hub
// does not manage it; when the registered cluster's objects include it, its settings are reported.
import { z } from 'zod';
import type { Mesh } from '../../model.ts';
import type { NetworkingIndex } from '../../networking-index.ts';

/** OSM's MeshConfig is one object with this name in the OSM control plane's namespace. */
export const OSM_MESH_CONFIG_NAME = 'osm-mesh-config';

export interface OsmMeshConfig {
  /** `<namespace>/osm-mesh-config in cluster <cluster>`, for messages. */
  readonly description: string;
  /** spec.traffic.enablePermissiveTrafficPolicyMode (false when unset, as OSM reads it). */
  readonly permissive: boolean;
  /** spec.featureFlags.enableRetryPolicy (false when unset). */
  readonly retryPolicyEnabled: boolean;
}

const MeshConfigFields = z.looseObject({
  spec: z
    .looseObject({
      traffic: z.looseObject({ enablePermissiveTrafficPolicyMode: z.boolean().optional() }).optional(),
      featureFlags: z.looseObject({ enableRetryPolicy: z.boolean().optional() }).optional(),
    })
    .optional(),
});

/** Where an OSM mesh's MeshConfig lives. */
export function meshConfigLocation(mesh: Mesh): { readonly cluster: string; readonly namespace: string } {
  const installation = mesh.spec.osm?.installation;
  return { cluster: installation?.cluster ?? '', namespace: installation?.namespace ?? 'osm-system' };
}

/** The mesh's MeshConfig if the registered cluster's objects include it (a handful per pass: one per OSM cluster). */
export function osmMeshConfigOf(mesh: Mesh, index: NetworkingIndex): OsmMeshConfig | undefined {
  const { cluster, namespace } = meshConfigLocation(mesh);
  const found = index
    .clusterObjectsOfKind('config.openservicemesh.io', 'MeshConfig')
    .find(
      ({ cluster: c, object }) =>
        c === cluster && object.metadata.namespace === namespace && object.metadata.name === OSM_MESH_CONFIG_NAME,
    );
  if (found === undefined) return undefined;
  const parsed = MeshConfigFields.safeParse(found.object);
  // A MeshConfig OSM itself could not read tells nothing: reported as if it were not there.
  if (!parsed.success) return undefined;
  const spec = parsed.data.spec;
  return {
    description: `${namespace}/${OSM_MESH_CONFIG_NAME} in cluster ${cluster}`,
    permissive: spec?.traffic?.enablePermissiveTrafficPolicyMode === true,
    retryPolicyEnabled: spec?.featureFlags?.enableRetryPolicy === true,
  };
}
