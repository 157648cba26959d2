// Discovery: from the raw objects of every registered cluster, the Mesh, Workload and Destination
// objects of the estate. Pure: same snapshot, same (sorted) output.
import { destinationKind } from '../api/discovery/v1/destination.ts';
import { meshKind } from '../api/discovery/v1/mesh.ts';
import { workloadKind } from '../api/discovery/v1/workload.ts';
import { apiVersionOf, type Resource } from '../api/kind.ts';
import { DATAPLANE_MODE_LABEL, DISCOVERY_CLUSTER_LABEL, DISCOVERY_OWNER_LABEL } from '../api/labels.ts';
import { settingsKind, SettingsSpec } from '../api/settings/v1/settings.ts';
import type { InputObject, InputSnapshot, Warning } from '../snapshot/input.ts';
import { indexCluster } from './cluster-index.ts';
import { detectDestinations, type DetectedDestination } from './destinations.ts';
import { detectMeshes, type DetectedMesh } from './meshes.ts';
import { detectWorkloads, type DetectedWorkload } from './workloads.ts';

export type Mesh = Resource<typeof meshKind>;
export type Workload = Resource<typeof workloadKind>;
export type Destination = Resource<typeof destinationKind>;

export interface DiscoveryResult {
  readonly meshes: readonly Mesh[];
  readonly workloads: readonly Workload[];
  readonly destinations: readonly Destination[];
  /** The detected objects with their cross references, for translation. */
  readonly detected: {
    readonly meshes: readonly DetectedMesh[];
    readonly workloads: readonly DetectedWorkload[];
    readonly destinations: readonly DetectedDestination[];
  };
  readonly warnings: readonly Warning[];
}

/** Discovery of one registered cluster: what its objects make, before the estate is put together. */
export interface ClusterDiscovery {
  readonly cluster: string;
  readonly meshes: readonly Mesh[];
  readonly workloads: readonly Workload[];
  readonly destinations: readonly Destination[];
  readonly detected: DiscoveryResult['detected'];
  readonly warnings: readonly Warning[];
}

/** The management cluster's Settings spec, the one input of discovery besides the clusters' own objects. */
export function discoverySettings(mgmt: InputSnapshot['mgmt']): SettingsSpec | undefined {
  const object = mgmt.find(
    (input) => input.object.apiVersion === apiVersionOf(settingsKind) && input.object.kind === settingsKind.kind,
  )?.object;
  const parsed = SettingsSpec.safeParse((object as { spec?: unknown } | undefined)?.spec);
  return parsed.success ? parsed.data : undefined;
}

function byName<T extends { readonly metadata: { readonly name: string } }>(list: T[]): T[] {
  return list.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
}

/** One cluster's Meshes, Workloads and Destinations; depends on nothing but its objects and the Settings. */
export function discoverCluster(
  installNamespace: string,
  cluster: string,
  objects: readonly InputObject[],
  settings: SettingsSpec | undefined,
): ClusterDiscovery {
  const warnings: Warning[] = [];
  const index = indexCluster(cluster, objects, warnings);
  const meshes = detectMeshes(index, settings, warnings);
  const workloads = detectWorkloads(index, meshes, warnings);
  const destinations = detectDestinations(index, workloads);
  const ns = installNamespace;
  const metadata = (name: string) => ({
    name,
    namespace: ns,
    labels: { [DISCOVERY_OWNER_LABEL]: ns, [DISCOVERY_CLUSTER_LABEL]: cluster },
  });
  return {
    cluster,
    meshes: byName(
      meshes.map((mesh) => ({
        apiVersion: apiVersionOf(meshKind),
        kind: meshKind.kind,
        metadata: {
          ...metadata(mesh.name),
          ...(Object.keys(mesh.annotations).length === 0 ? {} : { annotations: { ...mesh.annotations } }),
        },
        spec: mesh.spec,
      })),
    ),
    workloads: byName(
      workloads.map((workload) => ({
        apiVersion: apiVersionOf(workloadKind),
        kind: workloadKind.kind,
        metadata: {
          name: workload.name,
          namespace: ns,
          labels: {
            [DISCOVERY_OWNER_LABEL]: ns,
            [DISCOVERY_CLUSTER_LABEL]: cluster,
            [DATAPLANE_MODE_LABEL]: workload.mode,
          },
        },
        spec: {
          kubernetes: {
            controller: { name: workload.controllerName, namespace: workload.namespace, clusterName: workload.cluster },
            podLabels: { ...workload.podLabels },
            serviceAccountName: workload.serviceAccountName,
          },
          mesh: { name: workload.mesh.name, namespace: ns },
        },
      })),
    ),
    destinations: byName(
      destinations.map((destination) => ({
        apiVersion: apiVersionOf(destinationKind),
        kind: destinationKind.kind,
        metadata: metadata(destination.name),
        spec: { kubeService: destination.kubeService, mesh: { name: destination.mesh.name, namespace: ns } },
      })),
    ),
    detected: { meshes, workloads, destinations },
    warnings,
  };
}

const compareNames = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** An earlier assembly, with the clusters' discoveries it was put together from. */
export interface PreviousAssembly {
  readonly clusters: readonly ClusterDiscovery[];
  readonly result: DiscoveryResult;
}

