// Who may read what through the dashboard. In a cluster every request carries the user's own bearer
// token: a TokenReview says who it is, and SubjectAccessReviews (verb `list`, per resource and
// namespace) say what it may read, so the dashboard shows a user exactly what their RBAC allows.
// Answers are kept briefly per token hash; the token itself is never stored, logged or echoed.
import { createHash } from 'node:crypto';
import { KubeApiError, type KubeClient } from '../kube/client.ts';
import {
  ACCESS_POLICY,
  DESTINATION,
  KUBERNETES_CLUSTER,
  MESH,
  TRAFFIC_POLICY,
  VIRTUAL_MESH,
  WORKLOAD,
  type ResourceType,
} from '../kube/resources.ts';
import type { EstateKind, Visibility } from './estate-view.ts';

export const RESOURCE_OF: Readonly<Record<EstateKind, ResourceType>> = {
  clusters: KUBERNETES_CLUSTER,
  meshes: MESH,
  workloads: WORKLOAD,
  destinations: DESTINATION,
  trafficPolicies: TRAFFIC_POLICY,
  accessPolicies: ACCESS_POLICY,
  virtualMeshes: VIRTUAL_MESH,
};

/** What a request may read: every object (local use, with the user's own kubeconfig) or what RBAC allows. */
export interface Viewer {
  /** A name for logs: the user name, never the token. */
  readonly user: string;
  /** The visibility for the namespaces that hold objects of each kind. */
  visibility(namespaces: Readonly<Record<EstateKind, readonly string[]>>): Promise<Visibility>;
}

export type AccessResult =
  | { readonly ok: true; readonly viewer: Viewer }
  | { readonly ok: false; readonly status: 401 | 403 | 503; readonly message: string };

export interface Authenticator {
  authenticate(authorization: string | undefined): Promise<AccessResult>;
}

/** For `meshctl dashboard`: the data was read with the user's own kubeconfig, so it is theirs to see. */
export const LOCAL_ACCESS: Authenticator = {
  authenticate: () =>
    Promise.resolve({
      ok: true,
      viewer: { user: 'local', visibility: () => Promise.resolve(() => true) },
    }),
};

interface UserInfo {
  readonly username: string;
  readonly uid?: string;
  readonly groups?: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

export interface TokenAccessOptions {
  /** How long a TokenReview or SubjectAccessReview answer is kept. */
  readonly ttlMs?: number;
  readonly now?: () => number;
  /** Bounds the memory of the caches: past this many entries, expired ones are dropped, then the oldest. */
  readonly maxEntries?: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function userOf(status: unknown): UserInfo | undefined {
  if (!isRecord(status) || status.authenticated !== true || !isRecord(status.user)) return undefined;
  const user = status.user;
  if (typeof user.username !== 'string' || user.username === '') return undefined;
  const groups = Array.isArray(user.groups) ? user.groups.filter((g): g is string => typeof g === 'string') : undefined;
  const extra = isRecord(user.extra)
    ? Object.fromEntries(
        Object.entries(user.extra).flatMap(([key, value]) =>
          Array.isArray(value) ? [[key, value.filter((v): v is string => typeof v === 'string')]] : [],
        ),
      )
    : undefined;
  return {
    username: user.username,
    ...(typeof user.uid === 'string' ? { uid: user.uid } : {}),
    ...(groups === undefined ? {} : { groups }),
    ...(extra === undefined ? {} : { extra }),
  };
}

class ExpiringMap<V> {
  readonly #entries = new Map<string, { value: V; expires: number }>();
  readonly #max: number;
  constructor(max: number) {
    this.#max = max;
  }
  get(key: string, now: number): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }
  set(key: string, value: V, expires: number, now: number): void {
    if (this.#entries.size >= this.#max) {
      for (const [k, e] of this.#entries) if (e.expires <= now) this.#entries.delete(k);
      // Still full: drop the oldest (a Map iterates in insertion order).
      while (this.#entries.size >= this.#max) {
        const oldest = this.#entries.keys().next();
        if (oldest.done === true) break;
        this.#entries.delete(oldest.value);
      }
    }
    this.#entries.set(key, { value, expires });
  }
}

/**
 * Checks bearer tokens against the management cluster with the management plane's own client, which
 * needs `create` on tokenreviews and subjectaccessreviews (and nothing else for this).
 */
export class TokenAccess implements Authenticator {
  readonly #mgmt: KubeClient;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #users: ExpiringMap<Promise<UserInfo | undefined>>;
  readonly #decisions: ExpiringMap<Promise<boolean>>;

