// Renewal of registration tokens. `meshctl cluster register` gives the management plane a
// TokenRequest token with a lifetime (30 days by default); the management plane asks the workload
// cluster for a fresh one, as the same ServiceAccount (its Role allows exactly that), once a set
// fraction of the lifetime has passed, and writes it into the registration Secret.
import { parse, stringify } from 'yaml';
import type { KubeClient } from '../kube/client.ts';
import { kubeconfigSecret, requestToken } from '../kube/registration.ts';

/** By default a token is renewed once two thirds of its lifetime have passed. */
export const DEFAULT_RENEW_AT = 2 / 3;

export interface TokenTimes {
  /** Seconds since the epoch. */
  readonly issuedAt: number;
  readonly expiresAt: number;
}

/** The iat/exp claims of a JWT, read without verifying it (the API server verifies it). */
export function tokenTimes(token: string): TokenTimes | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iat?: unknown; exp?: unknown };
    if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number' || claims.exp <= claims.iat) return undefined;
    return { issuedAt: claims.iat, expiresAt: claims.exp };
  } catch {
    return undefined;
  }
}

/** Pure: whether a token issued and expiring at `times` should be renewed at `nowSeconds`. */
export function needsRenewal(times: TokenTimes, nowSeconds: number, renewAt = DEFAULT_RENEW_AT): boolean {
  return nowSeconds >= times.issuedAt + (times.expiresAt - times.issuedAt) * renewAt;
}

interface KubeconfigDoc {
  users?: { name?: string; user?: { token?: string } }[];
}

/** The bearer token of a registration kubeconfig (the one Mesh Hub writes has exactly one user). */
export function kubeconfigToken(text: string): string | undefined {
  const doc = parse(text) as KubeconfigDoc | null;
  return doc?.users?.[0]?.user?.token;
}

function withToken(text: string, token: string): string {
  const doc = parse(text) as KubeconfigDoc;
  for (const user of doc.users ?? []) if (user.user?.token !== undefined) user.user.token = token;
  return stringify(doc);
}

export type RenewalOutcome =
  | { readonly outcome: 'not-needed' | 'not-a-service-account-token' }
  | { readonly outcome: 'renewed'; readonly expires: string };

/**
 * Renews the token in `kubeconfig` when due, through `cluster` (a client that authenticates with
 * that very token), and writes the new kubeconfig to the registration Secret on `mgmt`.
 */
export async function renewIfDue(options: {
  readonly cluster: KubeClient;
  readonly mgmt: KubeClient;
  readonly name: string;
  readonly secretName: string;
  readonly installNamespace: string;
  readonly kubeconfig: string;
  readonly renewAt: number;
  readonly nowSeconds: number;
}): Promise<RenewalOutcome> {
  const token = kubeconfigToken(options.kubeconfig);
  const times = token === undefined ? undefined : tokenTimes(token);
  if (times === undefined) return { outcome: 'not-a-service-account-token' };
  if (!needsRenewal(times, options.nowSeconds, options.renewAt)) return { outcome: 'not-needed' };
  const fresh = await requestToken(options.cluster, options.installNamespace, times.expiresAt - times.issuedAt);
  await options.mgmt.apply(
    kubeconfigSecret(
      options.name,
      options.installNamespace,
      withToken(options.kubeconfig, fresh.token),
      options.secretName,
    ),
  );
  return { outcome: 'renewed', expires: fresh.expires };
}
