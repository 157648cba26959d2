// The networking step of a render pass: picks the policies and their context out of the checked
// management objects, runs translateNetworking, and says which objects to replace (the same
// objects with their computed status) and what to write into each cluster.
import { apiVersionOf, type KindDefinition } from '../api/kind.ts';
import type { KubeObject } from '../api/meta.ts';
import { virtualDestinationKind } from '../api/enterprise/v1beta1/virtual-destination.ts';
import { kubernetesClusterKind } from '../api/multicluster/v1alpha1/kubernetes-cluster.ts';
import { AccessPolicyStatus, accessPolicyKind } from '../api/networking/v1/access-policy.ts';
import { TrafficPolicyStatus, trafficPolicyKind } from '../api/networking/v1/traffic-policy.ts';
import { virtualMeshKind } from '../api/networking/v1/virtual-mesh.ts';
import { settingsKind } from '../api/settings/v1/settings.ts';
import type { InputObject } from '../snapshot/input.ts';
import type { RootCertificateEntry } from '../certs/issued-certificates.ts';
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

/** A management object that passed its schema check, with the status it was read with (if any). */
export interface CheckedManagementObject {
  readonly object: KubeObject;
  readonly previousStatus: unknown;
}

export interface NetworkingRender {
  /** Input object → the same object with its computed status (policies and Destinations). */
  readonly replacements: ReadonlyMap<KubeObject, KubeObject>;
  readonly outputs: ReadonlyMap<string, readonly KubeObject[]>;
}

function isKind(object: KubeObject, definition: KindDefinition): boolean {
  return object.apiVersion === apiVersionOf(definition) && object.kind === definition.kind;
}

/** Objects of a kind, already checked against that kind's schema by the caller. */
function ofKind<T>(objects: readonly CheckedManagementObject[], definition: KindDefinition): T[] {
  return objects.filter((o) => isKind(o.object, definition)).map((o) => o.object as unknown as T);
}

export function renderNetworking(
  installNamespace: string,
  clusters: ReadonlyMap<string, readonly InputObject[]>,
  management: readonly CheckedManagementObject[],
  discovered: {
    readonly meshes: readonly Mesh[];
    readonly workloads: readonly Workload[];
    readonly destinations: readonly Destination[];
  },
  rootCertificates?: ReadonlyMap<string, RootCertificateEntry>,
): NetworkingRender {
  // The status an object was read with only orders contested fields (policy-order.ts).
  const trafficEntries = management.filter((o) => isKind(o.object, trafficPolicyKind));
  const accessEntries = management.filter((o) => isKind(o.object, accessPolicyKind));
  const trafficPolicies = trafficEntries.map((e): TrafficPolicy => {
    const policy = e.object as unknown as TrafficPolicy;
    if (e.previousStatus === undefined) return policy;
    const previous = TrafficPolicyStatus.safeParse(e.previousStatus);
    return previous.success ? { ...policy, status: previous.data } : policy;
  });
  const accessPolicies = accessEntries.map((e): AccessPolicy => {
    const policy = e.object as unknown as AccessPolicy;
    if (e.previousStatus === undefined) return policy;
    const previous = AccessPolicyStatus.safeParse(e.previousStatus);
    return previous.success ? { ...policy, status: previous.data } : policy;
  });
  const result = translateNetworking({
    installNamespace,
    meshes: discovered.meshes,
    workloads: discovered.workloads,
    destinations: discovered.destinations,
    trafficPolicies,
    accessPolicies,
    virtualMeshes: ofKind<VirtualMesh>(management, virtualMeshKind),
    virtualDestinations: ofKind<VirtualDestination>(management, virtualDestinationKind),
    kubernetesClusters: ofKind<KubernetesCluster>(management, kubernetesClusterKind),
    settings: ofKind<Settings>(management, settingsKind),
    clusterObjects: clusters,
    ...(rootCertificates === undefined ? {} : { rootCertificates }),
  });
  const replacements = new Map<KubeObject, KubeObject>();
  // Results come back in input order: pair them with the objects they replace.
  result.trafficPolicies.forEach((policy, i) => {
    const original = trafficEntries[i]?.object;
    if (original !== undefined) replacements.set(original, policy);
  });
  result.accessPolicies.forEach((policy, i) => {
    const original = accessEntries[i]?.object;
    if (original !== undefined) replacements.set(original, policy);
  });
  result.destinations.forEach((destination, i) => {
    const original = discovered.destinations[i];
    if (original !== undefined) replacements.set(original, destination);
  });
  const virtualMeshEntries = management.filter((o) => isKind(o.object, virtualMeshKind));
  result.virtualMeshes.forEach((virtualMesh, i) => {
    const original = virtualMeshEntries[i]?.object;
    if (original !== undefined) replacements.set(original, virtualMesh);
  });
  const virtualDestinationEntries = management.filter((o) => isKind(o.object, virtualDestinationKind));
  result.virtualDestinations.forEach((virtualDestination, i) => {
    const original = virtualDestinationEntries[i]?.object;
    if (original !== undefined) replacements.set(original, virtualDestination);
  });
  result.meshes.forEach((mesh, i) => {
    const original = discovered.meshes[i];
    if (original !== undefined && original !== mesh) replacements.set(original, mesh);
  });
  return { replacements, outputs: result.outputs };
}
