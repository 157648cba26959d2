// Destination detection: every Service whose selector matches the pod labels of a mesh Workload.
import type { KubeService } from '../api/discovery/v1/destination.ts';
import type { Service } from '../api/k8s/workloads.ts';
import { clusterRegion, lookup, nodeZone, type ClusterIndex } from './cluster-index.ts';
import type { DetectedMesh } from './meshes.ts';
import { discoveredName } from './names.ts';
import type { DetectedWorkload } from './workloads.ts';

export interface DetectedDestination {
  readonly name: string;
  readonly cluster: string;
  readonly mesh: DetectedMesh;
  readonly kubeService: KubeService;
  readonly backingWorkloads: readonly DetectedWorkload[];
}

/** Labels that differ between pods of one version for reasons that are not subsets. */
const NON_SUBSET_LABELS = new Set(['pod-template-hash', 'service.istio.io/canonical-revision', 'istio.io/rev']);

function matches(selector: readonly (readonly [string, string])[], labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of selector) if (labels[k] !== v) return false;
  return true;
}

/**
 * Workloads by namespace and by pod label within it, so a Service's backing workloads are found
 * from the workloads carrying one of its selector's labels rather than from its whole namespace.
 */
class WorkloadLabelIndex {
  /** Namespace → label key → label value → workloads (no key strings built per label). */
  private readonly byNamespace = new Map<string, Map<string, Map<string, DetectedWorkload[]>>>();

  constructor(workloads: readonly DetectedWorkload[]) {
    for (const workload of workloads) {
      let byKey = this.byNamespace.get(workload.namespace);
      if (byKey === undefined) {
        byKey = new Map();
        this.byNamespace.set(workload.namespace, byKey);
      }
      for (const [k, v] of Object.entries(workload.podLabels)) {
        let byValue = byKey.get(k);
        if (byValue === undefined) {
          byValue = new Map();
          byKey.set(k, byValue);
        }
        const list = byValue.get(v);
        if (list === undefined) byValue.set(v, [workload]);
        else list.push(workload);
      }
    }
  }

  /** Workloads of the namespace whose pod labels include every selector label, in input order. */
  select(namespace: string, selector: readonly (readonly [string, string])[]): DetectedWorkload[] {
    const byKey = this.byNamespace.get(namespace);
    if (byKey === undefined) return [];
    let smallest: readonly DetectedWorkload[] | undefined;
    for (const [k, v] of selector) {
      const list = byKey.get(k)?.get(v);
      if (list === undefined) return [];
      if (smallest === undefined || list.length < smallest.length) smallest = list;
    }
    return (smallest ?? []).filter((w) => matches(selector, w.podLabels));
  }
}

/** Label keys with more than one value among the backing workloads, e.g. `version: [v1, v2]` (as upstream). */
export function findSubsets(workloads: readonly DetectedWorkload[]): KubeService['subsets'] {
  const values = new Map<string, Set<string>>();
  for (const workload of workloads) {
    for (const [k, v] of Object.entries(workload.podLabels)) {
      if (NON_SUBSET_LABELS.has(k)) continue;
      const set = values.get(k) ?? new Set<string>();
      set.add(v);
      values.set(k, set);
    }
  }
  const subsets = [...values.entries()]
    .filter(([, set]) => set.size > 1)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, set]) => [k, { values: [...set].sort() }] as const);
  return subsets.length === 0 ? undefined : Object.fromEntries(subsets);
}

const SERVICE_TYPES = {
  ClusterIP: 'CLUSTER_IP',
  NodePort: 'NODE_PORT',
  LoadBalancer: 'LOAD_BALANCER',
  ExternalName: 'EXTERNAL_NAME',
} as const;

function serviceType(service: Service): KubeService['serviceType'] {
  const type = service.spec.type ?? 'ClusterIP';
  return type in SERVICE_TYPES ? SERVICE_TYPES[type as keyof typeof SERVICE_TYPES] : 'CLUSTER_IP';
}

function externalAddresses(service: Service, index: ClusterIndex): KubeService['externalAddresses'] {
  const addresses: { ip?: string; dnsName?: string }[] = [];
  for (const ingress of service.status?.loadBalancer?.ingress ?? []) {
    if (ingress.ip !== undefined) addresses.push({ ip: ingress.ip });
    else if (ingress.hostname !== undefined) addresses.push({ dnsName: ingress.hostname });
  }
  for (const ip of service.spec.externalIPs ?? []) addresses.push({ ip });
  if (service.spec.type === 'NodePort') {
    for (const node of [...index.nodes.values()].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))) {
      const address =
        node.status?.addresses?.find((a) => a.type === 'ExternalIP') ??
        node.status?.addresses?.find((a) => a.type === 'InternalIP');
      if (address !== undefined) addresses.push({ ip: address.address });
    }
  }
  return addresses.length === 0 ? undefined : addresses;
}

// The objects below are built field by field, in the order they are written out, rather than by
// spreading optional fields: a render builds one per port and endpoint of the estate.
type Port = NonNullable<KubeService['ports']>[number];

