// A VirtualDestination for Istio: one global host backed by Destinations in several clusters, with
// failover between them. In each Mesh it is exported to (installation namespace):
//   ServiceEntry <hostname>      the host on the VirtualDestination's port: pods of backing Destinations in
//                                that cluster, east-west gateway addresses of those in other clusters,
//                                each with its locality (and, for a static order, priority labels)
//   DestinationRule <hostname>   ISTIO_MUTUAL, outlier detection (required for failover), locality load
//                                balancing: `failover` from the localized directives, or `failoverPriority`
//                                on the priority labels for a static order
// In the Mesh of each backing Destination that clients in other clusters reach:
//   ServiceEntry <name>.<namespace>.virtualdestination.<suffix>  the backing pods only, exported to the
//                                gateway: clients send this name as their SNI (DestinationRule tls.sni), so
//                                the gateway can only hand the connection to local pods, never back to
//                                another cluster's gateway.
import { canonicalJson } from '../../canonical-json.ts';
import { compareStrings } from '../../keys.ts';
import type { Mesh } from '../../model.ts';
import { DEFAULT_HOSTNAME_SUFFIX, hostnameSuffix, resolutionFor } from '../../plan/federation.ts';
import type { BackingDestination, VirtualDestinationPlan } from '../../plan/virtual-destinations.ts';
import { parentsAnnotation, translatedMetadata } from '../output-meta.ts';
import type { ClusterObject } from '../translator.ts';
import { istioApiVersions } from './api-versions.ts';
import { serviceEntryVip } from './federation.ts';
import type {
  DestinationRuleSpec,
  LocalityLbSetting,
  OutlierDetection,
  ServiceEntrySpec,
  ServicePort,
  WorkloadEntry,
} from './istio-types.ts';
import type { NetworkingPlan } from '../../plan/plan-model.ts';

/** Endpoint labels that order backing Destinations for `failoverPriority` (see staticPriority). */
const PRIORITY_LABEL_PREFIX = 'failover.meshhub.dev/before-';
/** The API's documented defaults when a VirtualDestination sets no outlier detection. */
const DEFAULT_OUTLIER_DETECTION: OutlierDetection = {
  consecutiveGatewayErrors: 10,
  consecutive5xxErrors: 10,
  interval: '5s',
  baseEjectionTime: '120s',
  maxEjectionPercent: 100,
};
/** TrafficPolicy outlier defaults, for fields a VirtualDestination's outlierDetection leaves out. */
const POLICY_OUTLIER_DEFAULTS = {
  consecutiveErrors: 5,
  interval: '10s',
  baseEjectionTime: '30s',
  maxEjectionPercent: 100,
};

/** The host name gateways route to a VirtualDestination's local backing pods by. */
export function gatewayHostname(plan: VirtualDestinationPlan): string {
  const suffix = plan.check === undefined ? DEFAULT_HOSTNAME_SUFFIX : hostnameSuffix(plan.check);
  const { name, namespace } = plan.virtualDestination.metadata;
  return `${name}.${namespace ?? ''}.virtualdestination.${suffix}`;
}

function clusterOf(mesh: Mesh): string {
  return mesh.spec.istio?.installation?.cluster ?? '';
}

function locality(region: string | undefined, zone: string | undefined): string | undefined {
  if (region === undefined || region === '') return undefined;
  return zone === undefined || zone === '' ? region : `${region}/${zone}`;
}

/**
 * A static order as Istio priorities: with n backing Destinations, the i-th one's endpoints carry
 * the labels before-(i+1) … before-(n-1), and `failoverPriority` lists before-(n-1) … before-1 as
 * `label=true`. Istio ranks endpoints by how long a prefix of that list they match, so the first
 * Destination (all labels) ranks 0, the second 1, …, the last (no label) n-1, for every client.
 */
function priorityLabels(position: number, count: number): Record<string, string> {
  const labels: Record<string, string> = {};
  for (let k = position + 1; k < count; k++) labels[`${PRIORITY_LABEL_PREFIX}${String(k)}`] = 'true';
  return labels;
}

function staticPriority(count: number): string[] {
  const list: string[] = [];
  for (let k = count - 1; k >= 1; k--) list.push(`${PRIORITY_LABEL_PREFIX}${String(k)}=true`);
  return list;
}

