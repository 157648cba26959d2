// VirtualDestinations (networking.enterprise.mesh.gloo.solo.io/v1beta1), decided before
// translation: which Meshes see the global host, which Destinations back it in which failover
// order, and what is wrong with it. One global host name belongs to one VirtualDestination: the
// oldest (creationTimestamp, then namespace/name) keeps it.
import { clusterObjectKey, compareStrings, objectRefKey, refKey } from '../keys.ts';
import { meshInstallation, meshTypeName, meshTypeOf, type MeshType } from '../mesh-type.ts';
import type { Mesh, VirtualDestination } from '../model.ts';
import type { IndexedDestination } from '../networking-index.ts';
import { unsupportedMemberFeature } from '../translate/support.ts';
import type { FederationInput, FederationPlan } from './federation.ts';
import { selectDestinations } from '../validate/destination-selection.ts';
import type { VirtualMeshCheck } from './virtual-mesh-membership.ts';

/** What VirtualDestinations are planned on: memberships and federation decided (plan-model.ts's FederatedPlan). */
interface VirtualDestinationInput extends FederationInput {
  readonly federation: FederationPlan;
}

type KubePort = NonNullable<NonNullable<IndexedDestination['destination']['spec']['kubeService']>['ports']>[number];

export interface BackingDestination {
  readonly destination: IndexedDestination;
  /** The backing Service's port that the VirtualDestination's port forwards to. */
  readonly port: KubePort;
}

export type FailoverMode =
  | { readonly kind: 'static' }
  | {
      readonly kind: 'localized';
      readonly directives: readonly { readonly from: string; readonly to: readonly string[] }[];
    };

export interface VirtualDestinationPlan {
  readonly virtualDestination: VirtualDestination;
  readonly key: string;
  readonly hostname: string;
  readonly port: { readonly number: number; readonly protocol: string };
  /** The VirtualMesh whose Meshes back it (suffix, gateways). */
  readonly check: VirtualMeshCheck | undefined;
  /** Meshes that get the host, sorted by key. */
  readonly exportTo: readonly Mesh[];
  /** The one mesh type of every Mesh involved: the translator that writes it. */
  readonly meshType: MeshType | undefined;
  /** In failover order for `static`; index order for `localized`. */
  readonly backing: readonly BackingDestination[];
  readonly failover: FailoverMode;
  /** Problems that keep it from being written at all. */
  readonly errors: readonly string[];
  /** Backing Destinations some clients cannot reach, and other notes. */
  readonly warnings: readonly string[];
}

function compareAge(a: VirtualDestination, b: VirtualDestination): number {
  const ta = a.metadata.creationTimestamp;
  const tb = b.metadata.creationTimestamp;
  if (ta !== undefined && tb !== undefined) {
    const diff = Date.parse(ta) - Date.parse(tb);
    if (!Number.isNaN(diff) && diff !== 0) return diff;
  }
  if (ta !== undefined && tb === undefined) return -1;
  if (ta === undefined && tb !== undefined) return 1;
  return compareStrings(objectRefKey(a), objectRefKey(b));
}

function targetPort(
  destination: IndexedDestination,
  port: NonNullable<VirtualDestination['spec']['port']>,
): KubePort | undefined {
  const ports = destination.destination.spec.kubeService?.ports ?? [];
  if (port.targetName !== undefined && port.targetName !== '') return ports.find((p) => p.name === port.targetName);
  if (port.targetNumber !== undefined && port.targetNumber !== 0)
    return ports.find((p) => p.port === port.targetNumber);
  return undefined;
}

function meshKeyOf(destination: IndexedDestination): string | undefined {
  const ref = destination.destination.spec.mesh;
  return ref === undefined ? undefined : refKey(ref);
}

function typeName(mesh: Mesh): string {
  const type = meshTypeOf(mesh);
  return type === undefined ? 'unknown' : meshTypeName(type);
}

