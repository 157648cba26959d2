// Sets or clears the Prometheus URL of a registered cluster (its KubernetesCluster's annotation). A
// merge patch, so nothing else on the registration changes hands or is lost.
import { METRICS_PROMETHEUS_URL_ANNOTATION } from '../api/labels.ts';
import type { KubeClient } from '../kube/client.ts';
import { KUBERNETES_CLUSTER, resourcePath } from '../kube/resources.ts';

/** `url` undefined removes the annotation: the cluster goes back to its mesh's Prometheus Service. */
export async function setClusterPrometheusUrl(
  mgmt: KubeClient,
  namespace: string,
  cluster: string,
  url: string | undefined,
): Promise<void> {
  await mgmt.request(
    'PATCH',
    resourcePath(KUBERNETES_CLUSTER, namespace, cluster),
    { metadata: { annotations: { [METRICS_PROMETHEUS_URL_ANNOTATION]: url ?? null } } },
    'application/merge-patch+json',
  );
}
