// Workload detection: Deployments (through their ReplicaSets), StatefulSets and DaemonSets whose pods
// carry a mesh data plane — a sidecar (also as a native sidecar init container), or Istio ambient mode.
import type { Controller, Namespace, Pod, PodSpec } from '../api/k8s/workloads.ts';
import type { Warning } from '../snapshot/input.ts';
import { key, type ClusterIndex } from './cluster-index.ts';
import type { DetectedMesh, MeshType } from './meshes.ts';
import { discoveredName } from './names.ts';

export type DataplaneMode = 'sidecar' | 'ambient';

export interface DetectedWorkload {
  readonly name: string;
  readonly kind: 'Deployment' | 'StatefulSet' | 'DaemonSet';
  readonly controllerName: string;
  readonly namespace: string;
  readonly cluster: string;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly serviceAccountName: string;
  readonly mesh: DetectedMesh;
  readonly mode: DataplaneMode;
  /** Names of the controller's current pods (to label endpoints). */
  readonly podNames: ReadonlySet<string>;
}

const IGNORED_POD_LABELS = new Set(['pod-template-hash', 'controller-revision-hash', 'pod-template-generation']);

function hasContainer(spec: PodSpec, name: string): boolean {
  if (spec.containers.some((c) => c.name === name)) return true;
  // Native sidecars: init containers that keep running (restartPolicy Always).
  return (spec.initContainers ?? []).some((c) => c.name === name && c.restartPolicy === 'Always');
}

/** The data plane a pod spec carries, if any. */
export function sidecarOf(spec: PodSpec): MeshType | undefined {
  if (hasContainer(spec, 'istio-proxy')) return 'istio';
  if (hasContainer(spec, 'linkerd-proxy')) return 'linkerd';
  if (hasContainer(spec, 'envoy') && (spec.initContainers ?? []).some((c) => c.name === 'osm-init')) return 'osm';
  return undefined;
}

function isAmbient(namespace: Namespace | undefined, podLabels: Readonly<Record<string, string>>): boolean {
  const podMode = podLabels['istio.io/dataplane-mode'];
  if (podMode !== undefined) return podMode === 'ambient';
  return namespace?.metadata.labels?.['istio.io/dataplane-mode'] === 'ambient';
}

/** For a controller with no pods: what its pods would get, from injection labels and annotations. */
function injectedOnCreate(
  template: Controller['spec']['template'],
  namespace: Namespace | undefined,
): MeshType | undefined {
  const fromTemplate = sidecarOf(template.spec);
  if (fromTemplate !== undefined) return fromTemplate;
  const nsLabels = namespace?.metadata.labels ?? {};
  const nsAnnotations = namespace?.metadata.annotations ?? {};
  const labels = template.metadata?.labels ?? {};
  const annotations = template.metadata?.annotations ?? {};
  const istioOptOut =
    labels['sidecar.istio.io/inject'] === 'false' || annotations['sidecar.istio.io/inject'] === 'false';
  if (
    !istioOptOut &&
    (nsLabels['istio-injection'] === 'enabled' ||
      nsLabels['istio.io/rev'] !== undefined ||
      labels['sidecar.istio.io/inject'] === 'true')
  ) {
    return 'istio';
  }
  const linkerd = annotations['linkerd.io/inject'] ?? nsAnnotations['linkerd.io/inject'];
  if (linkerd === 'enabled') return 'linkerd';
  if (
    nsLabels['openservicemesh.io/monitored-by'] !== undefined &&
    annotations['openservicemesh.io/sidecar-injection'] !== 'disabled'
  )
    return 'osm';
  return undefined;
}

function ownerOf(metadata: Pod['metadata'], kind: string): string | undefined {
  return metadata.ownerReferences?.find((o) => o.kind === kind && o.controller === true)?.name;
}

