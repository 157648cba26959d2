// Discovery: from the raw objects of every registered cluster, the Mesh, Workload and Destination
// objects of the estate. Pure: same snapshot, same (sorted) output.
import { destinationKind } from '../api/discovery/v1/destination.ts';
import { meshKind } from '../api/discovery/v1/mesh.ts';
import { workloadKind } from '../api/discovery/v1/workload.ts';
import { apiVersionOf, type Resource } from '../api/kind.ts';
import { DATAPLANE_MODE_LABEL, DISCOVERY_CLUSTER_LABEL, DISCOVERY_OWNER_LABEL } from '../api/labels.ts';
import { settingsKind, SettingsSpec } from '../api/settings/v1/settings.ts';
import type { InputSnapshot, Warning } from '../snapshot/input.ts';
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

function settingsOf(snapshot: InputSnapshot): SettingsSpec | undefined {
  const object = snapshot.mgmt.find(
    (input) => input.object.apiVersion === apiVersionOf(settingsKind) && input.object.kind === settingsKind.kind,
  )?.object;
  const parsed = SettingsSpec.safeParse((object as { spec?: unknown } | undefined)?.spec);
  return parsed.success ? parsed.data : undefined;
}

export function discover(snapshot: InputSnapshot): DiscoveryResult {
  const warnings: Warning[] = [];
  const settings = settingsOf(snapshot);
  const meshes: DetectedMesh[] = [];
  const workloads: DetectedWorkload[] = [];
  const destinations: DetectedDestination[] = [];
  for (const cluster of [...snapshot.clusters.keys()].sort()) {
    const index = indexCluster(cluster, snapshot.clusters.get(cluster) ?? [], warnings);
    const clusterMeshes = detectMeshes(index, settings, warnings);
    const clusterWorkloads = detectWorkloads(index, clusterMeshes, warnings);
    meshes.push(...clusterMeshes);
    workloads.push(...clusterWorkloads);
    destinations.push(...detectDestinations(index, clusterWorkloads));
  }
  const ns = snapshot.installNamespace;
  const metadata = (name: string, cluster: string, extra: Record<string, string> = {}) => ({
    name,
    namespace: ns,
    labels: { [DISCOVERY_OWNER_LABEL]: ns, [DISCOVERY_CLUSTER_LABEL]: cluster, ...extra },
  });
  const byName = <T extends { name: string }>(list: T[]) =>
    list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    meshes: byName(meshes).map((mesh) => ({
      apiVersion: apiVersionOf(meshKind),
      kind: meshKind.kind,
      metadata: {
        ...metadata(mesh.name, mesh.cluster),
        ...(Object.keys(mesh.annotations).length === 0 ? {} : { annotations: { ...mesh.annotations } }),
      },
      spec: mesh.spec,
    })),
    workloads: byName(workloads).map((workload) => ({
      apiVersion: apiVersionOf(workloadKind),
      kind: workloadKind.kind,
      metadata: metadata(workload.name, workload.cluster, { [DATAPLANE_MODE_LABEL]: workload.mode }),
      spec: {
        kubernetes: {
          controller: { name: workload.controllerName, namespace: workload.namespace, clusterName: workload.cluster },
          podLabels: { ...workload.podLabels },
          serviceAccountName: workload.serviceAccountName,
        },
        mesh: { name: workload.mesh.name, namespace: ns },
      },
    })),
    destinations: byName(destinations).map((destination) => ({
      apiVersion: apiVersionOf(destinationKind),
      kind: destinationKind.kind,
      metadata: metadata(destination.name, destination.cluster),
      spec: { kubeService: destination.kubeService, mesh: { name: destination.mesh.name, namespace: ns } },
    })),
    detected: { meshes, workloads, destinations },
    warnings,
  };
}
