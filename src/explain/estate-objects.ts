// Reading the rendered estate for `meshctl explain request`: the objects are plain JSON (the render
// output), read field by field without trusting their shape, and every object read is named.
import { PARENTS_ANNOTATION } from '../api/labels.ts';
import type { KubeObject } from '../api/meta.ts';
import type { InputSnapshot } from '../snapshot/input.ts';
import type { RenderOutput } from '../snapshot/output.ts';
import { ExplainError, type ExplainedMesh, type RenderedEstate, type UsedObject } from './explanation.ts';

export type Json = Record<string, unknown>;

export function record(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
}
export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
export function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
export function num(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}
export function labelsOf(value: unknown): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record(value)).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}
export function specOf(object: KubeObject | undefined): Json {
  return record((object as { spec?: unknown } | undefined)?.spec);
}
export function statusOf(object: KubeObject | undefined): Json {
  return record((object as { status?: unknown } | undefined)?.status);
}
export function used(cluster: string, object: KubeObject, routeIndex?: number): UsedObject {
  return {
    cluster,
    kind: object.kind,
    ...(object.metadata.namespace === undefined ? {} : { namespace: object.metadata.namespace }),
    name: object.metadata.name,
    ...(routeIndex === undefined ? {} : { routeIndex }),
  };
}
export function qualifiedName(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

/** The parents of `kind` (TrafficPolicy, AccessPolicy, VirtualMesh) a generated object names, as namespace/name. */
export function parents(object: KubeObject, kind: string): string[] {
  const raw = object.metadata.annotations?.[PARENTS_ANNOTATION];
  if (raw === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return [];
  }
  for (const [key, refs] of Object.entries(record(parsed))) {
    if (!key.endsWith(`Kind=${kind}`)) continue;
    return list(refs).map((ref) => `${text(record(ref).namespace) ?? ''}/${text(record(ref).name) ?? ''}`);
  }
  return [];
}

export function findMgmt(estate: RenderedEstate, kind: string, name: string): KubeObject | undefined {
  return estate.mgmt.find((o) => o.kind === kind && o.metadata.name === name);
}

export function objectsOf(estate: RenderedEstate, cluster: string, kind: string, namespace?: string): KubeObject[] {
  return (estate.clusters.get(cluster) ?? []).filter(
    (o) => o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace),
  );
}

export interface ServicePort {
  readonly port: number;
  readonly name?: string;
  readonly appProtocol?: string;
  /** The pod port the Service port leads to (a number or a container port name). */
  readonly podPort: number | string;
}

/** A Destination (a Kubernetes Service) as the request needs it. */
export interface DestinationFacts {
  readonly object: KubeObject;
  readonly name: string;
  readonly cluster: string;
  readonly namespace: string;
  readonly service: string;
  readonly localFqdn: string;
  readonly federatedHost?: string;
  readonly workloadSelectorLabels: Readonly<Record<string, string>>;
  readonly ports: readonly ServicePort[];
  readonly mesh?: KubeObject;
}

/** A source Workload as the request needs it. */
export interface SourceFacts {
  readonly workload: string;
  readonly object: KubeObject;
  readonly cluster: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  readonly mesh?: KubeObject;
}

function meshOf(estate: RenderedEstate, object: KubeObject): KubeObject | undefined {
  const name = text(record(specOf(object).mesh).name);
  return name === undefined ? undefined : findMgmt(estate, 'Mesh', name);
}

/** The mesh type of a discovered Mesh, by the key its spec carries; undefined for one explain does not evaluate. */
export function explainedMeshOf(mesh: KubeObject | undefined): ExplainedMesh | undefined {
  const spec = specOf(mesh);
  if (spec.istio !== undefined) return 'istio';
  if (spec.linkerd !== undefined) return 'linkerd';
  if (spec.osm !== undefined) return 'osm';
  return undefined;
}

/** The kind of mesh a Mesh object is, for messages (`consulConnect`, `awsAppMesh`, …). */
export function meshKindOf(mesh: KubeObject | undefined): string {
  return Object.keys(specOf(mesh))[0] ?? 'unknown';
}

export function destinationFacts(estate: RenderedEstate, name: string): DestinationFacts {
  const object = findMgmt(estate, 'Destination', name);
  if (object === undefined) throw new ExplainError(`no Destination named ${name} (see meshctl describe destination)`);
  const kubeService = record(specOf(object).kubeService);
  const ref = record(kubeService.ref);
  const namespace = text(ref.namespace) ?? '';
  const service = text(ref.name) ?? '';
  const status = statusOf(object);
  const federatedHost = text(record(status.appliedFederation).federatedHostname);
  const ports = list(kubeService.ports).flatMap((raw): ServicePort[] => {
    const p = record(raw);
    const port = num(p.port);
    if (port === undefined) return [];
    const name = text(p.name);
    const appProtocol = text(p.appProtocol);
    return [
      {
        port,
        ...(name === undefined ? {} : { name }),
        ...(appProtocol === undefined ? {} : { appProtocol }),
        podPort: num(p.targetPortNumber) ?? text(p.targetPortName) ?? port,
      },
    ];
  });
  const mesh = meshOf(estate, object);
  return {
    object,
    name,
    cluster: text(ref.clusterName) ?? '',
    namespace,
    service,
    localFqdn: text(status.localFqdn) ?? `${service}.${namespace}.svc.cluster.local`,
    ...(federatedHost === undefined ? {} : { federatedHost }),
    workloadSelectorLabels: labelsOf(kubeService.workloadSelectorLabels),
    ports,
    ...(mesh === undefined ? {} : { mesh }),
  };
}

