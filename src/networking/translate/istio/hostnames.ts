// Host names of Kubernetes Services as seen from a cluster: the local FQDN inside the Service's own
// cluster, the federated host name from anywhere else (DESIGN.md §1).
import { refKey } from '../../keys.ts';
import { localFqdn, type IndexedDestination } from '../../networking-index.ts';

import { DEFAULT_HOSTNAME_SUFFIX } from '../../plan/federation.ts';
import type { NetworkingPlan } from '../../plan/plan-model.ts';

/**
 * `<service>.<namespace>.svc.<cluster>.<suffix>`: the federation's host name if the Destination
 * already has one, else the one its VirtualMesh's hostnameSuffix (default `global`) gives.
 */
export function federatedFqdn(destination: IndexedDestination, index: NetworkingPlan): string {
  const planned = index.federation.destinations.get(destination)?.hostname;
  if (planned !== undefined) return planned;
  const applied = destination.destination.status?.appliedFederation?.federatedHostname;
  if (applied !== undefined && applied !== '') return applied;
  const service = destination.service;
  if (service === undefined) throw new Error(`federatedFqdn: ${destination.key} is not a Kubernetes Service`);
  const meshKey =
    destination.destination.spec.mesh === undefined ? undefined : refKey(destination.destination.spec.mesh);
  const virtualMeshKey = meshKey === undefined ? undefined : index.virtualMeshOfMesh.get(meshKey);
  const suffix =
    (virtualMeshKey === undefined ? undefined : index.hostnameSuffixOf(virtualMeshKey)) ?? DEFAULT_HOSTNAME_SUFFIX;
  return `${service.name}.${service.namespace}.svc.${service.cluster}.${suffix}`;
}

/** The host clients in `fromCluster` use to reach the Destination. */
export function hostFrom(fromCluster: string, destination: IndexedDestination, index: NetworkingPlan): string {
  const service = destination.service;
  if (service === undefined) throw new Error(`hostFrom: ${destination.key} is not a Kubernetes Service`);
  return service.cluster === fromCluster ? localFqdn(service, index) : federatedFqdn(destination, index);
}