  constructor(mgmt: KubeClient, options: TokenAccessOptions = {}) {
    this.#mgmt = mgmt;
    this.#ttlMs = options.ttlMs ?? 10_000;
    this.#now = options.now ?? Date.now;
    const max = options.maxEntries ?? 10_000;
    this.#users = new ExpiringMap(max);
    this.#decisions = new ExpiringMap(max * 8);
  }

  async authenticate(authorization: string | undefined): Promise<AccessResult> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    const token = match?.[1];
    if (token === undefined) {
      return {
        ok: false,
        status: 401,
        message: 'sign in: send your Kubernetes bearer token (Authorization: Bearer …)',
      };
    }
    const hash = createHash('sha256').update(token).digest('hex');
    const now = this.#now();
    let pending = this.#users.get(hash, now);
    if (pending === undefined) {
      pending = this.#review(token);
      this.#users.set(hash, pending, now + this.#ttlMs, now);
      // A failed call is not remembered: the next request asks again.
      pending.catch(() => undefined);
    }
    let user: UserInfo | undefined;
    try {
      user = await pending;
    } catch (error) {
      return { ok: false, status: 503, message: `cannot check the token: ${messageOf(error)}` };
    }
    if (user === undefined)
      return { ok: false, status: 401, message: 'the token was not accepted by the management cluster' };
    const known = user;
    return {
      ok: true,
      viewer: {
        user: known.username,
        visibility: async (namespaces) => {
          const allowed = new Map<string, boolean>();
          const checks: Promise<void>[] = [];
          for (const [kind, list] of Object.entries(namespaces) as [EstateKind, readonly string[]][]) {
            for (const namespace of new Set(list)) {
              checks.push(
                this.#allowed(hash, known, RESOURCE_OF[kind], namespace).then((ok) => {
                  allowed.set(`${kind}/${namespace}`, ok);
                }),
              );
            }
          }
          await Promise.all(checks);
          return (kind, namespace) => allowed.get(`${kind}/${namespace}`) === true;
        },
      },
    };
  }

  async #review(token: string): Promise<UserInfo | undefined> {
    const review = await this.#mgmt.request<{ status?: unknown }>(
      'POST',
      '/apis/authentication.k8s.io/v1/tokenreviews',
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
    );
    return userOf(review.status);
  }

  #allowed(hash: string, user: UserInfo, type: ResourceType, namespace: string): Promise<boolean> {
    const key = `${hash}|${type.group}/${type.plural}|${namespace}`;
    const now = this.#now();
    const cached = this.#decisions.get(key, now);
    if (cached !== undefined) return cached;
    const decision = this.#mgmt
      .request<{ status?: { allowed?: unknown } }>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: user.username,
          ...(user.uid === undefined ? {} : { uid: user.uid }),
          ...(user.groups === undefined ? {} : { groups: user.groups }),
          ...(user.extra === undefined ? {} : { extra: user.extra }),
          resourceAttributes: {
            verb: 'list',
            group: type.group,
            version: type.version,
            resource: type.plural,
            namespace,
          },
        },
      })
      .then((review) => review.status?.allowed === true)
      // Unknown is not allowed: a failed review hides the objects and is asked again next time.
      .catch((error: unknown) => {
        if (!(error instanceof KubeApiError)) throw error;
        return false;
      });
    this.#decisions.set(key, decision, now + this.#ttlMs, now);
    return decision;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
