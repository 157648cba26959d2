// Federation for Istio: what makes a Destination reachable from the other meshes of its VirtualMesh.
//
// In each client mesh (its installation namespace, e.g. istio-system):
//   ServiceEntry <federated host>          the host, a stable VIP, and the Destination's east-west
//                                          gateway addresses as endpoints (pod labels and locality kept,
//                                          so subsets and locality failover work across clusters)
//   DestinationRule <svc>-<ns>-<cluster>   ISTIO_MUTUAL (the gateway routes by SNI), subsets, keepalive
//   VirtualService  <svc>-<ns>-<cluster>   only where TrafficPolicies shape that client mesh's routes
// In the Destination's own mesh:
//   Gateway <gateway destination>-<ns>     AUTO_PASSTHROUGH on the gateway's TLS port for *.<suffix>
//   ServiceEntry <federated host>          the host with the local pod endpoints, exported only to the
//                                          gateway's namespace: the gateway needs a cluster named after
//                                          the SNI the client sends (outbound_.<port>_<subset>_.<host>)
//   DestinationRule <federated host>       the subsets, so that subset SNI names exist at the gateway
// Current Istio has no SNI-rewriting filter for `.global` names any more (Gloo Mesh 1.0 used an
// EnvoyFilter for that), so the local ServiceEntry is what the gateway needs, and all it needs.
import type { KubeObject } from '../../../api/meta.ts';
import { canonicalJson } from '../../canonical-json.ts';
import { compareStrings } from '../../keys.ts';
import type { Mesh } from '../../model.ts';
import type { IndexedDestination, KubeServiceRef } from '../../networking-index.ts';
import type { DestinationFederation, MeshFederation } from '../../plan/federation.ts';
import { hostnameSuffix, resolutionFor } from '../../plan/federation.ts';
import { federatedName } from '../names.ts';
import { federatedMetadata, parentsAnnotation, translatedMetadata } from '../output-meta.ts';
import type { ClusterObject } from '../translator.ts';
import { istioApiVersions } from './api-versions.ts';
import type {
  DestinationRuleSpec,
  GatewaySpec,
  ServiceEntrySpec,
  Subset,
  TrafficPolicy as IstioTrafficPolicy,
  WorkloadEntry,
} from './istio-types.ts';
import { serviceEntryPorts, type NamedPort } from './service-ports.ts';
import type { NetworkingPlan } from '../../plan/plan-model.ts';

/** Gloo Mesh assigns ServiceEntry VIPs from 240.0.0.0/4 (reserved, never routed). */
const VIP_FIRST_OCTET = 240;

/**
 * A stable VIP for a federated Service, computed as Gloo Mesh 1.x computes it (32-bit FNV-1 of
 * name, namespace, cluster and a scope, into 240.0.0.0/4), so addresses survive the migration.
 */
export function serviceEntryVip(name: string, namespace: string, cluster: string, scope = 'kube-service'): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(`${name}${namespace}${cluster}${scope}`)) {
    hash = Math.imul(hash, 0x01000193) >>> 0;
    hash = (hash ^ byte) >>> 0;
  }
  return [(hash & 0xff) | VIP_FIRST_OCTET, (hash >>> 8) & 0xff, (hash >>> 16) & 0xff, hash >>> 24].join('.');
}

function locality(
  region: string | undefined,
  zone: string | undefined,
  subZone: string | undefined,
): string | undefined {
  if (region === undefined || region === '') return undefined;
  return [region, zone, subZone].filter((part) => part !== undefined && part !== '').join('/');
}

interface EndpointGroup {
  readonly labels: Readonly<Record<string, string>>;
  readonly locality: string | undefined;
  count: number;
}

/**
 * The Destination's pods grouped by labels and locality: from its endpoints, else from its
 * Workloads (a scaled-down Service keeps its subsets), else one group without labels.
 */