function ports(service: Service): KubeService['ports'] {
  return service.spec.ports.map((port) => {
    const out: Port = { port: port.port };
    if (port.name !== undefined) out.name = port.name;
    out.protocol = port.protocol ?? 'TCP';
    if (port.appProtocol !== undefined) out.appProtocol = port.appProtocol;
    if (typeof port.targetPort === 'string') out.targetPortName = port.targetPort;
    else out.targetPortNumber = port.targetPort ?? port.port;
    if (port.nodePort !== undefined) out.nodePort = port.nodePort;
    return out;
  });
}

type EndpointSubsets = NonNullable<KubeService['endpointSubsets']>;
type Endpoint = NonNullable<EndpointSubsets[number]['endpoints']>[number];
type EndpointPortOut = NonNullable<EndpointSubsets[number]['ports']>[number];

interface EndpointPort {
  readonly name?: string | undefined;
  readonly port?: number | undefined;
  readonly protocol?: string | undefined;
  readonly appProtocol?: string | undefined;
}

function endpointPort(p: EndpointPort): EndpointPortOut {
  const out: EndpointPortOut = {};
  if (p.port !== undefined) out.port = p.port;
  if (p.name !== undefined) out.name = p.name;
  if (p.protocol !== undefined) out.protocol = p.protocol;
  if (p.appProtocol !== undefined) out.appProtocol = p.appProtocol;
  return out;
}

function endpointLabels(
  podName: string | undefined,
  workloads: readonly DetectedWorkload[],
): Record<string, string> | undefined {
  if (podName === undefined) return undefined;
  const workload = workloads.find((w) => w.podNames.has(podName));
  return workload === undefined ? undefined : { ...workload.podLabels };
}

function endpointSubsets(
  service: Service,
  index: ClusterIndex,
  workloads: readonly DetectedWorkload[],
): EndpointSubsets | undefined {
  const { namespace, name } = service.metadata;
  const slices = [...(lookup(index.endpointSlices, namespace, name) ?? [])].sort((a, b) =>
    a.metadata.name < b.metadata.name ? -1 : 1,
  );
  const subsets: EndpointSubsets = [];
  const portsOf = (list: readonly EndpointPort[]) => list.map(endpointPort);
  const endpointOf = (ipAddress: string, zone: string | undefined, podName: string | undefined): Endpoint => {
    const out: Endpoint = { ipAddress };
    const labels = endpointLabels(podName, workloads);
    if (labels !== undefined) out.labels = labels;
    if (zone !== undefined) out.subLocality = { zone };
    return out;
  };
  if (slices.length > 0) {
    for (const slice of slices) {
      const endpoints: Endpoint[] = [];
      for (const endpoint of slice.endpoints ?? []) {
        for (const ip of endpoint.addresses) {
          const zone = endpoint.zone ?? nodeZone(index, endpoint.nodeName);
          endpoints.push(endpointOf(ip, zone, endpoint.targetRef?.name));
        }
      }
      if (endpoints.length > 0) subsets.push({ endpoints, ports: portsOf(slice.ports ?? []) });
    }
  } else {
    for (const subset of lookup(index.endpoints, namespace, name)?.subsets ?? []) {
      const endpoints = (subset.addresses ?? []).map((address) =>
        endpointOf(address.ip, nodeZone(index, address.nodeName), address.targetRef?.name),
      );
      if (endpoints.length > 0) subsets.push({ endpoints, ports: portsOf(subset.ports ?? []) });
    }
  }
  return subsets.length === 0 ? undefined : subsets;
}

export function detectDestinations(index: ClusterIndex, workloads: readonly DetectedWorkload[]): DetectedDestination[] {
  // A Service selects only pods of its own namespace.
  const byLabel = new WorkloadLabelIndex(workloads);
  const region = clusterRegion(index);
  const destinations: DetectedDestination[] = [];
  for (const service of index.services) {
    const selector = service.spec.selector;
    if (selector === undefined) continue;
    const selectorLabels = Object.entries(selector);
    if (selectorLabels.length === 0) continue;
    const namespace = service.metadata.namespace ?? 'default';
    const backing = byLabel.select(namespace, selectorLabels);
    const [first] = backing;
    if (first === undefined) continue;
    const subsets = findSubsets(backing);
    const endpoints = endpointSubsets(service, index, backing);
    const external = externalAddresses(service, index);
    destinations.push({
      name: discoveredName(service.metadata.name, namespace, index.cluster),
      cluster: index.cluster,
      mesh: first.mesh,
      backingWorkloads: backing,
      kubeService: {
        ref: { name: service.metadata.name, namespace, clusterName: index.cluster },
        workloadSelectorLabels: { ...selector },
        ...(service.metadata.labels === undefined ? {} : { labels: { ...service.metadata.labels } }),
        ports: ports(service),
        ...(subsets === undefined ? {} : { subsets }),
        ...(region === undefined ? {} : { region }),
        ...(endpoints === undefined ? {} : { endpointSubsets: endpoints }),
        ...(external === undefined ? {} : { externalAddresses: external }),
        serviceType: serviceType(service),
      },
    });
  }
  return destinations.sort((a, b) => (a.name < b.name ? -1 : 1));
}