function outlierDetection(plan: VirtualDestinationPlan): OutlierDetection {
  const od = plan.virtualDestination.spec.localized?.outlierDetection;
  if (od === undefined) return { ...DEFAULT_OUTLIER_DETECTION };
  return {
    consecutive5xxErrors: od.consecutiveErrors || POLICY_OUTLIER_DEFAULTS.consecutiveErrors,
    interval: od.interval ?? POLICY_OUTLIER_DEFAULTS.interval,
    baseEjectionTime: od.baseEjectionTime ?? POLICY_OUTLIER_DEFAULTS.baseEjectionTime,
    maxEjectionPercent: od.maxEjectionPercent || POLICY_OUTLIER_DEFAULTS.maxEjectionPercent,
  };
}

function localityLbSetting(plan: VirtualDestinationPlan): LocalityLbSetting {
  if (plan.failover.kind === 'localized') {
    const byFrom = new Map<string, string>();
    // Istio takes the first rule for a region and one target region per rule.
    for (const directive of plan.failover.directives) {
      const to = directive.to[0];
      if (to !== undefined && !byFrom.has(directive.from)) byFrom.set(directive.from, to);
    }
    const failover = [...byFrom.entries()].map(([from, to]) => ({ from, to }));
    return { enabled: true, ...(failover.length > 0 ? { failover } : {}) };
  }
  return plan.backing.length > 1
    ? { enabled: true, failoverPriority: staticPriority(plan.backing.length) }
    : { enabled: true };
}

/** The backing pods, with the container port behind the backing Service's port. */
function podEntries(backing: BackingDestination, portName: string, labels: Record<string, string>): WorkloadEntry[] {
  const kube = backing.destination.destination.spec.kubeService;
  const entries: WorkloadEntry[] = [];
  for (const subset of kube?.endpointSubsets ?? []) {
    const named = (subset.ports ?? []).find((p) => (p.name ?? '') === (backing.port.name ?? ''));
    const containerPort = named?.port ?? backing.port.targetPortNumber ?? backing.port.port ?? 0;
    for (const endpoint of subset.endpoints ?? []) {
      if (endpoint.ipAddress === undefined) continue;
      const where = locality(kube?.region, endpoint.subLocality?.zone);
      const allLabels = { ...(endpoint.labels ?? {}), ...labels };
      entries.push({
        address: endpoint.ipAddress,
        ports: { [portName]: containerPort },
        ...(Object.keys(allLabels).length > 0 ? { labels: allLabels } : {}),
        ...(where === undefined ? {} : { locality: where }),
      });
    }
  }
  return entries;
}

function sortEntries(entries: WorkloadEntry[]): WorkloadEntry[] {
  return entries
    .map((entry) => ({ entry, key: canonicalJson(entry) }))
    .sort((a, b) => compareStrings(a.key, b.key))
    .map(({ entry }) => entry);
}