function endpointGroups(destination: IndexedDestination, index: NetworkingPlan): EndpointGroup[] {
  const kube = destination.destination.spec.kubeService;
  const region = kube?.region;
  const groups = new Map<string, EndpointGroup>();
  const add = (labels: Readonly<Record<string, string>>, where: string | undefined) => {
    const key = `${canonicalJson(labels)}\u0000${where ?? ''}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { labels, locality: where, count: 1 });
    else group.count++;
  };
  for (const subset of kube?.endpointSubsets ?? []) {
    for (const endpoint of subset.endpoints ?? []) {
      add(endpoint.labels ?? {}, locality(region, endpoint.subLocality?.zone, endpoint.subLocality?.subZone));
    }
  }
  if (groups.size === 0 && destination.service !== undefined) {
    const service = destination.service;
    const selector = Object.entries(kube?.workloadSelectorLabels ?? {});
    for (const workload of index.workloadsByClusterNamespace.get(`${service.cluster}/${service.namespace}`) ?? []) {
      if (selector.length > 0 && selector.every(([k, v]) => workload.labels[k] === v)) {
        add(workload.labels, locality(region, undefined, undefined));
      }
    }
    // One entry per label set: a Workload count is not a pod count.
    for (const group of groups.values()) group.count = 1;
  }
  if (groups.size === 0) groups.set('', { labels: {}, locality: locality(region, undefined, undefined), count: 1 });
  return [...groups.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, group]) => group);
}

function sortEntries(entries: WorkloadEntry[]): WorkloadEntry[] {
  return entries
    .map((entry) => ({ entry, key: canonicalJson(entry) }))
    .sort((a, b) => compareStrings(a.key, b.key))
    .map(({ entry }) => entry);
}

/** Endpoints of the federated host as other clusters see it: its gateways, or its pods on a flat network. */
function remoteEndpoints(
  destination: IndexedDestination,
  federation: DestinationFederation,
  ports: readonly NamedPort[],
  index: NetworkingPlan,
): WorkloadEntry[] {
  if (federation.flatNetwork) return podEndpoints(destination, ports);
  const entries: WorkloadEntry[] = [];
  const groups = endpointGroups(destination, index);
  for (const gateway of federation.gateways) {
    const gatewayPorts = Object.fromEntries(ports.map((p) => [p.serviceEntryPort.name, gateway.destinationPort]));
    for (const address of gateway.externalAddresses) {
      for (const group of groups) {
        entries.push({
          address,
          ports: gatewayPorts,
          ...(Object.keys(group.labels).length > 0 ? { labels: { ...group.labels } } : {}),
          ...(group.locality === undefined ? {} : { locality: group.locality }),
          ...(group.count > 1 ? { weight: group.count } : {}),
        });
      }
    }
  }
  return sortEntries(entries);
}

/** The Destination's pods, each with the container port behind every Service port. */
function podEndpoints(destination: IndexedDestination, ports: readonly NamedPort[]): WorkloadEntry[] {
  const kube = destination.destination.spec.kubeService;
  const entries: WorkloadEntry[] = [];
  for (const subset of kube?.endpointSubsets ?? []) {
    const targetPorts = Object.fromEntries(
      ports.map(({ kube: port, serviceEntryPort }) => {
        const named = (subset.ports ?? []).find((p) => (p.name ?? '') === (port.name ?? ''));
        return [serviceEntryPort.name, named?.port ?? port.targetPortNumber ?? serviceEntryPort.number];
      }),
    );
    for (const endpoint of subset.endpoints ?? []) {
      if (endpoint.ipAddress === undefined) continue;
      const where = locality(kube?.region, endpoint.subLocality?.zone, endpoint.subLocality?.subZone);
      entries.push({
        address: endpoint.ipAddress,
        ports: targetPorts,
        ...(endpoint.labels === undefined || Object.keys(endpoint.labels).length === 0
          ? {}
          : { labels: { ...endpoint.labels } }),
        ...(where === undefined ? {} : { locality: where }),
      });
    }
  }
  return sortEntries(entries);
}

export interface FederatedDestinationRule {
  readonly trafficPolicy: IstioTrafficPolicy;
  readonly subsets: readonly Subset[];
  /** The TrafficPolicies that set its fields, for the parents annotation. */
  readonly policies: readonly { readonly metadata: { name: string; namespace?: string | undefined } }[];
}

export interface FederatedVirtualService {
  readonly spec: { hosts: string[]; http: unknown[] };
  readonly policies: readonly { readonly metadata: { name: string; namespace?: string | undefined } }[];
}

export interface FederationWriteInput {
  readonly destination: IndexedDestination;
  readonly service: KubeServiceRef;
  readonly mesh: Mesh;
  readonly federation: DestinationFederation;
  readonly index: NetworkingPlan;
  /** The DestinationRule each client mesh gets (fields from the policies that cover its cluster). */
  readonly destinationRuleFor: (client: Mesh) => FederatedDestinationRule;
  /** Namespaces of a client mesh, besides its installation namespace, that get a private copy of the DestinationRule. */
  readonly namespacesFor: (client: Mesh) => readonly string[];
  /** The VirtualService a client mesh gets, if policies shape its routes. */
  readonly virtualServiceFor: (client: Mesh) => FederatedVirtualService | undefined;
  /** Subsets other policies require of this Destination (the local DestinationRule for the gateway). */
  readonly subsets: readonly Subset[];
}

/** The federation outputs of one Destination, or the reason none can be written. */
export function writeFederation(input: FederationWriteInput): ClusterObject[] | string {
  const { destination, service, federation, index } = input;
  const ports = serviceEntryPorts(destination.destination.spec.kubeService);
  if (ports.length === 0) return `Destination ${destination.key} has no ports to federate`;
  const endpoints = remoteEndpoints(destination, federation, ports, index);
  const resolved = resolutionFor(endpoints.map((e) => e.address));
  if ('error' in resolved) return resolved.error;
  const resolution = resolved.resolution;
  const hostname = federation.hostname;
  const objects: ClusterObject[] = [];
  const virtualMeshes = [federation.check.virtualMesh];
  // The same few parent lists repeat for every client mesh: each annotation is built once.
  const annotations = new Map<string, string>();
  const parents = (extra: { readonly trafficPolicies?: FederatedDestinationRule['policies'] } = {}) => {
    const key = (extra.trafficPolicies ?? []).map((p) => `${p.metadata.namespace ?? ''}/${p.metadata.name}`).join(',');
    let annotation = annotations.get(key);
    if (annotation === undefined) {
      annotation = parentsAnnotation({ destinations: [destination.destination], virtualMeshes, ...extra });
      annotations.set(key, annotation);
    }
    return annotation;
  };
  const remoteSpec: ServiceEntrySpec = {
    hosts: [hostname],
    addresses: [serviceEntryVip(service.name, service.namespace, service.cluster)],
    ports: ports.map((p) => p.serviceEntryPort),
    location: 'MESH_INTERNAL',
    resolution,
    ...(endpoints.length > 0 ? { endpoints } : {}),
  };
  const name = federatedName(service);
  for (const client of federation.toMeshes) {
    const installation = client.spec.istio?.installation;
    const cluster = installation?.cluster ?? '';
    const namespace = installation?.namespace ?? 'istio-system';
    const versions = istioApiVersions(client);
    const meta = (objectName: string, parentsJson: string) =>
      federatedMetadata(objectName, namespace, index.installNamespace, parentsJson, service);
    objects.push({
      cluster,
      object: {
        apiVersion: versions.networking,
        kind: 'ServiceEntry',
        metadata: meta(hostname, parents()),
        spec: remoteSpec,
      },
    });
    const rule = input.destinationRuleFor(client);
    const drSpec: DestinationRuleSpec = {
      host: hostname,
      trafficPolicy: rule.trafficPolicy,
      ...(rule.subsets.length > 0 ? { subsets: [...rule.subsets] } : {}),
    };
    objects.push({
      cluster,
      object: {
        apiVersion: versions.networking,
        kind: 'DestinationRule',
        metadata: meta(name, parents({ trafficPolicies: rule.policies })),
        spec: drSpec,
      },
    });
    for (const other of input.namespacesFor(client)) {
      objects.push({
        cluster,
        object: {
          apiVersion: versions.networking,
          kind: 'DestinationRule',
          metadata: federatedMetadata(
            name,
            other,
            index.installNamespace,
            parents({ trafficPolicies: rule.policies }),
            service,
          ),
          spec: { ...drSpec, exportTo: ['.'] },
        },
      });
    }
    const virtualService = input.virtualServiceFor(client);
    if (virtualService !== undefined) {
      objects.push({
        cluster,
        object: {
          apiVersion: versions.networking,
          kind: 'VirtualService',
          metadata: meta(name, parents({ trafficPolicies: virtualService.policies })),
          spec: virtualService.spec,
        },
      });
    }
  }
  if (!federation.flatNetwork) objects.push(...localGatewayTargets(input, ports, parents()));
  return objects;
}

/** In the Destination's own mesh: the federated host with local pods, for the east-west gateway's SNI routing. */
function localGatewayTargets(
  input: FederationWriteInput,
  ports: readonly NamedPort[],
  parents: string,
): ClusterObject[] {
  const { destination, service, federation, mesh, index } = input;
  const installation = mesh.spec.istio?.installation;
  const namespace = installation?.namespace ?? 'istio-system';
  const versions = istioApiVersions(mesh);
  // Visible to the gateways only: local clients keep using the local host name.
  const exportTo = [
    '.',
    ...new Set(
      federation.gateways
        .map((g) => g.destination.service?.namespace ?? namespace)
        .filter((ns) => ns !== namespace)
        .sort(compareStrings),
    ),
  ];
  const endpoints = podEndpoints(destination, ports);
  const meta = federatedMetadata(federation.hostname, namespace, index.installNamespace, parents, service);
  const objects: KubeObject[] = [
    {
      apiVersion: versions.networking,
      kind: 'ServiceEntry',
      metadata: meta,
      spec: {
        hosts: [federation.hostname],
        ports: ports.map((p) => p.serviceEntryPort),
        location: 'MESH_INTERNAL',
        resolution: 'STATIC',
        ...(endpoints.length > 0 ? { endpoints } : {}),
        exportTo,
      } satisfies ServiceEntrySpec,
    },
  ];
  if (input.subsets.length > 0) {
    objects.push({
      apiVersion: versions.networking,
      kind: 'DestinationRule',
      metadata: meta,
      spec: { host: federation.hostname, subsets: [...input.subsets], exportTo } satisfies DestinationRuleSpec,
    });
  }
  return objects.map((object) => ({ cluster: service.cluster, object }));
}

/** The Gateway that lets a member mesh's east-west gateways accept federated traffic. */
export function writeEastWestGateways(federation: MeshFederation, index: NetworkingPlan): ClusterObject[] {
  if (federation.check.members.length < 2 || federation.check.virtualMesh.spec.federation?.flatNetwork === true) {
    return [];
  }
  const installation = federation.mesh.spec.istio?.installation;
  const cluster = installation?.cluster ?? '';
  const namespace = installation?.namespace ?? 'istio-system';
  const versions = istioApiVersions(federation.mesh);
  const suffix = hostnameSuffix(federation.check);
  return federation.gateways.map((gateway) => {
    const ref = gateway.destination.destination.metadata;
    const spec: GatewaySpec = {
      selector: { ...gateway.workloadLabels },
      servers: [
        {
          port: { number: gateway.containerPort, protocol: 'TLS', name: 'tls' },
          hosts: [`*.${suffix}`],
          tls: { mode: 'AUTO_PASSTHROUGH' },
        },
      ],
    };
    return {
      cluster,
      object: {
        apiVersion: versions.networking,
        kind: 'Gateway',
        metadata: translatedMetadata(
          federatedName({ name: ref.name, namespace: ref.namespace ?? '' }),
          namespace,
          index.installNamespace,
          parentsAnnotation({ virtualMeshes: [federation.check.virtualMesh] }),
        ),
        spec,
      },
    };
  });
}
