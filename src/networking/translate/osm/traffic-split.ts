// trafficShift → SMI TrafficSplit. OSM splits by Service: each backend is a whole Service in the root
// Service's namespace (the TrafficSplit's own), in the same cluster (OSM 1.2 has no multicluster).
// Subsets, ports, VirtualDestinations and other clusters cannot be expressed and are rejected.
import type { TrafficPolicyPolicy } from '../../../api/networking/v1/traffic-policy.ts';
import type { KubeServiceRef, NetworkingIndex } from '../../networking-index.ts';
import { OSM_MESH_NAME } from './osm-support.ts';
import type { TrafficSplitBackend, TrafficSplitSpec } from './osm-types.ts';
import { describeServiceRef, destinationForService } from './service-accounts.ts';
import { rejected, translated, type Translation } from './translation-result.ts';
import { nonServiceTarget } from '../shift-targets.ts';

type TrafficShift = NonNullable<TrafficPolicyPolicy['trafficShift']>;

const NOT_SUPPORTED = `not supported for ${OSM_MESH_NAME} Destinations`;

export function translateTrafficShift(
  shift: TrafficShift,
  root: KubeServiceRef,
  index: NetworkingIndex,
): Translation<TrafficSplitSpec> {
  const errors: string[] = [];
  const backends: TrafficSplitBackend[] = [];
  (shift.destinations ?? []).forEach((weighted, i) => {
    const path = `spec.policy.trafficShift.destinations[${i}]`;
    if (weighted.options?.headerManipulation !== undefined) {
      errors.push(`${path}.options.headerManipulation: ${NOT_SUPPORTED} (OSM has no header manipulation)`);
    }
    const ref = weighted.kubeService;
    if (ref === undefined) {
      const kind = nonServiceTarget(weighted);
      errors.push(`${path}.${kind}: ${NOT_SUPPORTED} (SMI TrafficSplit backends are Kubernetes Services)`);
      return;
    }
    const namespace = ref.namespace === undefined || ref.namespace === '' ? root.namespace : ref.namespace;
    const cluster = ref.clusterName === undefined || ref.clusterName === '' ? root.cluster : ref.clusterName;
    if (cluster !== root.cluster) {
      errors.push(
        `${path}.kubeService.clusterName: a backend in cluster ${cluster} is ${NOT_SUPPORTED} in cluster ${root.cluster} (OSM 1.2 has no multicluster support)`,
      );
      return;
    }
    if (namespace !== root.namespace) {
      errors.push(
        `${path}.kubeService.namespace: a backend in namespace ${namespace} is ${NOT_SUPPORTED} in namespace ${root.namespace} (SMI TrafficSplit backends are Services of the root Service's namespace)`,
      );
      return;
    }
    const target = destinationForService(index, cluster, namespace, ref.name);
    if (target === undefined) {
      errors.push(
        `${path}.kubeService: no Destination for Service ${describeServiceRef({ name: ref.name, namespace, cluster })}`,
      );
      return;
    }
    if (Object.keys(ref.subset ?? {}).length > 0) {
      errors.push(
        `${path}.kubeService.subset: ${NOT_SUPPORTED} (SMI TrafficSplit shifts between whole Services; shift to a Service that selects the subset's pods instead)`,
      );
      return;
    }
    const port = ref.port;
    if (port !== undefined && port !== 0) {
      const ports = (target.destination.spec.kubeService?.ports ?? []).flatMap((p) =>
        p.port === undefined ? [] : [p.port],
      );
      // Naming the backend's only port changes nothing; any other choice SMI cannot express.
      if (ports.length !== 1 || ports[0] !== port) {
        errors.push(
          `${path}.kubeService.port: ${NOT_SUPPORTED} (an SMI TrafficSplit backend is a whole Service, not one of its ports)`,
        );
        return;
      }
    }
    backends.push({ service: ref.name, weight: weighted.weight ?? 0 });
  });
  if (errors.length > 0) return rejected(errors);
  if (backends.length > 0 && backends.every((b) => b.weight === 0)) {
    return rejected(['spec.policy.trafficShift.destinations: every weight is 0, so no backend would receive traffic']);
  }
  // A Service named twice gets one backend with the sum of its weights: SMI lists each Service once.
  const merged = new Map<string, number>();
  for (const backend of backends) merged.set(backend.service, (merged.get(backend.service) ?? 0) + backend.weight);
  return translated({
    service: root.name,
    backends: [...merged.entries()].map(([service, weight]) => ({ service, weight })),
  });
}
