// Service accounts are OSM's identities: SMI TrafficTargets and OSM Retries name them, never
// workloads or Services. These are the lookups that turn Destinations and selectors into them.
import { clusterObjectKey, compareStrings, refKey } from '../../keys.ts';
import type { IndexedDestination, IndexedWorkload, KubeServiceRef, NetworkingIndex } from '../../networking-index.ts';
import type { ServiceAccountSubject } from './osm-types.ts';

export function serviceAccountSubject(namespace: string, name: string): ServiceAccountSubject {
  return { kind: 'ServiceAccount', name, namespace };
}

/** Unique service accounts, sorted by namespace then name. */
export function uniqueServiceAccounts(subjects: Iterable<ServiceAccountSubject>): ServiceAccountSubject[] {
  const byKey = new Map<string, ServiceAccountSubject>();
  for (const subject of subjects) byKey.set(`${subject.namespace}/${subject.name}`, subject);
  return [...byKey.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, subject]) => subject);
}

export function workloadServiceAccounts(workloads: Iterable<IndexedWorkload>): ServiceAccountSubject[] {
  const subjects: ServiceAccountSubject[] = [];
  for (const workload of workloads) subjects.push(serviceAccountSubject(workload.namespace, workload.serviceAccount));
  return uniqueServiceAccounts(subjects);
}

/** The Workloads a Destination's Service selects: those of its namespace carrying every selector label. */
export function backingWorkloads(destination: IndexedDestination, index: NetworkingIndex): IndexedWorkload[] {
  const service = destination.service;
  const selector = Object.entries(destination.destination.spec.kubeService?.workloadSelectorLabels ?? {});
  // A Service without a selector selects no pods (its endpoints are managed by hand).
  if (service === undefined || selector.length === 0) return [];
  return (index.workloadsByClusterNamespace.get(`${service.cluster}/${service.namespace}`) ?? []).filter((w) =>
    selector.every(([k, v]) => w.labels[k] === v),
  );
}

/** The key of the Mesh a Destination belongs to, as Workloads carry it. */
export function meshKeyOf(destination: IndexedDestination): string | undefined {
  const ref = destination.destination.spec.mesh;
  return ref === undefined ? undefined : refKey(ref);
}

/**
 * Workloads of one mesh in one cluster: every client that can reach a Destination through OSM (an
 * OSM mesh lives in one cluster; the cluster check guards against a Mesh reference gone wrong).
 */
export function meshWorkloads(meshKey: string, cluster: string, index: NetworkingIndex): IndexedWorkload[] {
  return (index.workloadsByMesh.get(meshKey) ?? []).filter((w) => w.cluster === cluster);
}

export function describeServiceRef(service: KubeServiceRef): string {
  return `${service.namespace}/${service.name} in cluster ${service.cluster}`;
}

export function destinationForService(
  index: NetworkingIndex,
  cluster: string,
  namespace: string,
  name: string,
): IndexedDestination | undefined {
  return index.destinationByService.get(clusterObjectKey(cluster, namespace, name));
}
