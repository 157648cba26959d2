// What `meshctl create` offers and checks against: the management cluster's discovered Meshes,
// Destinations and Workloads and its existing policies, parsed with the kinds' schemas. Pure: the
// command reads the objects (read-catalog.ts), this shapes them into choices.
import { resourceSchema, type KindDefinition } from '../../api/kind.ts';
import type { KubeObject } from '../../api/meta.ts';
import { destinationKind } from '../../api/discovery/v1/destination.ts';
import { meshKind } from '../../api/discovery/v1/mesh.ts';
import { workloadKind } from '../../api/discovery/v1/workload.ts';
import { virtualDestinationKind } from '../../api/enterprise/v1beta1/virtual-destination.ts';
import { kubernetesClusterKind } from '../../api/multicluster/v1alpha1/kubernetes-cluster.ts';
import { accessPolicyKind } from '../../api/networking/v1/access-policy.ts';
import { trafficPolicyKind } from '../../api/networking/v1/traffic-policy.ts';
import { virtualMeshKind } from '../../api/networking/v1/virtual-mesh.ts';
import { settingsKind } from '../../api/settings/v1/settings.ts';
import type { Resource } from '../../api/kind.ts';
import type { NetworkingInput } from '../../networking/model.ts';

export interface Catalog extends NetworkingInput {
  /** Objects read but not schema-valid: left out of the choices, counted so the user is told. */
  readonly skipped: number;
}

/** A Destination as offered: `NAME.NAMESPACE.CLUSTER` of its Service, with ports and subsets. */
export interface DestinationChoice {
  readonly ref: string;
  readonly service: { readonly name: string; readonly namespace: string; readonly clusterName: string };
  readonly ports: readonly { readonly port: number; readonly name?: string }[];
  /** Subset label → values, as discovery found them on the Service's workloads. */
  readonly subsets: Readonly<Record<string, readonly string[]>>;
}

export interface WorkloadChoice {
  readonly name: string;
  readonly namespace: string;
  readonly cluster: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string | undefined;
}

function parseAll<D extends KindDefinition>(definition: D, objects: readonly KubeObject[]) {
  const schema = resourceSchema(definition);
  const parsed: Resource<D>[] = [];
  let skipped = 0;
  for (const object of objects) {
    if (object.kind !== definition.kind) continue;
    const result = schema.safeParse(object);
    if (result.success) parsed.push(result.data as Resource<D>);
    else skipped++;
  }
  return { parsed, skipped };
}

/** The catalog from everything read; objects of other kinds are ignored. */
export function catalogFromObjects(installNamespace: string, objects: readonly KubeObject[]): Catalog {
  const meshes = parseAll(meshKind, objects);
  const destinations = parseAll(destinationKind, objects);
  const workloads = parseAll(workloadKind, objects);
  const trafficPolicies = parseAll(trafficPolicyKind, objects);
  const accessPolicies = parseAll(accessPolicyKind, objects);
  const virtualMeshes = parseAll(virtualMeshKind, objects);
  const virtualDestinations = parseAll(virtualDestinationKind, objects);
  const clusters = parseAll(kubernetesClusterKind, objects);
  const settings = parseAll(settingsKind, objects);
  const all = [
    meshes,
    destinations,
    workloads,
    trafficPolicies,
    accessPolicies,
    virtualMeshes,
    virtualDestinations,
    clusters,
    settings,
  ];
  return {
    installNamespace,
    meshes: meshes.parsed,
    destinations: destinations.parsed,
    workloads: workloads.parsed,
    trafficPolicies: trafficPolicies.parsed,
    accessPolicies: accessPolicies.parsed,
    virtualMeshes: virtualMeshes.parsed,
    virtualDestinations: virtualDestinations.parsed,
    kubernetesClusters: clusters.parsed,
    settings: settings.parsed,
    skipped: all.reduce((n, kind) => n + kind.skipped, 0),
  };
}

export function destinationChoices(catalog: Catalog): DestinationChoice[] {
  const choices: DestinationChoice[] = [];
  for (const destination of catalog.destinations) {
    const kube = destination.spec.kubeService;
    const ref = kube?.ref;
    if (kube === undefined || ref?.namespace === undefined || ref.clusterName === undefined) continue;
    const subsets: Record<string, string[]> = {};
    for (const [label, { values }] of Object.entries(kube.subsets ?? {})) subsets[label] = [...(values ?? [])].sort();
    choices.push({
      ref: `${ref.name}.${ref.namespace}.${ref.clusterName}`,
      service: { name: ref.name, namespace: ref.namespace, clusterName: ref.clusterName },
      ports: (kube.ports ?? []).flatMap((p) =>
        p.port === undefined ? [] : [{ port: p.port, ...(p.name === undefined ? {} : { name: p.name }) }],
      ),
      subsets,
    });
  }
  return choices.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
}

export function workloadChoices(catalog: Catalog): WorkloadChoice[] {
  const choices: WorkloadChoice[] = [];
  for (const workload of catalog.workloads) {
    const kube = workload.spec.kubernetes;
    const controller = kube?.controller;
    if (kube === undefined || controller?.namespace === undefined || controller.clusterName === undefined) continue;
    choices.push({
      name: controller.name,
      namespace: controller.namespace,
      cluster: controller.clusterName,
      labels: kube.podLabels ?? {},
      serviceAccount: kube.serviceAccountName,
    });
  }
  return choices.sort((a, b) =>
    `${a.cluster}/${a.namespace}/${a.name}` < `${b.cluster}/${b.namespace}/${b.name}` ? -1 : 1,
  );
}

/** Names already taken by objects of this kind in this namespace. */
export function existingNames(catalog: Catalog, kind: string, namespace: string): string[] {
  const lists: Readonly<Record<string, readonly KubeObject[]>> = {
    TrafficPolicy: catalog.trafficPolicies,
    AccessPolicy: catalog.accessPolicies,
    VirtualMesh: catalog.virtualMeshes,
  };
  return (lists[kind] ?? []).filter((o) => o.metadata.namespace === namespace).map((o) => o.metadata.name);
}
