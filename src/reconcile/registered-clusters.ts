// Which clusters are registered, and how to reach them: each KubernetesCluster in the install
// namespace names a kubeconfig Secret (type solo.io/kubeconfig). Pure; errors name the cluster and
// the Secret but never quote its content.
import { createHash } from 'node:crypto';
import type { KubeObject } from '../api/meta.ts';

export const KUBECONFIG_SECRET_TYPE = 'solo.io/kubeconfig';

export type Registration =
  | {
      readonly outcome: 'ok';
      readonly cluster: string;
      readonly secretName: string;
      readonly kubeconfig: string;
      /** Changes when the Secret's kubeconfig changes: the cluster's watches restart with it. */
      readonly fingerprint: string;
    }
  | { readonly outcome: 'error'; readonly cluster: string; readonly message: string };

/** The kubeconfig inside a registration Secret: key `kubeconfig`, else the cluster's name, else its only key. */
export function kubeconfigFromSecret(secret: KubeObject, cluster: string): string | undefined {
  const data = (secret as { data?: Record<string, string> }).data ?? {};
  const keys = Object.keys(data);
  const key = 'kubeconfig' in data ? 'kubeconfig' : cluster in data ? cluster : keys.length === 1 ? keys[0] : undefined;
  const value = key === undefined ? undefined : data[key];
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
}

export function registrations(
  clusters: readonly KubeObject[],
  secrets: readonly KubeObject[],
  installNamespace: string,
): Registration[] {
  const secretsByName = new Map(
    secrets
      .filter((secret) => (secret.metadata.namespace ?? installNamespace) === installNamespace)
      .map((secret) => [secret.metadata.name, secret]),
  );
  const result: Registration[] = [];
  for (const object of clusters) {
    if ((object.metadata.namespace ?? installNamespace) !== installNamespace) continue;
    const cluster = object.metadata.name;
    const secretName = (object as { spec?: { secretName?: string } }).spec?.secretName ?? cluster;
    const secret = secretsByName.get(secretName);
    if (secret === undefined) {
      result.push({
        outcome: 'error',
        cluster,
        message: `KubernetesCluster ${installNamespace}/${cluster}: spec.secretName: Secret ${installNamespace}/${secretName} not found`,
      });
      continue;
    }
    if ((secret as { type?: string }).type !== KUBECONFIG_SECRET_TYPE) {
      result.push({
        outcome: 'error',
        cluster,
        message: `Secret ${installNamespace}/${secretName} of cluster ${cluster} is not of type ${KUBECONFIG_SECRET_TYPE}`,
      });
      continue;
    }
    const kubeconfig = kubeconfigFromSecret(secret, cluster);
    if (kubeconfig === undefined || kubeconfig.trim() === '') {
      result.push({
        outcome: 'error',
        cluster,
        message: `Secret ${installNamespace}/${secretName} of cluster ${cluster} holds no kubeconfig (key "kubeconfig")`,
      });
      continue;
    }
    const fingerprint = createHash('sha256').update(kubeconfig).digest('hex').slice(0, 16);
    result.push({ outcome: 'ok', cluster, secretName, kubeconfig, fingerprint });
  }
  return result.sort((a, b) => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0));
}
