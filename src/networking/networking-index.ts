// The input indexed once: lookups only, nothing decided. Every later step (plan/, translate/) looks
// things up here in O(1) (or in O(answer)), so the cost of a pass grows with what it outputs, never
// with policies × destinations.
import { clusterObjectKey, compareStrings, objectRefKey, refKey, statusKey } from './keys.ts';
import type { Destination, Mesh, NetworkingInput, Settings, VirtualDestination, Workload } from './model.ts';
import type { KubeObject } from '../api/meta.ts';
import { LINKERD_MIRRORED_SERVICE_LABEL } from '../api/labels.ts';
import { RecordingMap } from './recording-map.ts';

export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

export interface KubeServiceRef {
  readonly name: string;
  readonly namespace: string;
  readonly cluster: string;
}

export interface ClusterInputObject {
  readonly cluster: string;
  readonly object: KubeObject;
}

export interface IndexedDestination {
  readonly destination: Destination;
  /** Position in the sorted destination list: the stable order of every per-destination result. */
  readonly order: number;
  readonly key: string;
  /** `<name>.<namespace>.`: its key in policy status; the index is sorted by it. */
  readonly statusKey: string;
  /** Absent for Destinations that are not Kubernetes Services (external services). */
  readonly service: KubeServiceRef | undefined;
  /** serviceKey(service), when it has one. */
  readonly serviceKey: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
  /** labelKey of each of its labels: its entries in destinationsByLabel. */
  readonly labelKeys: readonly string[];
  /** refKey of its spec.mesh, when it names one. */
  readonly meshKey: string | undefined;
  readonly mesh: Mesh | undefined;
}

export interface IndexedWorkload {
  readonly workload: Workload;
  readonly order: number;
  /** `<name>.<namespace>.`: its key in policy status; the index is sorted by it. */
  readonly statusKey: string;
  readonly cluster: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly meshKey: string | undefined;
}

export interface NetworkingIndex {
  readonly installNamespace: string;
  readonly destinations: readonly IndexedDestination[];
  /** Service key → its Destination; reads are recorded per Destination decided (recording-map.ts). */
  readonly destinationByService: RecordingMap<string, IndexedDestination>;
  readonly destinationsByCluster: ReadonlyMap<string, readonly IndexedDestination[]>;
  readonly destinationsByNamespace: ReadonlyMap<string, readonly IndexedDestination[]>;
  readonly destinationsByLabel: ReadonlyMap<string, readonly IndexedDestination[]>;
  readonly destinationByObject: ReadonlyMap<Destination, IndexedDestination>;
  readonly workloads: readonly IndexedWorkload[];
  readonly workloadsByCluster: ReadonlyMap<string, readonly IndexedWorkload[]>;
  readonly workloadsByNamespace: ReadonlyMap<string, readonly IndexedWorkload[]>;
  readonly workloadsByLabel: ReadonlyMap<string, readonly IndexedWorkload[]>;
  /** `cluster/namespace/serviceAccount` → workloads running as it. */
  readonly workloadsByServiceAccount: ReadonlyMap<string, readonly IndexedWorkload[]>;
  /** `cluster/namespace` → workloads. */
  readonly workloadsByClusterNamespace: ReadonlyMap<string, readonly IndexedWorkload[]>;
  /** Mesh key → workloads in that mesh. */
  readonly workloadsByMesh: ReadonlyMap<string, readonly IndexedWorkload[]>;
  readonly meshByKey: ReadonlyMap<string, Mesh>;
  /** Cluster → trust domains of the Istio meshes installed in it. */
  readonly trustDomainsByCluster: ReadonlyMap<string, readonly string[]>;
  readonly allTrustDomains: readonly string[];
  readonly virtualDestinationByKey: ReadonlyMap<string, VirtualDestination>;
  readonly clusterDomainOf: (cluster: string) => string;
  /** The federation hostnameSuffix a VirtualMesh sets, if any. */
  readonly hostnameSuffixOf: (virtualMeshKey: string) => string | undefined;
  readonly settings: Settings | undefined;
  /** Objects read from the registered clusters, by API group and kind (`networking.istio.io/VirtualService`). */
  readonly clusterObjectsOfKind: (group: string, kind: string) => readonly ClusterInputObject[];
}

