// The objects Mesh Hub wrote to each cluster registered in an install namespace, read the way the
// management plane reads them: with each cluster's registration kubeconfig (its Secret), one cluster
// failing on its own. Detail pages show them; the Secret itself never leaves this function.
import { OWNER_LABEL } from '../api/labels.ts';
import type { KubeObject } from '../api/meta.ts';
import { readSignedCertificates } from '../cli/describe-certificates.ts';
import type { ClusterReading } from '../cli/describe-model.ts';
import { clientFromKubeconfigText, KubeApiError, type KubeClient } from '../kube/client.ts';
import { KUBERNETES_CLUSTER, SECRET, WORKLOAD_OUTPUT_TYPES } from '../kube/resources.ts';
import { kubeconfigFromSecret } from '../reconcile/registered-clusters.ts';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function readCluster(
  mgmt: KubeClient,
  installNamespace: string,
  registration: KubeObject,
): Promise<ClusterReading> {
  const cluster = registration.metadata.name;
  const secretName = (registration as { spec?: { secretName?: unknown } }).spec?.secretName;
  const secret = await mgmt.get(SECRET, typeof secretName === 'string' ? secretName : cluster, installNamespace);
  const text = secret === undefined ? undefined : kubeconfigFromSecret(secret, cluster);
  if (text === undefined)
    return { cluster, reachable: false, error: 'its registration Secret holds no kubeconfig', objects: [] };
  const client = clientFromKubeconfigText(cluster, text);
  const errors: string[] = [];
  // The certificates signed there (public certificates from CertificateRequests' statuses), for the
  // VirtualMeshes page; read alongside the outputs, so one cached reading serves every page.
  const signed = readSignedCertificates(client);
  const lists = await Promise.all(
    WORKLOAD_OUTPUT_TYPES.map(async (type) => {
      try {
        return (await client.list(type, { labelSelector: `${OWNER_LABEL}=${installNamespace}` })).items;
      } catch (error) {
        // A kind whose CRD is not installed there holds nothing of ours.
        if (error instanceof KubeApiError && error.status === 404) return [];
        errors.push(`${type.kind}: ${messageOf(error)}`);
        return [];
      }
    }),
  );
  const unreachable = errors.length === WORKLOAD_OUTPUT_TYPES.length;
  return {
    cluster,
    reachable: !unreachable,
    ...(errors.length === 0 ? {} : { error: unreachable ? (errors[0] ?? 'unreachable') : errors.join('; ') }),
    objects: lists.flat(),
    signedCertificates: await signed,
  };
}

/** One reading per registered cluster; a cluster that cannot be read says why, the others are unaffected. */
export async function readRegisteredOutputs(mgmt: KubeClient, installNamespace: string): Promise<ClusterReading[]> {
  const registrations = (await mgmt.list(KUBERNETES_CLUSTER, { namespace: installNamespace })).items;
  const readings = await Promise.all(
    registrations.map((registration) =>
      readCluster(mgmt, installNamespace, registration).catch((error: unknown): ClusterReading => ({
        cluster: registration.metadata.name,
        reachable: false,
        error: messageOf(error),
        objects: [],
      })),
    ),
  );
  return readings.sort((a, b) => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0));
}