export function sourceFacts(estate: RenderedEstate, name: string): SourceFacts {
  const object = findMgmt(estate, 'Workload', name);
  if (object === undefined) throw new ExplainError(`no Workload named ${name}`);
  const k = record(specOf(object).kubernetes);
  const controller = record(k.controller);
  const mesh = meshOf(estate, object);
  return {
    workload: name,
    object,
    cluster: text(controller.clusterName) ?? '',
    namespace: text(controller.namespace) ?? '',
    labels: labelsOf(k.podLabels),
    serviceAccount: text(k.serviceAccountName) ?? 'default',
    ...(mesh === undefined ? {} : { mesh }),
  };
}

/** The Destination whose Service is `namespace/name` in `cluster`. */
export function destinationOfService(
  estate: RenderedEstate,
  cluster: string,
  namespace: string,
  name: string,
): KubeObject | undefined {
  return estate.mgmt.find((o) => {
    if (o.kind !== 'Destination') return false;
    const ref = record(record(specOf(o).kubeService).ref);
    return ref.clusterName === cluster && ref.namespace === namespace && ref.name === name;
  });
}

/** The Workloads a Destination's Service selects: in its cluster and namespace, carrying every selector label. */
export function backingWorkloads(estate: RenderedEstate, destination: DestinationFacts): KubeObject[] {
  const selector = Object.entries(destination.workloadSelectorLabels);
  if (selector.length === 0) return [];
  return estate.mgmt.filter((o) => {
    if (o.kind !== 'Workload') return false;
    const k = record(specOf(o).kubernetes);
    const controller = record(k.controller);
    const labels = labelsOf(k.podLabels);
    return (
      controller.clusterName === destination.cluster &&
      controller.namespace === destination.namespace &&
      selector.every(([key, value]) => labels[key] === value)
    );
  });
}

/** The port the request is evaluated on: the Service's only one, else its first (with a note). */
export function requestPort(destination: DestinationFacts, notes: Set<string>): ServicePort | undefined {
  const first = destination.ports[0];
  if (destination.ports.length > 1 && first !== undefined) {
    notes.add(
      `Service ${destination.namespace}/${destination.service} has ports ${destination.ports.map((p) => String(p.port)).join(', ')}: evaluated for port ${String(first.port)}, its first`,
    );
  }
  return first;
}

/** A share of the total weight, in percent, to two decimals. */
export function percentOf(weight: number, total: number): number {
  return total <= 0 ? 0 : Math.round((weight / total) * 10000) / 100;
}

/** The VirtualMesh with globalAccessPolicy ENABLED that lists this Mesh, if any. */
export function denyingVirtualMesh(estate: RenderedEstate, mesh: KubeObject | undefined): KubeObject | undefined {
  if (mesh === undefined) return undefined;
  return estate.mgmt.find(
    (o) =>
      o.kind === 'VirtualMesh' &&
      specOf(o).globalAccessPolicy === 'ENABLED' &&
      list(specOf(o).meshes).some((m) => record(m).name === mesh.metadata.name),
  );
}

/** The estate of one render: its output, and the clusters' objects it read. */
export function renderedEstate(snapshot: InputSnapshot, output: RenderOutput): RenderedEstate {
  const clusterInputs = new Map<string, KubeObject[]>();
  for (const [cluster, inputs] of snapshot.clusters)
    clusterInputs.set(
      cluster,
      inputs.map((i) => i.object),
    );
  return { mgmt: output.mgmt, clusters: output.clusters, clusterInputs };
}

/** A cluster's own objects of one kind (apiVersion group given), or undefined when the estate has none. */
export function clusterInputsOf(
  estate: RenderedEstate,
  group: string,
  kind: string,
): { readonly cluster: string; readonly object: KubeObject }[] | undefined {
  if (estate.clusterInputs === undefined) return undefined;
  const found: { cluster: string; object: KubeObject }[] = [];
  for (const [cluster, objects] of estate.clusterInputs) {
    for (const object of objects) {
      const slash = object.apiVersion.indexOf('/');
      const objectGroup = slash < 0 ? '' : object.apiVersion.slice(0, slash);
      if (object.kind === kind && objectGroup === group) found.push({ cluster, object });
    }
  }
  return found;
}
