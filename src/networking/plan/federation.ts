// Federation, decided before translation (as Gloo Mesh 1.x's applier does): for every member Mesh
// of a VirtualMesh its east-west ingress gateways, and for every Destination of a member Mesh the
// other member Meshes it is federated to, under which host name. Translation then only writes.
import type { DestinationSelector } from '../../api/common/selectors.ts';
import { clusterObjectKey, objectRef, objectRefKey, refKey } from '../keys.ts';
import type { Mesh } from '../model.ts';
import type { IndexedDestination, NetworkingIndex } from '../networking-index.ts';
import type { MeshSupport } from '../translate/support.ts';
import { selectDestinations } from '../validate/destination-selection.ts';
import type { VirtualMeshCheck, VirtualMeshMemberships } from './virtual-mesh-membership.ts';

/** What federation is planned on: the index with memberships decided (plan-model.ts's MembershipPlan). */
export interface FederationInput extends NetworkingIndex {
  readonly virtualMeshes: VirtualMeshMemberships;
  readonly supportOf: (mesh: Mesh) => MeshSupport | undefined;
}

export const DEFAULT_HOSTNAME_SUFFIX = 'global';
const DEFAULT_TLS_PORT_NAME = 'tls';
/** Istio's default ingress gateway label, the last fallback for finding a mesh's gateway (as upstream). */
const DEFAULT_GATEWAY_LABEL = ['istio', 'ingressgateway'] as const;

export interface EastWestGateway {
  /** The gateway Service's Destination. */
  readonly destination: IndexedDestination;
  readonly externalAddresses: readonly string[];
  /** The port other clusters connect to: the LoadBalancer port or the NodePort of the TLS port. */
  readonly destinationPort: number;
  /** The gateway pods' TLS port: where the Gateway resource listens. */
  readonly containerPort: number;
  readonly workloadLabels: Readonly<Record<string, string>>;
}

export interface MeshFederation {
  readonly mesh: Mesh;
  readonly check: VirtualMeshCheck;
  readonly gateways: readonly EastWestGateway[];
  /** Problems and notes for this Mesh's entry in the VirtualMesh's status. */
  readonly errors: string[];
  readonly warnings: readonly string[];
}

export interface DestinationFederation {
  readonly check: VirtualMeshCheck;
  readonly hostname: string;
  /** Member Meshes (never its own) that get the federated host, sorted by key. */
  readonly toMeshes: readonly Mesh[];
  readonly flatNetwork: boolean;
  readonly gateways: readonly EastWestGateway[];
  /** Why it could not be federated; non-empty means nothing is written for it. */
  readonly errors: readonly string[];
}

export interface FederationPlan {
  /** Mesh key → federation facts of a member Mesh. */
  readonly meshes: ReadonlyMap<string, MeshFederation>;
  /** Every Destination selected for federation, whether or not it could be federated. */
  readonly destinations: ReadonlyMap<IndexedDestination, DestinationFederation>;
  /** VirtualMesh → errors in its federation settings (selectors naming nothing, bad gateway ports). */
  readonly errors: ReadonlyMap<VirtualMeshCheck, readonly string[]>;
}

