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

/** The estate's discovery from its clusters' (in cluster name order): every list sorted by name. */
export function assembleDiscovery(clusters: readonly ClusterDiscovery[]): DiscoveryResult {
  const byDetectedName = <T extends { name: string }>(list: T[]) =>
    list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    meshes: byName(clusters.flatMap((c) => c.meshes)),
    workloads: byName(clusters.flatMap((c) => c.workloads)),
    destinations: byName(clusters.flatMap((c) => c.destinations)),
    detected: {
      meshes: byDetectedName(clusters.flatMap((c) => c.detected.meshes)),
      workloads: byDetectedName(clusters.flatMap((c) => c.detected.workloads)),
      destinations: byDetectedName(clusters.flatMap((c) => c.detected.destinations)),
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
