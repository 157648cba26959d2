// What the networking core reads and returns: discovered objects and policies in, policies and
// Destinations with their computed status plus the per-cluster output objects out.
import type { Resource } from '../api/kind.ts';
import type { KubeObject } from '../api/meta.ts';
import type { destinationKind } from '../api/discovery/v1/destination.ts';
import type { meshKind } from '../api/discovery/v1/mesh.ts';
import type { workloadKind } from '../api/discovery/v1/workload.ts';
import type { virtualDestinationKind } from '../api/enterprise/v1beta1/virtual-destination.ts';
import type { kubernetesClusterKind } from '../api/multicluster/v1alpha1/kubernetes-cluster.ts';
import type { accessPolicyKind } from '../api/networking/v1/access-policy.ts';
import type { trafficPolicyKind } from '../api/networking/v1/traffic-policy.ts';
import type { virtualMeshKind } from '../api/networking/v1/virtual-mesh.ts';
import type { settingsKind } from '../api/settings/v1/settings.ts';
import type { RootCertificateEntry } from '../certs/issued-certificates.ts';

export type Mesh = Resource<typeof meshKind>;
export type Workload = Resource<typeof workloadKind>;
export type Destination = Resource<typeof destinationKind>;
export type TrafficPolicy = Resource<typeof trafficPolicyKind>;
export type AccessPolicy = Resource<typeof accessPolicyKind>;
export type VirtualMesh = Resource<typeof virtualMeshKind>;
export type VirtualDestination = Resource<typeof virtualDestinationKind>;
export type Settings = Resource<typeof settingsKind>;
export type KubernetesCluster = Resource<typeof kubernetesClusterKind>;

export interface NetworkingInput {
  /** Namespace of Mesh Hub's own objects; also the value of the owner label on every output. */
  readonly installNamespace: string;
  readonly meshes: readonly Mesh[];
  readonly workloads: readonly Workload[];
  readonly destinations: readonly Destination[];
  /**
   * Schema-valid policies. Their `status`, when present, is the status last written: it only
   * decides which policy keeps a contested field (the one accepted first keeps it).
   */
  readonly trafficPolicies: readonly TrafficPolicy[];
  readonly accessPolicies: readonly AccessPolicy[];
  readonly virtualMeshes: readonly VirtualMesh[];
  readonly virtualDestinations: readonly VirtualDestination[];
  readonly kubernetesClusters: readonly KubernetesCluster[];
  /** All Settings objects; the one named `settings` in the install namespace is used. */
  readonly settings: readonly Settings[];
  /**
   * Everything read from each registered cluster, by cluster name. Translators look here for what
   * their mesh already has: hand-written Istio VirtualServices (Mesh Hub writes no second one for a
   * host), Linkerd's multicluster Links and mirrored Services.
   */
  readonly clusterObjects?: ReadonlyMap<string, readonly { readonly object: KubeObject }[]>;
  /**
   * Root CA certificates the caller can read, by Secret (`namespace/name` → root-cert.pem). Absent
   * in `meshctl render`; a controller passes them so a new root re-issues the intermediates.
   */
  readonly rootCertificates?: ReadonlyMap<string, RootCertificateEntry>;
}

export interface NetworkingResult {
  /** Every input TrafficPolicy with its computed status, in input order. */
  readonly trafficPolicies: readonly TrafficPolicy[];
  readonly accessPolicies: readonly AccessPolicy[];
  /** Every input Destination with the policies applied to it in its status, in input order. */
  readonly destinations: readonly Destination[];
  /** Every input VirtualMesh with its computed status, in input order. */
  readonly virtualMeshes: readonly VirtualMesh[];
  /** Every input VirtualDestination with its computed status, in input order. */
  readonly virtualDestinations: readonly VirtualDestination[];
  /** Every input Mesh, with the VirtualMesh applied to it (if any) in its status, in input order. */
  readonly meshes: readonly Mesh[];
  /** Output objects per cluster name, sorted. Clusters without outputs are absent. */
  readonly outputs: ReadonlyMap<string, readonly KubeObject[]>;
}
