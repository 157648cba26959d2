// What a failed call to a cluster means, in words a user can act on: which cluster (the kubeconfig
// context, or the registered name), at which address, and why — connection refused, unknown host,
// timeout, a certificate the kubeconfig's CA does not vouch for, rejected or insufficient credentials.
// Never an "internal error": these are the user's environment, not meshctl's bugs. Texts never
// quote credentials (the API server's own messages name users, not tokens).
import { KubeApiError, type KubeClient } from '../kube/client.ts';
import { CommandError } from './context.ts';

/** The cluster as the user knows it: a context name (or registered name) and its API server address. */
export interface ClusterWhere {
  readonly name: string;
  readonly server: string;
}

export function whereOf(client: KubeClient): ClusterWhere {
  const context = client.kubeConfig.getCurrentContext();
  return { name: context === '' ? client.cluster : context, server: client.server };
}

/** TLS verification failures: the certificate chain does not lead to the kubeconfig's CA. */
const UNTRUSTED_CERTIFICATE = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

function hostOf(server: string): string {
  try {
    return new URL(server).hostname;
  } catch {
    return server;
  }
}

/** Why a connection failed below HTTP, from the system or TLS error code; undefined for an unknown code. */
export function connectionFailureText(code: string, server: string): string | undefined {
  if (code === 'ECONNREFUSED') return 'connection refused (is the API server running, and is this its address?)';
  if (code === 'ENOTFOUND') return `host name ${hostOf(server)} not found (DNS)`;
  if (code === 'EAI_AGAIN') return `host name ${hostOf(server)} could not be resolved (DNS did not answer)`;
  if (code === 'ETIMEDOUT')
    return 'timed out (no answer: a firewall, a wrong address or an API server under heavy load)';
  if (code === 'EHOSTUNREACH') return 'no route to host';
  if (code === 'ENETUNREACH') return 'network unreachable';
  if (code === 'ECONNRESET' || code === 'EPIPE')
    return 'the connection was reset (a proxy or load balancer in between, or not an API server?)';
  if (UNTRUSTED_CERTIFICATE.has(code))
    return `TLS: the server's certificate is not signed by the certificate authority of the kubeconfig (${code})`;
  if (code === 'CERT_HAS_EXPIRED') return "TLS: the server's certificate has expired";
  if (code === 'CERT_NOT_YET_VALID')
    return "TLS: the server's certificate is not valid yet (is this machine's clock right?)";
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `TLS: the server's certificate is not valid for the host ${hostOf(server)}`;
  if (code === 'EPROTO' || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'))
    return `TLS handshake failed (is this the HTTPS port of an API server?) (${code})`;
  return undefined;
}

/**
 * One line for a failed call to a cluster, or undefined when the error is not a call to a cluster.
 * "cannot reach cluster `prod-east` at https://…: connection refused".
 */
export function explainClusterFailure(error: unknown, where: ClusterWhere): string | undefined {
  if (!(error instanceof KubeApiError)) return undefined;
  const cluster = `cluster \`${where.name}\` at ${where.server}`;
  // The client's own prefix ("cluster NAME: ") is replaced by the name the user knows.
  const detail = error.message.startsWith(`cluster ${error.cluster}: `)
    ? error.message.slice(`cluster ${error.cluster}: `.length)
    : error.message;
  if (error.status === 0) {
    if (error.reason === 'Credentials') return `cannot get credentials for ${cluster}: ${detail}`;
    const known = error.code === undefined ? undefined : connectionFailureText(error.code, where.server);
    if (known !== undefined) return `cannot reach ${cluster}: ${known}`;
    if (error.reason === 'Unreachable') return `cannot reach ${cluster}: ${detail}`;
    return `${cluster}: ${detail}`;
  }
  if (error.status === 401)
    return (
      `${cluster} rejected the credentials (401 Unauthorized): the token or client certificate of the ` +
      'kubeconfig is expired, revoked or not for this cluster'
    );
  if (error.status === 403) return `${cluster}: forbidden (403): ${detail.replace(/^\S+ \S+: 403 /, '')}`;
  return `${cluster}: ${detail}`;
}

/** The client a failed call was made with (by the name the client was given). */
function clientOf(error: KubeApiError, clients: readonly KubeClient[]): KubeClient | undefined {
  return clients.find((client) => client.cluster === error.cluster);
}

/** The error as a CommandError naming the cluster, when it is a failed call to one of `clients`. */
export function asClusterFailure(error: unknown, clients: readonly KubeClient[]): unknown {
  if (!(error instanceof KubeApiError)) return error;
  const client = clientOf(error, clients);
  const where = client === undefined ? { name: error.cluster, server: '(unknown address)' } : whereOf(client);
  return new CommandError(explainClusterFailure(error, where) ?? error.message);
}

/** Runs `work`; a failed call to one of `clients` becomes a one-line CommandError naming that cluster. */
export async function reportingClusterFailures<T>(clients: readonly KubeClient[], work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asClusterFailure(error, clients);
  }
}
