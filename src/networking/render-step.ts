// The networking step of a render pass: runs translateNetworking over the typed management objects
// and the discovered ones, and returns every object with a computed status keyed by its resource
// key (policies, VirtualMeshes, VirtualDestinations, Destinations, Meshes) and what to write into
// each cluster.
import type { KubeObject } from '../api/meta.ts';
import type { RootCertificateEntry } from '../certs/issued-certificates.ts';
import type { InputObject } from '../snapshot/input.ts';
import { managementKey, type ResourceKey } from '../snapshot/resource-key.ts';
import type {
  AccessPolicy,
  Destination,
  KubernetesCluster,
  Mesh,
  Settings,
  TrafficPolicy,
  VirtualDestination,
  VirtualMesh,
  Workload,
} from './model.ts';
import { translateNetworking } from './networking.ts';

/** The schema-valid management objects the networking pass reads, per kind, keyed by resource key. */
export interface TypedManagement {
  /** With the status they were read with (when well formed): it orders contested fields. */
  readonly trafficPolicies: ReadonlyMap<ResourceKey, TrafficPolicy>;
  readonly accessPolicies: ReadonlyMap<ResourceKey, AccessPolicy>;
  readonly virtualMeshes: ReadonlyMap<ResourceKey, VirtualMesh>;
  readonly virtualDestinations: ReadonlyMap<ResourceKey, VirtualDestination>;
  readonly kubernetesClusters: ReadonlyMap<ResourceKey, KubernetesCluster>;
  readonly settings: ReadonlyMap<ResourceKey, Settings>;
}

export interface DiscoveredObjects {
  readonly meshes: readonly Mesh[];
  readonly workloads: readonly Workload[];
  readonly destinations: readonly Destination[];
}

export interface NetworkingRender {
  /** Resource key → the object with its computed status (policies, VirtualMeshes, VirtualDestinations, Destinations, Meshes). */
  readonly statuses: ReadonlyMap<ResourceKey, KubeObject>;
  readonly outputs: ReadonlyMap<string, readonly KubeObject[]>;
}

function keyed(statuses: Map<ResourceKey, KubeObject>, objects: readonly KubeObject[]): void {
  for (const object of objects) statuses.set(managementKey(object), object);
}

export function renderNetworking(
  installNamespace: string,
  clusters: ReadonlyMap<string, readonly InputObject[]>,
  management: TypedManagement,
  discovered: DiscoveredObjects,
  rootCertificates?: ReadonlyMap<string, RootCertificateEntry>,
): NetworkingRender {
  const result = translateNetworking({
    installNamespace,
    meshes: discovered.meshes,
    workloads: discovered.workloads,
    destinations: discovered.destinations,
    trafficPolicies: [...management.trafficPolicies.values()],
    accessPolicies: [...management.accessPolicies.values()],
    virtualMeshes: [...management.virtualMeshes.values()],
    virtualDestinations: [...management.virtualDestinations.values()],
    kubernetesClusters: [...management.kubernetesClusters.values()],
    settings: [...management.settings.values()],
    clusterObjects: clusters,
    ...(rootCertificates === undefined ? {} : { rootCertificates }),
  });
  // Every result carries its input's identity (name, namespace, kind): its key is its own.
  const statuses = new Map<ResourceKey, KubeObject>();
  keyed(statuses, result.trafficPolicies);
  keyed(statuses, result.accessPolicies);
  keyed(statuses, result.destinations);
  keyed(statuses, result.virtualMeshes);
  keyed(statuses, result.virtualDestinations);
  keyed(statuses, result.meshes);
  return { statuses, outputs: result.outputs };
}