function planOne(
  virtualDestination: VirtualDestination,
  index: VirtualDestinationInput,
): Omit<VirtualDestinationPlan, 'errors'> & { errors: string[] } {
  const spec = virtualDestination.spec;
  const namespace = virtualDestination.metadata.namespace ?? '';
  const errors: string[] = [];
  const warnings: string[] = [];
  const hostname = spec.hostname ?? '';
  if (hostname === '') errors.push('spec.hostname: required');
  else if (hostname.includes('*')) errors.push('spec.hostname: a VirtualDestination host name cannot be a wildcard');
  const portSpec = spec.port;
  if (portSpec?.number === undefined || portSpec.number === 0) errors.push('spec.port.number: required');
  if ((portSpec?.targetName ?? '') === '' && (portSpec?.targetNumber ?? 0) === 0) {
    errors.push('spec.port: set targetName or targetNumber, the port of the backing Services');
  }

  // Where it is visible, and the VirtualMesh the backing Meshes belong to.
  let check: VirtualMeshCheck | undefined;
  let exportTo: Mesh[] = [];
  if (spec.virtualMesh !== undefined) {
    const key = refKey({ name: spec.virtualMesh.name, namespace: spec.virtualMesh.namespace ?? namespace });
    check = index.virtualMeshes.checks.find((c) => c.key === key);
    if (check === undefined) errors.push(`spec.virtualMesh: no VirtualMesh ${key}`);
    else if (check.members.length === 0) errors.push(`spec.virtualMesh: VirtualMesh ${key} has no accepted Mesh`);
    else exportTo = [...check.members];
  } else if (spec.meshList !== undefined) {
    const checks = new Set<VirtualMeshCheck>();
    (spec.meshList.meshes ?? []).forEach((ref, i) => {
      const key = refKey({ name: ref.name, namespace: ref.namespace ?? namespace });
      const mesh = index.meshByKey.get(key);
      if (mesh === undefined) return void errors.push(`spec.meshList.meshes[${i}]: Mesh ${key} was not discovered`);
      exportTo.push(mesh);
      const owner = index.virtualMeshes.byMesh.get(key);
      if (owner !== undefined) checks.add(owner);
    });
    if (exportTo.length === 0 && errors.length === 0) errors.push('spec.meshList.meshes: lists no Mesh');
    if (checks.size > 1) errors.push('spec.meshList.meshes: the Meshes must all belong to one VirtualMesh');
    [check] = [...checks];
  } else {
    errors.push('spec: set virtualMesh or meshList, the Meshes that see the host');
  }
  exportTo = [...new Set(exportTo)].sort((a, b) => compareStrings(objectRefKey(a), objectRefKey(b)));

  // The backing Destinations, in failover order.
  const candidates: { destination: IndexedDestination; path: string }[] = [];
  let failover: FailoverMode = { kind: 'static' };
  if (spec.static !== undefined) {
    (spec.static.destinations ?? []).forEach((backing, i) => {
      const path = `spec.static.destinations[${i}].kubeService`;
      const ref = backing.kubeService;
      if (ref === undefined) return void errors.push(`${path}: required`);
      const found = index.destinationByService.get(
        clusterObjectKey(ref.clusterName ?? '', ref.namespace ?? '', ref.name),
      );
      if (found === undefined) {
        return void errors.push(
          `${path}: no Destination for Service ${ref.namespace ?? ''}/${ref.name} in cluster ${ref.clusterName ?? ''}`,
        );
      }
      candidates.push({ destination: found, path });
    });
    if (candidates.length === 0 && errors.length === 0) errors.push('spec.static.destinations: lists no Destination');
  } else if (spec.localized !== undefined) {
    const selectors = spec.localized.destinationSelectors ?? [];
    if (selectors.length === 0) errors.push('spec.localized.destinationSelectors: required');
    const selection = selectDestinations(selectors, index);
    errors.push(
      ...selection.errors.map((e) => e.replace('spec.destinationSelector', 'spec.localized.destinationSelectors')),
    );
    const perCluster = new Map<string, IndexedDestination[]>();
    for (const destination of selection.destinations) {
      const cluster = destination.service?.cluster ?? '';
      perCluster.set(cluster, [...(perCluster.get(cluster) ?? []), destination]);
      candidates.push({ destination, path: 'spec.localized.destinationSelectors' });
    }
    for (const [cluster, list] of perCluster) {
      if (list.length > 1) {
        errors.push(
          `spec.localized.destinationSelectors: selects ${String(list.length)} Destinations in cluster ${cluster} (${list.map((d) => d.key).join(', ')}); one per cluster`,
        );
      }
    }
    if (selection.destinations.length === 0 && selectors.length > 0)
      errors.push('spec.localized.destinationSelectors: selects no Destination');
    failover = {
      kind: 'localized',
      directives: (spec.localized.failoverDirectives ?? []).flatMap((directive) => {
        const from = directive.from?.region ?? '';
        const to = (directive.to ?? []).flatMap((l) => (l.region === undefined || l.region === '' ? [] : [l.region]));
        return from === '' || to.length === 0 ? [] : [{ from, to }];
      }),
    };
    (spec.localized.failoverDirectives ?? []).forEach((directive, i) => {
      if ((directive.from?.region ?? '') === '')
        errors.push(`spec.localized.failoverDirectives[${i}].from.region: required`);
      if ((directive.to ?? []).length > 1) {
        warnings.push(
          `spec.localized.failoverDirectives[${i}].to: Istio fails over from a region to one region; after ${directive.to?.[0]?.region ?? ''} the others rank with every other region`,
        );
      }
    });
  } else {
    errors.push('spec: set static or localized, the backing Destinations');
  }

  const backing: BackingDestination[] = [];
  const seen = new Set<IndexedDestination>();
  for (const { destination, path } of candidates) {
    if (seen.has(destination)) continue;
    seen.add(destination);
    const meshKey = meshKeyOf(destination);
    const mesh = meshKey === undefined ? undefined : index.meshByKey.get(meshKey);
    if (mesh === undefined || destination.service === undefined) {
      errors.push(`${path}: Destination ${destination.key} is not a Kubernetes Service of a discovered Mesh`);
      continue;
    }
    const owner = index.virtualMeshes.byMesh.get(meshKey ?? '');
    const sameMesh = exportTo.length === 1 && exportTo[0] === mesh;
    if (!sameMesh && (owner === undefined || owner !== check)) {
      errors.push(
        `${path}: Destination ${destination.key} is in Mesh ${meshKey ?? ''}, which is not grouped with the exported Meshes in one VirtualMesh`,
      );
      continue;
    }
    const port = portSpec === undefined ? undefined : targetPort(destination, portSpec);
    if (port === undefined) {
      errors.push(
        `${path}: Destination ${destination.key} has no port ${portSpec?.targetName ?? String(portSpec?.targetNumber ?? '')}`,
      );
      continue;
    }
    backing.push({ destination, port });
  }

  // One translator writes a VirtualDestination: every Mesh it involves is of one type, which can fail over.
  const involved = [
    ...new Set([
      ...exportTo,
      ...backing.flatMap((b) => (b.destination.mesh === undefined ? [] : [b.destination.mesh])),
    ]),
  ];
  const types = new Set(involved.map(meshTypeOf));
  const [meshType] = types;
  if (types.size > 1) {
    errors.push(
      `spec: its Meshes are of ${String(types.size)} kinds (${involved.map((m) => `${objectRefKey(m)}: ${typeName(m)}`).join(', ')}); a VirtualDestination fails over within one kind of mesh`,
    );
  } else {
    for (const mesh of involved) {
      const support = index.supportOf(mesh);
      if (support === undefined || support.features.failover.level === 'unsupported') {
        errors.push(
          support === undefined
            ? `spec: Mesh ${objectRefKey(mesh)} is of a type Mesh Hub does not configure`
            : unsupportedMemberFeature('failover', support, objectRefKey(mesh)),
        );
        break;
      }
    }
  }

  // Backing Destinations in other clusters are reached through their Mesh's east-west gateway.
  const clientClusters = new Set(exportTo.map((m) => meshInstallation(m).cluster));
  for (const { destination } of backing) {
    const meshKey = meshKeyOf(destination) ?? '';
    const cluster = destination.service?.cluster ?? '';
    const remoteClients = [...clientClusters].some((c) => c !== cluster);
    const gateways = index.federation.meshes.get(meshKey)?.gateways ?? [];
    if (remoteClients && gateways.every((g) => g.externalAddresses.length === 0)) {
      warnings.push(
        `Destination ${destination.key}: Mesh ${meshKey} has no east-west ingress gateway with an address; only clients in cluster ${cluster} reach it`,
      );
    }
  }
  return {
    virtualDestination,
    key: objectRefKey(virtualDestination),
    hostname,
    port: {
      number: portSpec?.number ?? 0,
      protocol: portSpec?.protocol === undefined || portSpec.protocol === '' ? 'HTTP' : portSpec.protocol.toUpperCase(),
    },
    check,
    exportTo,
    meshType,
    backing,
    failover,
    errors,
    warnings,
  };
}

/** Plans every VirtualDestination, in input order. */
export function planVirtualDestinations(
  virtualDestinations: readonly VirtualDestination[],
  index: VirtualDestinationInput,
): VirtualDestinationPlan[] {
  const planned = new Map<VirtualDestination, VirtualDestinationPlan>();
  const hostOwner = new Map<string, VirtualDestination>();
  for (const virtualDestination of [...virtualDestinations].sort(compareAge)) {
    const plan = planOne(virtualDestination, index);
    const other = hostOwner.get(plan.hostname);
    if (plan.hostname !== '' && other !== undefined) {
      plan.errors.push(
        `spec.hostname: ${plan.hostname} already belongs to VirtualDestination ${objectRefKey(other)}, which is older`,
      );
    } else if (plan.hostname !== '' && plan.errors.length === 0) {
      hostOwner.set(plan.hostname, virtualDestination);
    }
    planned.set(virtualDestination, plan);
  }
  return virtualDestinations.flatMap((v) => {
    const plan = planned.get(v);
    return plan === undefined ? [] : [plan];
  });
}