/** The index's Workload lookups (they depend on the Workloads alone). */
export type WorkloadIndex = Pick<
  NetworkingIndex,
  | 'workloads'
  | 'workloadsByCluster'
  | 'workloadsByNamespace'
  | 'workloadsByLabel'
  | 'workloadsByServiceAccount'
  | 'workloadsByClusterNamespace'
  | 'workloadsByMesh'
>;

/** An earlier index, with the Meshes and Workloads it was built from. */
export interface KeptIndex {
  readonly meshes: readonly Mesh[];
  readonly workloads: readonly Workload[];
  readonly index: WorkloadIndex & Pick<NetworkingIndex, 'destinationByObject'>;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function labelKey(key: string, value: string): string {
  return `${key}=${value}`;
}

export { labelKey };

export function serviceKey(ref: KubeServiceRef): string {
  return clusterObjectKey(ref.cluster, ref.namespace, ref.name);
}

function serviceRefOf(destination: Destination): KubeServiceRef | undefined {
  const ref = destination.spec.kubeService?.ref;
  if (ref === undefined) return undefined;
  return { name: ref.name, namespace: ref.namespace ?? '', cluster: ref.clusterName ?? '' };
}

/**
 * Items with their key, sorted by it (stable); the key is computed once per item, and input that is
 * already in order (discovery's output is) is not sorted again.
 */
function sortByKey<T>(items: readonly T[], keyOf: (item: T) => string): { item: T; key: string }[] {
  const keyed = items.map((item) => ({ item, key: keyOf(item) }));
  let previous: string | undefined;
  for (const { key } of keyed) {
    if (previous !== undefined && key < previous) return keyed.sort((a, b) => compareStrings(a.key, b.key));
    previous = key;
  }
  return keyed;
}

/** The Workload lookups of the index: they read the Workloads only. */
function indexWorkloads(all: readonly Workload[]): WorkloadIndex {
  const sortedWorkloads = sortByKey(all, statusKey);
  const workloads: IndexedWorkload[] = [];
  const workloadsByCluster = new Map<string, IndexedWorkload[]>();
  const workloadsByNamespace = new Map<string, IndexedWorkload[]>();
  const workloadsByLabel = new Map<string, IndexedWorkload[]>();
  const workloadsByServiceAccount = new Map<string, IndexedWorkload[]>();
  const workloadsByClusterNamespace = new Map<string, IndexedWorkload[]>();
  const workloadsByMesh = new Map<string, IndexedWorkload[]>();
  for (const { item: workload, key: workloadStatusKey } of sortedWorkloads) {
    const kube = workload.spec.kubernetes;
    if (kube === undefined) continue;
    const cluster = kube.controller?.clusterName ?? '';
    const namespace = kube.controller?.namespace ?? '';
    const meshRef = workload.spec.mesh;
    const indexed: IndexedWorkload = {
      workload,
      order: workloads.length,
      statusKey: workloadStatusKey,
      cluster,
      namespace,
      serviceAccount: kube.serviceAccountName ?? 'default',
      labels: kube.podLabels ?? {},
      meshKey: meshRef === undefined ? undefined : refKey(meshRef),
    };
    workloads.push(indexed);
    push(workloadsByCluster, cluster, indexed);
    push(workloadsByNamespace, namespace, indexed);
    push(workloadsByClusterNamespace, `${cluster}/${namespace}`, indexed);
    if (indexed.meshKey !== undefined) push(workloadsByMesh, indexed.meshKey, indexed);
    push(workloadsByServiceAccount, clusterObjectKey(cluster, namespace, indexed.serviceAccount), indexed);
    for (const [k, v] of Object.entries(indexed.labels)) push(workloadsByLabel, labelKey(k, v), indexed);
  }

  return {
    workloads,
    workloadsByCluster,
    workloadsByNamespace,
    workloadsByLabel,
    workloadsByServiceAccount,
    workloadsByClusterNamespace,
    workloadsByMesh,
  };
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The index of `input`. `kept` is an earlier index with what it was built from: when the
 * Workloads are the same objects (a pass where only Destinations changed), its Workload lookups
 * are reused, and so are the entries of the Destinations that are the same objects (their keys
 * already hashed).
 */
export function indexNetworkingInput(input: NetworkingInput, kept?: KeptIndex): NetworkingIndex {
  const meshByKey = new Map<string, Mesh>();
  for (const { item: mesh, key } of sortByKey(input.meshes, objectRefKey)) meshByKey.set(key, mesh);

  // What a Destination's entry derives from the Destination alone (and the Meshes): an earlier
  // index's, when built from the same Meshes, for a Destination that is the same object.
  const keptDestinations =
    kept !== undefined && sameList(kept.meshes, input.meshes) ? kept.index.destinationByObject : undefined;
  const derived = (destination: Destination): Omit<IndexedDestination, 'order'> => {
    const previous = keptDestinations?.get(destination);
    if (previous !== undefined) return previous;
    const service = serviceRefOf(destination);
    const meshRef = destination.spec.mesh;
    const meshKey = meshRef === undefined ? undefined : refKey(meshRef);
    const labels = destination.spec.kubeService?.labels ?? {};
    return {
      destination,
      key: objectRefKey(destination),
      statusKey: statusKey(destination),
      service,
      serviceKey: service === undefined ? undefined : serviceKey(service),
      labels,
      labelKeys: service === undefined ? [] : Object.entries(labels).map(([k, v]) => labelKey(k, v)),
      meshKey,
      mesh: meshKey === undefined ? undefined : meshByKey.get(meshKey),
    };
  };
  // Sorted by status key, so every list derived from the index is already in status order.
  const sortedDestinations = sortByKey(input.destinations.map(derived), (d) => d.statusKey);
  const destinations: IndexedDestination[] = [];
  const destinationByService = new RecordingMap<string, IndexedDestination>();
  const destinationsByCluster = new Map<string, IndexedDestination[]>();
  const destinationsByNamespace = new Map<string, IndexedDestination[]>();
  const destinationsByLabel = new Map<string, IndexedDestination[]>();
  const destinationByObject = new Map<Destination, IndexedDestination>();
  for (const { item } of sortedDestinations) {
    const indexed: IndexedDestination = {
      destination: item.destination,
      order: destinations.length,
      key: item.key,
      statusKey: item.statusKey,
      service: item.service,
      serviceKey: item.serviceKey,
      labels: item.labels,
      labelKeys: item.labelKeys,
      meshKey: item.meshKey,
      mesh: item.mesh,
    };
    destinations.push(indexed);
    destinationByObject.set(indexed.destination, indexed);
    const { service, serviceKey: key } = indexed;
    if (service === undefined || key === undefined) continue;
    // Two Destinations for one Service would be a discovery bug; the first (by name) is kept.
    if (!destinationByService.has(key)) destinationByService.set(key, indexed);
    push(destinationsByCluster, service.cluster, indexed);
    push(destinationsByNamespace, service.namespace, indexed);
    for (const label of indexed.labelKeys) push(destinationsByLabel, label, indexed);
  }

  const workloadIndex =
    kept !== undefined && sameList(kept.workloads, input.workloads) ? kept.index : indexWorkloads(input.workloads);

  const hostnameSuffixes = new Map<string, string>();
  for (const virtualMesh of input.virtualMeshes) {
    const suffix = virtualMesh.spec.federation?.hostnameSuffix;
    if (suffix !== undefined && suffix !== '') hostnameSuffixes.set(objectRefKey(virtualMesh), suffix);
  }

  const trustDomainsByCluster = new Map<string, string[]>();
  const allTrustDomains = new Set<string>();
  for (const mesh of meshByKey.values()) {
    const istio = mesh.spec.istio;
    const trustDomain = istio?.trustDomain;
    if (istio === undefined || trustDomain === undefined || trustDomain === '') continue;
    const cluster = istio.installation?.cluster ?? '';
    const list = trustDomainsByCluster.get(cluster) ?? [];
    if (!list.includes(trustDomain)) list.push(trustDomain);
    trustDomainsByCluster.set(cluster, list);
    allTrustDomains.add(trustDomain);
  }

  const virtualDestinationByKey = new Map<string, VirtualDestination>();
  for (const virtualDestination of input.virtualDestinations) {
    virtualDestinationByKey.set(objectRefKey(virtualDestination), virtualDestination);
  }

  const clusterDomains = new Map<string, string>();
  for (const cluster of input.kubernetesClusters) {
    if (cluster.metadata.namespace !== undefined && cluster.metadata.namespace !== input.installNamespace) continue;
    const domain = cluster.spec.clusterDomain;
    clusterDomains.set(cluster.metadata.name, domain === undefined || domain === '' ? DEFAULT_CLUSTER_DOMAIN : domain);
  }

  const clusterDomainOf = (cluster: string) => clusterDomains.get(cluster) ?? DEFAULT_CLUSTER_DOMAIN;
  return {
    installNamespace: input.installNamespace,
    destinations,
    destinationByService,
    destinationsByCluster,
    destinationsByNamespace,
    destinationsByLabel,
    destinationByObject,
    workloads: workloadIndex.workloads,
    workloadsByCluster: workloadIndex.workloadsByCluster,
    workloadsByNamespace: workloadIndex.workloadsByNamespace,
    workloadsByLabel: workloadIndex.workloadsByLabel,
    workloadsByServiceAccount: workloadIndex.workloadsByServiceAccount,
    workloadsByClusterNamespace: workloadIndex.workloadsByClusterNamespace,
    workloadsByMesh: workloadIndex.workloadsByMesh,
    meshByKey,
    trustDomainsByCluster,
    allTrustDomains: [...allTrustDomains].sort(),
    virtualDestinationByKey,
    clusterDomainOf,
    hostnameSuffixOf: (key) => hostnameSuffixes.get(key),
    settings: findSettings(input.settings, input.installNamespace),
    clusterObjectsOfKind: clusterObjectsByKind(input.clusterObjects),
  };
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

/**
 * One scan of every cluster's objects per kind asked for, on first use: translators ask for a few
 * kinds, so grouping all objects of every kind would cost more than it saves.
 */
/**
 * The `group/kind`s of registered clusters' objects that translators read through
 * clusterObjectsOfKind (existing-virtual-services.ts, linkerd/mirrors.ts, osm/mesh-config.ts): a
 * change to any other cluster object reaches networking only through discovery.
 */
export const TRANSLATOR_CLUSTER_KINDS: ReadonlySet<string> = new Set([
  'networking.istio.io/VirtualService',
  'multicluster.linkerd.io/Link',
  '/Service',
  'config.openservicemesh.io/MeshConfig',
]);

/**
 * A Service translators read as more than a Destination: a Linkerd mirror (translate/linkerd/
 * mirrors.ts). Any other Service reaches networking through discovery only.
 */
export function isTranslatorService(object: KubeObject): boolean {
  return object.metadata.labels?.[LINKERD_MIRRORED_SERVICE_LABEL] !== undefined;
}

function clusterObjectsByKind(
  clusters: ReadonlyMap<string, readonly { readonly object: KubeObject }[]> | undefined,
): (group: string, kind: string) => readonly ClusterInputObject[] {
  const found = new Map<string, ClusterInputObject[]>();
  return (group, kind) => {
    const key = `${group}/${kind}`;
    // An incremental pass reuses networking when none of these changed (pipeline/incremental/).
    if (!TRANSLATOR_CLUSTER_KINDS.has(key))
      throw new Error(`clusterObjectsOfKind: ${key} is not in TRANSLATOR_CLUSTER_KINDS`);
    let list = found.get(key);
    if (list === undefined) {
      list = [];
      for (const [cluster, objects] of clusters ?? []) {
        for (const { object } of objects) {
          if (object.kind === kind && groupOf(object.apiVersion) === group) list.push({ cluster, object });
        }
      }
      found.set(key, list);
    }
    return list;
  };
}

/** `<name>.<namespace>.svc.<cluster domain>`: a Service's host name inside its own cluster. */
export function localFqdn(service: KubeServiceRef, index: Pick<NetworkingIndex, 'clusterDomainOf'>): string {
  return `${service.name}.${service.namespace}.svc.${index.clusterDomainOf(service.cluster)}`;
}

function findSettings(all: readonly Settings[], installNamespace: string): Settings | undefined {
  return all.find(
    (s) => s.metadata.name === 'settings' && (s.metadata.namespace ?? installNamespace) === installNamespace,
  );
}
