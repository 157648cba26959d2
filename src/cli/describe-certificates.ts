// Reading what a registered cluster's CertificateRequests say of the certificates signed for it, for
// `meshctl describe virtualmesh` and the dashboard's VirtualMeshes page. Public certificates only
// (the issuer's answer in each request's status); the agent's Secrets are never read. Kept apart
// from describe-clusters.ts so the dashboard can use it without the CLI's commands.
import { signedCertificateOf, type SignedCertificates } from '../certs/signed-certificates.ts';
import { KubeApiError, type KubeClient } from '../kube/client.ts';
import { CERTIFICATE_REQUEST } from '../kube/resources.ts';
import { explainClusterFailure, whereOf } from './cluster-failure.ts';

/** The validity of the certificates signed in a cluster; a cluster without the CRD has signed none. */
export async function readSignedCertificates(client: KubeClient): Promise<SignedCertificates> {
  try {
    return { read: true, items: (await client.list(CERTIFICATE_REQUEST)).items.map(signedCertificateOf) };
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return { read: true, items: [] };
    const reason =
      explainClusterFailure(error, whereOf(client)) ?? (error instanceof Error ? error.message : String(error));
    return { read: false, error: `CertificateRequest: ${reason}` };
  }
}