/** STATIC for IP endpoints, DNS when any is a host name; both host names and IPv6 cannot be resolved together. */
export function resolutionFor(
  addresses: readonly string[],
): { readonly resolution: 'STATIC' | 'DNS' } | { readonly error: string } {
  const isIpv6 = (a: string) => (a.match(/:/g) ?? []).length >= 2;
  const isIpv4 = (a: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(a);
  const hostname = addresses.some((a) => !isIpv6(a) && !isIpv4(a));
  if (hostname && addresses.some(isIpv6)) {
    return { error: 'the endpoints mix IPv6 addresses and host names, which Istio cannot resolve together' };
  }
  return { resolution: hostname ? 'DNS' : 'STATIC' };
}

export function hostnameSuffix(check: VirtualMeshCheck): string {
  const suffix = check.virtualMesh.spec.federation?.hostnameSuffix;
  return suffix === undefined || suffix === '' ? DEFAULT_HOSTNAME_SUFFIX : suffix;
}

function externalAddresses(destination: IndexedDestination): string[] {
  return (destination.destination.spec.kubeService?.externalAddresses ?? []).flatMap((a) => {
    const address = a.dnsName ?? a.ip;
    return address === undefined || address === '' ? [] : [address];
  });
}

/** The gateway's TLS port by name: the port other clusters reach, and the pods' port behind it. */
function gatewayPorts(
  destination: IndexedDestination,
  portName: string,
): { destinationPort: number; containerPort: number } | string {
  const kube = destination.destination.spec.kubeService;
  const port = (kube?.ports ?? []).find((p) => p.name === portName);
  if (port === undefined) return `Destination ${destination.key} has no port named ${portName}`;
  let containerPort = port.targetPortNumber ?? 0;
  if (port.targetPortName !== undefined) {
    for (const subset of kube?.endpointSubsets ?? []) {
      const found = (subset.ports ?? []).find((p) => p.name === port.name);
      if (found?.port !== undefined) {
        containerPort = found.port;
        break;
      }
    }
  }
  const destinationPort =
    kube?.serviceType === 'NODE_PORT'
      ? (port.nodePort ?? 0)
      : kube?.serviceType === 'LOAD_BALANCER'
        ? (port.port ?? 0)
        : 0;
  if (destinationPort === 0) {
    return `Destination ${destination.key} is not reachable from other clusters: its Service is neither LoadBalancer nor NodePort`;
  }
  if (containerPort === 0) return `Destination ${destination.key}: the target port of port ${portName} is unknown`;
  return { destinationPort, containerPort };
}

function gatewayOf(destination: IndexedDestination, portName: string): EastWestGateway | string {
  const labels = destination.destination.spec.kubeService?.workloadSelectorLabels ?? {};
  if (Object.keys(labels).length === 0) {
    return `Destination ${destination.key} selects no pods (its Service has no selector); it cannot be an east-west gateway`;
  }
  const ports = gatewayPorts(destination, portName);
  if (typeof ports === 'string') return ports;
  return { destination, externalAddresses: externalAddresses(destination), ...ports, workloadLabels: labels };
}

interface GatewaySelection {
  readonly gateways: EastWestGateway[];
  readonly errors: string[];
}

/**
 * A member Mesh's east-west gateways, as upstream picks them: the Destinations the VirtualMesh's
 * eastWestIngressGatewaySelectors select in this Mesh; else the ingress gateways discovery found
 * for it; else Destinations in front of `istio: ingressgateway` pods with a `tls` port.
 */
function selectGateways(
  mesh: Mesh,
  meshDestinations: readonly IndexedDestination[],
  selected: readonly { readonly set: ReadonlySet<IndexedDestination>; readonly portName: string }[],
  index: NetworkingIndex,
): GatewaySelection {
  const gateways: EastWestGateway[] = [];
  const errors: string[] = [];
  for (const destination of meshDestinations) {
    const selector = selected.find((s) => s.set.has(destination));
    if (selector === undefined) continue;
    const gateway = gatewayOf(destination, selector.portName);
    if (typeof gateway === 'string') errors.push(`spec.federation.eastWestIngressGatewaySelectors: ${gateway}`);
    else gateways.push(gateway);
  }
  if (gateways.length > 0 || errors.length > 0) return { gateways, errors };

  const cluster = mesh.spec.istio?.installation?.cluster ?? '';
  for (const info of mesh.spec.istio?.ingressGateways ?? []) {
    const destination = index.destinationByService.get(
      clusterObjectKey(cluster, info.namespace ?? '', info.name ?? ''),
    );
    if (destination === undefined || info.externalTlsPort === undefined || info.tlsContainerPort === undefined)
      continue;
    const address = info.dnsName ?? info.ip ?? info.externalAddress;
    gateways.push({
      destination,
      externalAddresses: address === undefined ? [] : [address],
      destinationPort: info.externalTlsPort,
      containerPort: info.tlsContainerPort,
      workloadLabels: info.workloadLabels ?? destination.destination.spec.kubeService?.workloadSelectorLabels ?? {},
    });
  }
  if (gateways.length > 0) return { gateways, errors };

  const [key, value] = DEFAULT_GATEWAY_LABEL;
  for (const destination of meshDestinations) {
    if (destination.destination.spec.kubeService?.workloadSelectorLabels?.[key] !== value) continue;
    const gateway = gatewayOf(destination, DEFAULT_TLS_PORT_NAME);
    if (typeof gateway !== 'string' && gateway.externalAddresses.length > 0) gateways.push(gateway);
  }
  return { gateways, errors };
}

interface CompiledSelector {
  /** Undefined: every Destination. */
  readonly destinations: ReadonlySet<IndexedDestination> | undefined;
  /** Undefined: every member Mesh. */
  readonly meshes: readonly Mesh[] | undefined;
}

function compileSelection(
  selectors: readonly DestinationSelector[],
  path: string,
  index: NetworkingIndex,
  errors: string[],
): ReadonlySet<IndexedDestination> {
  const selection = selectDestinations(selectors, index);
  for (const error of selection.errors) errors.push(error.replace('spec.destinationSelector', path));
  return new Set(selection.destinations);
}

function compileFederationSelectors(
  check: VirtualMeshCheck,
  members: readonly Mesh[],
  index: NetworkingIndex,
  errors: string[],
): CompiledSelector[] {
  const federation = check.virtualMesh.spec.federation;
  const selectors = federation?.selectors ?? [];
  // The deprecated `permissive` mode counts only without selectors, as upstream.
  if (selectors.length === 0) {
    return federation?.permissive === undefined ? [] : [{ destinations: undefined, meshes: undefined }];
  }
  const memberKeys = new Map(members.map((m) => [objectRefKey(m), m]));
  const namespace = check.virtualMesh.metadata.namespace ?? '';
  return selectors.map((selector, i) => {
    const path = `spec.federation.selectors[${i}]`;
    const destinationSelectors = selector.destinationSelectors ?? [];
    const destinations =
      destinationSelectors.length === 0
        ? undefined
        : compileSelection(destinationSelectors, `${path}.destinationSelectors`, index, errors);
    const refs = selector.meshes ?? [];
    if (refs.length === 0) return { destinations, meshes: undefined };
    const meshes: Mesh[] = [];
    refs.forEach((ref, j) => {
      const key = refKey({ name: ref.name, namespace: ref.namespace ?? namespace });
      const member = memberKeys.get(key);
      if (member !== undefined) meshes.push(member);
      else if (check.members.some((m) => objectRefKey(m) === key))
        errors.push(`${path}.meshes[${j}]: Mesh ${key} is a member whose mesh Mesh Hub does not federate`);
      else errors.push(`${path}.meshes[${j}]: Mesh ${key} is not an accepted member of this VirtualMesh`);
    });
    return { destinations, meshes };
  });
}

/** `members` with each one's key, computed once per VirtualMesh rather than per Destination. */
interface KeyedMembers {
  readonly meshes: readonly Mesh[];
  readonly keys: readonly string[];
}

function federatedTo(
  destination: IndexedDestination,
  ownMeshKey: string,
  selectors: readonly CompiledSelector[],
  members: KeyedMembers,
): Mesh[] {
  const chosen = new Set<Mesh>();
  for (const selector of selectors) {
    if (selector.destinations !== undefined && !selector.destinations.has(destination)) continue;
    if (selector.meshes === undefined) {
      for (const mesh of members.meshes) chosen.add(mesh);
      break;
    }
    for (const mesh of selector.meshes) chosen.add(mesh);
  }
  if (chosen.size === 0) return [];
  return members.meshes.filter((mesh, i) => chosen.has(mesh) && members.keys[i] !== ownMeshKey);
}

/**
 * Federation among the members whose mesh Mesh Hub federates (its translator declares `federation`
 * supported); the others are left to their translator, which says how (or whether) they federate.
 */
export function planFederation(index: FederationInput, checks: readonly VirtualMeshCheck[]): FederationPlan {
  const meshes = new Map<string, MeshFederation>();
  const destinations = new Map<IndexedDestination, DestinationFederation>();
  const errors = new Map<VirtualMeshCheck, string[]>();

  // Destinations of each member Mesh, in index order.
  const byMesh = new Map<string, IndexedDestination[]>();
  for (const destination of index.destinations) {
    const key = destination.meshKey;
    if (key === undefined || destination.service === undefined) continue;
    if (!index.virtualMeshes.byMesh.has(key)) continue;
    const list = byMesh.get(key);
    if (list === undefined) byMesh.set(key, [destination]);
    else list.push(destination);
  }

  for (const check of checks) {
    const members = check.members.filter((m) => index.supportOf(m)?.features.federation.level === 'supported');
    if (members.length === 0) continue;
    const vmErrors: string[] = [];
    const federation = check.virtualMesh.spec.federation;
    const gatewaySelectors = (federation?.eastWestIngressGatewaySelectors ?? []).map((selector, i) => {
      const path = `spec.federation.eastWestIngressGatewaySelectors[${i}].destinationSelectors`;
      const list = selector.destinationSelectors ?? [];
      if (list.length === 0) {
        vmErrors.push(`${path}: select the gateway's Service (an empty list would make every Destination a gateway)`);
        return { set: new Set<IndexedDestination>(), portName: DEFAULT_TLS_PORT_NAME };
      }
      const portName =
        selector.portName === undefined || selector.portName === '' ? DEFAULT_TLS_PORT_NAME : selector.portName;
      return { set: compileSelection(list, path, index, vmErrors), portName };
    });
    const federationSelectors = compileFederationSelectors(check, members, index, vmErrors);
    const suffix = hostnameSuffix(check);
    const flatNetwork = federation?.flatNetwork === true;

    // Meshes whose sidecars cannot resolve a custom suffix get nothing federated (upstream reports it).
    const excluded = new Set<Mesh>();
    for (const mesh of members) {
      const key = objectRefKey(mesh);
      const selection = selectGateways(mesh, byMesh.get(key) ?? [], gatewaySelectors, index);
      vmErrors.push(...selection.errors);
      const warnings: string[] = [];
      if (members.length > 1 && mesh.spec.istio?.smartDnsProxyingEnabled !== true) {
        if (suffix !== DEFAULT_HOSTNAME_SUFFIX) {
          excluded.add(mesh);
          warnings.push(
            `hostnameSuffix ${suffix} needs Istio's smart DNS proxying (ISTIO_META_DNS_CAPTURE) in Mesh ${key}: nothing is federated to it`,
          );
        } else {
          warnings.push(
            `smart DNS proxying (ISTIO_META_DNS_CAPTURE) is off in Mesh ${key}: its workloads resolve *.global hosts only through DNS set up outside Mesh Hub`,
          );
        }
      }
      meshes.set(key, { mesh, check, gateways: selection.gateways, errors: [], warnings });
    }
    if (vmErrors.length > 0) errors.set(check, vmErrors);
    if (members.length < 2) continue;

    const targetMeshes = members.filter((m) => !excluded.has(m));
    const targets: KeyedMembers = { meshes: targetMeshes, keys: targetMeshes.map(objectRefKey) };
    // A gateway is the way in, not a service to reach through another gateway.
    const gatewayDestinations = new Set([...meshes.values()].flatMap((m) => m.gateways.map((g) => g.destination)));
    for (const mesh of members) {
      const meshKey = objectRefKey(mesh);
      const meshFederation = meshes.get(meshKey);
      const gateways = meshFederation?.gateways ?? [];
      // The same for every Destination of the Mesh: worked out once, when one needs it.
      let resolution: ReturnType<typeof resolutionFor> | undefined;
      for (const destination of byMesh.get(meshKey) ?? []) {
        const service = destination.service;
        if (service === undefined || gatewayDestinations.has(destination)) continue;
        const toMeshes = federatedTo(destination, meshKey, federationSelectors, targets);
        if (toMeshes.length === 0) continue;
        if (!flatNetwork && gateways.length === 0) {
          // Said once on the Mesh rather than on each of its Destinations.
          const error = `Mesh ${meshKey} has no east-west ingress gateway (a LoadBalancer or NodePort Service with a TLS port, selected by spec.federation.eastWestIngressGatewaySelectors or detected by discovery): its Destinations are not federated`;
          if (meshFederation !== undefined && !meshFederation.errors.includes(error)) meshFederation.errors.push(error);
          continue;
        }
        const destinationErrors: string[] = [];
        if ((destination.destination.spec.kubeService?.ports ?? []).every((p) => p.port === undefined)) {
          destinationErrors.push(`Destination ${destination.key} has no ports to federate`);
        } else if (!flatNetwork && gateways.every((g) => g.externalAddresses.length === 0)) {
          destinationErrors.push(`the east-west ingress gateways of Mesh ${meshKey} have no external address yet`);
        } else {
          resolution ??= resolutionFor(gateways.flatMap((g) => g.externalAddresses));
          if ('error' in resolution)
            destinationErrors.push(`east-west gateways of Mesh ${meshKey}: ${resolution.error}`);
        }
        destinations.set(destination, {
          check,
          hostname: `${service.name}.${service.namespace}.svc.${service.cluster}.${suffix}`,
          toMeshes,
          flatNetwork,
          gateways,
          errors: destinationErrors,
        });
      }
    }
  }
  return { meshes, destinations, errors };
}

/** `appliedFederation` of a Destination's status, when it is federated. */
export function appliedFederation(federation: DestinationFederation) {
  const keepalive = federation.check.virtualMesh.spec.federation?.tcpKeepalive;
  return {
    federatedHostname: federation.hostname,
    federatedToMeshes: federation.toMeshes.map(objectRef),
    ...(federation.flatNetwork ? { flatNetwork: true } : {}),
    virtualMeshRef: objectRef(federation.check.virtualMesh),
    ...(keepalive === undefined ? {} : { tcpKeepalive: keepalive }),
  };
}