/**
 * One list of the estate, sorted by name (stable: equal names keep cluster order). With an earlier
 * assembly of the same clusters, only the clusters whose list is another array are put in again:
 * their old items leave the earlier list, their new ones are merged in by name.
 */
function assembleList<T>(
  clusters: readonly ClusterDiscovery[],
  of: (cluster: ClusterDiscovery) => readonly T[],
  nameOf: (item: T) => string,
  previous: { readonly clusters: readonly ClusterDiscovery[]; readonly list: readonly T[] } | undefined,
): readonly T[] {
  const sorted = (list: T[]) => list.sort((a, b) => compareNames(nameOf(a), nameOf(b)));
  const stale: (readonly [was: ClusterDiscovery, is: ClusterDiscovery])[] = [];
  const sameClusters =
    previous !== undefined &&
    previous.clusters.length === clusters.length &&
    clusters.every((c, i) => {
      const was = previous.clusters[i];
      if (was === undefined || was.cluster !== c.cluster) return false;
      if (of(was) !== of(c)) stale.push([was, c]);
      return true;
    });
  if (!sameClusters) return sorted(clusters.flatMap(of));
  if (stale.length === 0) return previous.list;
  const list = previous.list;
  const full = () => sorted(clusters.flatMap(of));
  /** The place of the first item whose name is not below `name` (the list is sorted by name). */
  const place = (name: string): number => {
    let low = 0;
    let high = list.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const item = list[middle];
      if (item !== undefined && nameOf(item) < name) low = middle + 1;
      else high = middle;
    }
    return low;
  };
  const gone = new Set<T>();
  const fresh: T[] = [];
  for (const [was, is] of stale) {
    for (const item of of(was)) gone.add(item);
    fresh.push(...of(is));
  }
  sorted(fresh);
  // The places of the old items, found by name (equal names are few: a scan among them).
  const removals: number[] = [];
  for (const item of gone) {
    const name = nameOf(item);
    let at = place(name);
    for (let other = list[at]; other !== undefined && other !== item && nameOf(other) === name; other = list[++at]);
    if (list[at] !== item) return full();
    removals.push(at);
  }
  removals.sort((a, b) => a - b);
  // Where each new item goes: before the first kept item not below it. An equal name of a kept
  // item from another cluster: its place depends on cluster order, which a full sort keeps.
  const insertions: number[] = [];
  for (const item of fresh) {
    const name = nameOf(item);
    const at = place(name);
    for (let i = at, other = list[i]; other !== undefined && nameOf(other) === name; other = list[++i])
      if (!gone.has(other)) return full();
    insertions.push(at);
  }
  const segments: (readonly T[])[] = [];
  let start = 0;
  let removal = 0;
  let insertion = 0;
  for (;;) {
    const removeAt = removals[removal] ?? Infinity;
    const insertAt = insertions[insertion] ?? Infinity;
    if (removeAt === Infinity && insertAt === Infinity) break;
    if (insertAt <= removeAt) {
      segments.push(list.slice(start, insertAt), fresh.slice(insertion, insertion + 1));
      start = insertAt;
      insertion++;
    } else {
      segments.push(list.slice(start, removeAt));
      start = removeAt + 1;
      removal++;
    }
  }
  segments.push(list.slice(start));
  return ([] as T[]).concat(...segments);
}

/**
 * The estate's discovery from its clusters' (in cluster name order): every list sorted by name.
 * `previous`, an earlier assembly: the lists of clusters that are the same arrays are not sorted again.
 */
export function assembleDiscovery(clusters: readonly ClusterDiscovery[], previous?: PreviousAssembly): DiscoveryResult {
  const list = <T>(
    of: (cluster: ClusterDiscovery) => readonly T[],
    nameOf: (item: T) => string,
    was: (result: DiscoveryResult) => readonly T[],
  ): readonly T[] =>
    assembleList(
      clusters,
      of,
      nameOf,
      previous === undefined ? undefined : { clusters: previous.clusters, list: was(previous.result) },
    );
  const metadataName = (object: { readonly metadata: { readonly name: string } }) => object.metadata.name;
  const detectedName = (detected: { readonly name: string }) => detected.name;
  return {
    meshes: list(
      (c) => c.meshes,
      metadataName,
      (r) => r.meshes,
    ),
    workloads: list(
      (c) => c.workloads,
      metadataName,
      (r) => r.workloads,
    ),
    destinations: list(
      (c) => c.destinations,
      metadataName,
      (r) => r.destinations,
    ),
    detected: {
      meshes: list(
        (c) => c.detected.meshes,
        detectedName,
        (r) => r.detected.meshes,
      ),
      workloads: list(
        (c) => c.detected.workloads,
        detectedName,
        (r) => r.detected.workloads,
      ),
      destinations: list(
        (c) => c.detected.destinations,
        detectedName,
        (r) => r.detected.destinations,
      ),
    },
    warnings: clusters.flatMap((c) => c.warnings),
  };
}

export function discover(snapshot: InputSnapshot): DiscoveryResult {
  const settings = discoverySettings(snapshot.mgmt);
  return assembleDiscovery(
    [...snapshot.clusters.keys()]
      .sort()
      .map((cluster) =>
        discoverCluster(snapshot.installNamespace, cluster, snapshot.clusters.get(cluster) ?? [], settings),
      ),
  );
}