export function writeVirtualDestination(plan: VirtualDestinationPlan, index: NetworkingPlan): ClusterObject[] {
  if (plan.errors.length > 0 || plan.backing.length === 0) return [];
  const vd = plan.virtualDestination;
  const port: ServicePort = {
    number: plan.port.number,
    protocol: plan.port.protocol,
    name: `${plan.port.protocol.toLowerCase()}-${String(plan.port.number)}`,
  };
  const gatewayHost = gatewayHostname(plan);
  const parents = parentsAnnotation({
    virtualDestinations: [vd],
    destinations: plan.backing.map((b) => b.destination.destination),
  });
  const objects: ClusterObject[] = [];
  const needsGatewayHost = new Set<BackingDestination>();
  const vip = serviceEntryVip(vd.metadata.name, vd.metadata.namespace ?? '', '', 'virtual-destination');
  for (const client of plan.exportTo) {
    const cluster = clusterOf(client);
    const namespace = client.spec.istio?.installation?.namespace ?? 'istio-system';
    const versions = istioApiVersions(client);
    let remote = false;
    const entries: WorkloadEntry[] = [];
    for (const [i, backing] of plan.backing.entries()) {
      const labels = plan.failover.kind === 'static' ? priorityLabels(i, plan.backing.length) : {};
      if (backing.destination.service?.cluster === cluster) {
        entries.push(...podEntries(backing, port.name, labels));
        continue;
      }
      const meshRef = backing.destination.destination.spec.mesh;
      const gateways =
        index.federation.meshes.get(`${meshRef?.namespace ?? ''}/${meshRef?.name ?? ''}`)?.gateways ?? [];
      const where = locality(backing.destination.destination.spec.kubeService?.region, undefined);
      for (const gateway of gateways) {
        for (const address of gateway.externalAddresses) {
          entries.push({
            address,
            ports: { [port.name]: gateway.destinationPort },
            ...(Object.keys(labels).length > 0 ? { labels } : {}),
            ...(where === undefined ? {} : { locality: where }),
          });
          remote = true;
          needsGatewayHost.add(backing);
        }
      }
    }
    const resolved = resolutionFor(entries.map((e) => e.address));
    if ('error' in resolved) continue;
    const meta = translatedMetadata(plan.hostname, namespace, index.installNamespace, parents);
    const endpoints = sortEntries(entries);
    objects.push({
      cluster,
      object: {
        apiVersion: versions.networking,
        kind: 'ServiceEntry',
        metadata: meta,
        spec: {
          hosts: [plan.hostname],
          addresses: [vip],
          ports: [port],
          location: 'MESH_INTERNAL',
          resolution: resolved.resolution,
          ...(endpoints.length > 0 ? { endpoints } : {}),
        } satisfies ServiceEntrySpec,
      },
    });
    objects.push({
      cluster,
      object: {
        apiVersion: versions.networking,
        kind: 'DestinationRule',
        metadata: meta,
        spec: {
          host: plan.hostname,
          trafficPolicy: {
            // Through a gateway, the SNI names the gateway host: the remote gateway hands the
            // connection to its own pods only. Local pods ignore the SNI of Istio's mTLS.
            tls: {
              mode: 'ISTIO_MUTUAL',
              ...(remote ? { sni: `outbound_.${String(port.number)}_._.${gatewayHost}` } : {}),
            },
            outlierDetection: outlierDetection(plan),
            loadBalancer: { localityLbSetting: localityLbSetting(plan) },
          },
        } satisfies DestinationRuleSpec,
      },
    });
  }
  // One gateway host per Mesh that backs it, with the pods of its backing Destinations there.
  const byMesh = new Map<string, BackingDestination[]>();
  for (const backing of plan.backing) {
    if (!needsGatewayHost.has(backing)) continue;
    const meshRef = backing.destination.destination.spec.mesh;
    const key = `${meshRef?.namespace ?? ''}/${meshRef?.name ?? ''}`;
    byMesh.set(key, [...(byMesh.get(key) ?? []), backing]);
  }
  for (const [meshKey, backings] of byMesh) {
    const mesh = index.meshByKey.get(meshKey);
    if (mesh === undefined) continue;
    const namespace = mesh.spec.istio?.installation?.namespace ?? 'istio-system';
    const gateways = index.federation.meshes.get(meshKey)?.gateways ?? [];
    const exportTo = [
      '.',
      ...new Set(
        gateways
          .map((g) => g.destination.service?.namespace ?? namespace)
          .filter((ns) => ns !== namespace)
          .sort(compareStrings),
      ),
    ];
    const endpoints = sortEntries(backings.flatMap((backing) => podEntries(backing, port.name, {})));
    objects.push({
      cluster: clusterOf(mesh),
      object: {
        apiVersion: istioApiVersions(mesh).networking,
        kind: 'ServiceEntry',
        metadata: translatedMetadata(
          gatewayHost,
          namespace,
          index.installNamespace,
          parentsAnnotation({
            virtualDestinations: [vd],
            destinations: backings.map((b) => b.destination.destination),
          }),
        ),
        spec: {
          hosts: [gatewayHost],
          ports: [port],
          location: 'MESH_INTERNAL',
          resolution: 'STATIC',
          ...(endpoints.length > 0 ? { endpoints } : {}),
          exportTo,
        } satisfies ServiceEntrySpec,
      },
    });
  }
  return objects;
}
