// Workload detection: Deployments (through their ReplicaSets), StatefulSets and DaemonSets whose pods
// carry a mesh data plane — a sidecar (also as a native sidecar init container), or Istio ambient mode.
import type { Controller, Namespace, Pod, PodSpec } from '../api/k8s/workloads.ts';
import type { Warning } from '../snapshot/input.ts';
import { lookup, type ByNamespace, type ClusterIndex } from './cluster-index.ts';
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

const NO_PODS: readonly Pod[] = [];

const IGNORED_POD_LABELS = new Set(['pod-template-hash', 'controller-revision-hash', 'pod-template-generation']);

function hasContainer(spec: PodSpec, name: string): boolean {
  for (const container of spec.containers) if (container.name === name) return true;
  // Native sidecars: init containers that keep running (restartPolicy Always).
  for (const container of spec.initContainers ?? NO_CONTAINERS) {
    if (container.name === name && container.restartPolicy === 'Always') return true;
  }
  return false;
}

const NO_CONTAINERS: PodSpec['containers'] = [];

/** The data plane a pod spec carries, if any. */
export function sidecarOf(spec: PodSpec): MeshType | undefined {
  if (hasContainer(spec, 'istio-proxy')) return 'istio';
  if (hasContainer(spec, 'linkerd-proxy')) return 'linkerd';
  if (hasContainer(spec, 'envoy') && (spec.initContainers ?? NO_CONTAINERS).some((c) => c.name === 'osm-init')) {
    return 'osm';
  }
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
  for (const owner of metadata.ownerReferences ?? NO_OWNERS) {
    if (owner.kind === kind && owner.controller === true) return owner.name;
  }
  return undefined;
}

const NO_OWNERS: NonNullable<Pod['metadata']['ownerReferences']> = [];

type ControllerKind = DetectedWorkload['kind'];

/** The suffix of a Workload's name per controller kind (its kind in lowercase). */
const NAME_SUFFIX: Readonly<Record<ControllerKind, string>> = {
  Deployment: 'deployment',
  StatefulSet: 'statefulset',
  DaemonSet: 'daemonset',
};

/** Pod labels without those that differ between pods of one controller for reasons of its own. */
function workloadPodLabels(templateLabels: Readonly<Record<string, string>>): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(templateLabels)) {
    if (IGNORED_POD_LABELS.has(k)) continue;
    // A `__proto__` label is data like any other (an assignment would set the prototype instead).
    if (k === '__proto__')
      Object.defineProperty(labels, k, { value: v, enumerable: true, writable: true, configurable: true });
    else labels[k] = v;
  }
  return labels;
}

/** Pods of one kind of controller, by the controller's namespace and name. */
function addPod(byController: Map<string, Map<string, Pod[]>>, namespace: string, name: string, pod: Pod): void {
  let byName = byController.get(namespace);
  if (byName === undefined) {
    byName = new Map();
    byController.set(namespace, byName);
  }
  const list = byName.get(name);
  if (list === undefined) byName.set(name, [pod]);
  else list.push(pod);
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
  // Pods grouped by their top-level controller: per kind, by namespace and name.
  const podsByController: Record<ControllerKind, Map<string, Map<string, Pod[]>>> = {
    Deployment: new Map(),
    StatefulSet: new Map(),
    DaemonSet: new Map(),
  };
  for (const pod of index.pods) {
    const namespace = pod.metadata.namespace;
    let kind: ControllerKind | undefined;
    let controller: string | undefined;
    const replicaSet = ownerOf(pod.metadata, 'ReplicaSet');
    if (replicaSet !== undefined) {
      const rs = lookup(index.replicaSets, namespace, replicaSet);
      const deployment = rs === undefined ? undefined : ownerOf(rs.metadata, 'Deployment');
      if (deployment !== undefined) {
        kind = 'Deployment';
        controller = deployment;
      }
    }
    const statefulSet = ownerOf(pod.metadata, 'StatefulSet');
    if (statefulSet !== undefined) {
      kind = 'StatefulSet';
      controller = statefulSet;
    }
    const daemonSet = ownerOf(pod.metadata, 'DaemonSet');
    if (daemonSet !== undefined) {
      kind = 'DaemonSet';
      controller = daemonSet;
    }
    if (kind === undefined || controller === undefined) continue;
    addPod(podsByController[kind], namespace ?? '', controller, pod);
  }

  const workloads: DetectedWorkload[] = [];
  const detect = (kind: ControllerKind, controller: Controller, pods: ByNamespace<Pod[]>) => {
    const namespaceName = controller.metadata.namespace ?? 'default';
    const namespace = index.namespaces.get(namespaceName);
    const controllerPods = lookup(pods, namespaceName, controller.metadata.name) ?? NO_PODS;
    const templateLabels = controller.spec.template.metadata?.labels ?? {};
    let type: MeshType | undefined;
    let mode: DataplaneMode = 'sidecar';
    if (controllerPods.length > 0) {
      for (const pod of controllerPods) {
        type = sidecarOf(pod.spec);
        if (type !== undefined) break;
      }
      if (type === undefined && controllerPods.some((pod) => isAmbient(namespace, pod.metadata.labels ?? {}))) {
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
    if (type === undefined) return;
    const mesh = chooseMesh(type, templateLabels, namespace, meshes);
    if (mesh === undefined) {
      warnings.push({
        cluster: index.cluster,
        object: `${kind} ${namespaceName}/${controller.metadata.name}`,
        message: `its pods run the ${type} data plane, but no ${type} control plane was discovered in cluster ${index.cluster}`,
      });
      return;
    }
    const podNames = new Set<string>();
    for (const pod of controllerPods) podNames.add(pod.metadata.name);
    workloads.push({
      name: discoveredName(controller.metadata.name, namespaceName, index.cluster, NAME_SUFFIX[kind]),
      kind,
      controllerName: controller.metadata.name,
      namespace: namespaceName,
      cluster: index.cluster,
      podLabels: workloadPodLabels(templateLabels),
      serviceAccountName: controller.spec.template.spec.serviceAccountName ?? 'default',
      mesh,
      mode,
      podNames,
    });
  };
  for (const controller of index.deployments) detect('Deployment', controller, podsByController.Deployment);
  for (const controller of index.statefulSets) detect('StatefulSet', controller, podsByController.StatefulSet);
  for (const controller of index.daemonSets) detect('DaemonSet', controller, podsByController.DaemonSet);
  return workloads.sort((a, b) => (a.name < b.name ? -1 : 1));
}