function chooseMesh(
  type: MeshType,
  podLabels: Readonly<Record<string, string>>,
  namespace: Namespace | undefined,
  meshes: readonly DetectedMesh[],
): DetectedMesh | undefined {
  const candidates = meshes.filter((m) => m.type === type);
  if (type !== 'istio' || candidates.length <= 1) return candidates[0];
  const revision = podLabels['istio.io/rev'] ?? namespace?.metadata.labels?.['istio.io/rev'] ?? 'default';
  return candidates.find((m) => m.revision === revision) ?? candidates.find((m) => m.revision === 'default');
}

export function detectWorkloads(
  index: ClusterIndex,
  meshes: readonly DetectedMesh[],
  warnings: Warning[],
): DetectedWorkload[] {
  // Pods grouped by their top-level controller: kind/namespace/name.
  const podsByController = new Map<string, Pod[]>();
  for (const pod of index.pods) {
    const namespace = pod.metadata.namespace;
    let controller: string | undefined;
    const replicaSet = ownerOf(pod.metadata, 'ReplicaSet');
    if (replicaSet !== undefined) {
      const rs = index.replicaSets.get(key(namespace, replicaSet));
      const deployment = rs === undefined ? undefined : ownerOf(rs.metadata, 'Deployment');
      if (deployment !== undefined) controller = `Deployment/${key(namespace, deployment)}`;
    }
    const statefulSet = ownerOf(pod.metadata, 'StatefulSet');
    if (statefulSet !== undefined) controller = `StatefulSet/${key(namespace, statefulSet)}`;
    const daemonSet = ownerOf(pod.metadata, 'DaemonSet');
    if (daemonSet !== undefined) controller = `DaemonSet/${key(namespace, daemonSet)}`;
    if (controller === undefined) continue;
    const list = podsByController.get(controller);
    if (list === undefined) podsByController.set(controller, [pod]);
    else list.push(pod);
  }

  const workloads: DetectedWorkload[] = [];
  const controllers = [
    ...index.deployments.map((c) => ['Deployment', c] as const),
    ...index.statefulSets.map((c) => ['StatefulSet', c] as const),
    ...index.daemonSets.map((c) => ['DaemonSet', c] as const),
  ];
  for (const [kind, controller] of controllers) {
    const namespaceName = controller.metadata.namespace ?? 'default';
    const namespace = index.namespaces.get(namespaceName);
    const pods = podsByController.get(`${kind}/${key(namespaceName, controller.metadata.name)}`) ?? [];
    const templateLabels = controller.spec.template.metadata?.labels ?? {};
    let type: MeshType | undefined;
    let mode: DataplaneMode = 'sidecar';
    if (pods.length > 0) {
      type = pods.map((pod) => sidecarOf(pod.spec)).find((t) => t !== undefined);
      if (type === undefined && pods.some((pod) => isAmbient(namespace, pod.metadata.labels ?? {}))) {
        type = 'istio';
        mode = 'ambient';
      }
    } else {
      type = injectedOnCreate(controller.spec.template, namespace);
      if (type === undefined && isAmbient(namespace, templateLabels)) {
        type = 'istio';
        mode = 'ambient';
      }
    }
    if (type === undefined) continue;
    const mesh = chooseMesh(type, templateLabels, namespace, meshes);
    if (mesh === undefined) {
      warnings.push({
        cluster: index.cluster,
        object: `${kind} ${namespaceName}/${controller.metadata.name}`,
        message: `its pods run the ${type} data plane, but no ${type} control plane was discovered in cluster ${index.cluster}`,
      });
      continue;
    }
    const podLabels = Object.fromEntries(Object.entries(templateLabels).filter(([k]) => !IGNORED_POD_LABELS.has(k)));
    workloads.push({
      name: discoveredName(controller.metadata.name, namespaceName, index.cluster, kind.toLowerCase()),
      kind,
      controllerName: controller.metadata.name,
      namespace: namespaceName,
      cluster: index.cluster,
      podLabels,
      serviceAccountName: controller.spec.template.spec.serviceAccountName ?? 'default',
      mesh,
      mode,
      podNames: new Set(pods.map((pod) => pod.metadata.name)),
    });
  }
  return workloads.sort((a, b) => (a.name < b.name ? -1 : 1));
}
