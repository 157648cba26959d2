// Loads an example estate (a folder in the render input layout) into real clusters, the way it would
// be on a live cluster: only the objects people and installers write (Namespaces, Nodes, ConfigMaps,
// ServiceAccounts, Deployments, StatefulSets, DaemonSets, Services). ReplicaSets, Pods and
// EndpointSlices are left to the cluster's own controllers.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../api/meta.ts';
import type { KubeClient } from '../kube/client.ts';
import { NAMESPACE } from '../kube/resources.ts';
import { parseKubeYaml } from '../snapshot/yaml.ts';

export const EXAMPLES_DIR = join(import.meta.dirname, '..', '..', 'examples');

const LOADED_KINDS = [
  'Namespace',
  'Node',
  'ServiceAccount',
  'ConfigMap',
  'Service',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
];

/** The YAML files under a folder, recursively, sorted (none when it does not exist). */
export function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return yamlFiles(path);
      return /\.ya?ml$/.test(entry.name) ? [path] : [];
    })
    .sort();
}

/** The objects of one cluster of an estate folder that `loadEstateCluster` applies, in apply order. */
export function estateObjects(estateDir: string, cluster: string): KubeObject[] {
  const all = yamlFiles(join(estateDir, 'clusters', cluster))
    .flatMap((file) => parseKubeYaml(readFileSync(file, 'utf8'), file))
    .map((doc) => doc.object);
  const pods = all.filter((object) => object.kind === 'Pod') as PodLike[];
  return all
    .filter((object) => LOADED_KINDS.includes(object.kind))
    .map((object) => withInjectedSidecar(object, pods))
    .map((object) => {
      // Live objects get their status, uid and the like from the cluster, not from the fixture.
      const { status, metadata, ...rest } = object as KubeObject & {
        status?: { loadBalancer?: { ingress?: unknown[] } };
      };
      const { name, namespace, labels, annotations } = metadata;
      // Except a LoadBalancer's address: loadEstateCluster writes it as a cloud controller would.
      const loadBalancer = status?.loadBalancer;
      return {
        ...rest,
        ...(object.kind === 'Service' && (loadBalancer?.ingress ?? []).length > 0 ? { status: { loadBalancer } } : {}),
        metadata: {
          name,
          ...(namespace === undefined ? {} : { namespace }),
          ...(labels === undefined ? {} : { labels }),
          ...(annotations === undefined ? {} : { annotations }),
        },
      };
    })
    .sort((a, b) => LOADED_KINDS.indexOf(a.kind) - LOADED_KINDS.indexOf(b.kind));
}

interface PodLike extends KubeObject {
  spec?: { containers?: unknown[]; initContainers?: unknown[] };
}

interface WorkloadLike extends KubeObject {
  spec?: { selector?: { matchLabels?: Record<string, string> }; template?: { spec?: Record<string, unknown> } };
}

/**
 * The cluster has no sidecar injector (no admission webhooks run in the test environment), so a
 * controller whose fixture pods carry a sidecar gets those pods' containers in its template — what
 * `istioctl kube-inject` does — and the pods the cluster creates from it are meshed like the fixture's.
 */
function withInjectedSidecar(object: KubeObject, pods: readonly PodLike[]): KubeObject {
  if (!['Deployment', 'StatefulSet', 'DaemonSet'].includes(object.kind)) return object;
  const workload = object as WorkloadLike;
  const selector = workload.spec?.selector?.matchLabels ?? {};
  const pod = pods.find(
    (candidate) =>
      candidate.metadata.namespace === object.metadata.namespace &&
      Object.keys(selector).length > 0 &&
      Object.entries(selector).every(([key, value]) => candidate.metadata.labels?.[key] === value),
  );
  if (pod?.spec?.containers === undefined || workload.spec?.template?.spec === undefined) return object;
  return {
    ...workload,
    spec: {
      ...workload.spec,
      template: {
        ...workload.spec.template,
        spec: {
          ...workload.spec.template.spec,
          containers: pod.spec.containers,
          ...(pod.spec.initContainers === undefined ? {} : { initContainers: pod.spec.initContainers }),
        },
      },
    },
  };
}

export async function loadEstateCluster(client: KubeClient, estateDir: string, cluster: string): Promise<number> {
  const objects = estateObjects(estateDir, cluster);
  for (const object of objects) {
    if (object.kind !== 'Namespace' && object.metadata.namespace !== undefined) {
      // A namespace must exist (and have its default ServiceAccount) before pods can be created in it.
      if ((await client.get(NAMESPACE, object.metadata.namespace)) === undefined) {
        await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: object.metadata.namespace } });
      }
    }
    await client.apply(object);
    // A LoadBalancer's address is written by a cloud controller, which local clusters do not run:
    // write the estate's recorded address, so east-west gateways are usable for federation.
    const loadBalancer = (object as { status?: { loadBalancer?: { ingress?: unknown[] } } }).status?.loadBalancer;
    if (object.kind === 'Service' && (loadBalancer?.ingress ?? []).length > 0) {
      await client.apply(
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: object.metadata.name, namespace: object.metadata.namespace },
          status: { loadBalancer },
        },
        { subresource: 'status' },
      );
    }
  }
  return objects.length;
}
