// The demo estate for the metrics tests: bookinfo's discovered Meshes, Destinations and Workloads
// (rendered offline from examples/bookinfo, status included: federated host names) written to an
// install namespace of the management cluster, with a KubernetesCluster and a registration Secret per
// workload cluster. What the management plane would write, without running it.
import { join } from 'node:path';
import type { KubeObject } from '../../src/api/meta.ts';
import { METRICS_PROMETHEUS_URL_ANNOTATION } from '../../src/api/labels.ts';
import { EXAMPLES_DIR } from '../../src/demo/estate.ts';
import type { KubeClient } from '../../src/kube/client.ts';
import { certificateAuthority, kubeconfigSecret, registrationKubeconfig } from '../../src/kube/registration.ts';
import { render } from '../../src/pipeline/render.ts';
import { loadInputTree } from '../../src/snapshot/load.ts';

/** Bookinfo's discovered objects, moved into `namespace`. */
export function bookinfoDiscovered(namespace: string): KubeObject[] {
  const snapshot = loadInputTree(join(EXAMPLES_DIR, 'bookinfo'), { installNamespace: 'gloo-mesh' });
  return render(snapshot)
    .mgmt.filter((object) => ['Mesh', 'Destination', 'Workload'].includes(object.kind))
    .map((object) => ({ ...object, metadata: { ...object.metadata, namespace } }));
}

/** Writes the discovered objects (spec, then status) to the management cluster. */
export async function writeDiscovered(mgmt: KubeClient, objects: readonly KubeObject[]): Promise<void> {
  for (const object of objects) {
    const { status, ...rest } = object as KubeObject & { status?: unknown };
    await mgmt.apply(rest);
    if (status !== undefined) {
      await mgmt.apply(
        { apiVersion: object.apiVersion, kind: object.kind, metadata: object.metadata, status },
        { subresource: 'status' },
      );
    }
  }
}

/**
 * Registers `remote` in `namespace` as `cluster`: its KubernetesCluster (with the Prometheus URL
 * annotation when given) and a kubeconfig Secret with the remote client's server, CA and `token`.
 */
export async function registerForMetrics(
  mgmt: KubeClient,
  namespace: string,
  cluster: string,
  remote: KubeClient,
  token: string,
  prometheusUrl: string | undefined,
): Promise<void> {
  await mgmt.apply(
    kubeconfigSecret(
      cluster,
      namespace,
      registrationKubeconfig(cluster, remote.server, certificateAuthority(remote), token),
    ),
  );
  await mgmt.apply({
    apiVersion: 'multicluster.solo.io/v1alpha1',
    kind: 'KubernetesCluster',
    metadata: {
      name: cluster,
      namespace,
      ...(prometheusUrl === undefined ? {} : { annotations: { [METRICS_PROMETHEUS_URL_ANNOTATION]: prometheusUrl } }),
    },
    spec: { secretName: cluster, clusterDomain: 'cluster.local' },
  });
}
