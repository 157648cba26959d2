// How a KubeClient authenticates: the TLS options and Authorization header of its next request.
// Three sources: a registration kubeconfig (server, CA and token only, parsed by Mesh Hub itself), the
// pod's own ServiceAccount (token re-read when the kubelet rotates it), and the operator's own
// kubeconfig file (client-node's full loading, exec plugins included: that file is the user's own).
import { readFileSync, statSync } from 'node:fs';
import type https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export interface Credentials {
  /** `https://host:port` without a trailing slash. */
  readonly server: string;
  /** The cluster's CA bundle (base64 PEM) when known, to describe the cluster; never a secret. */
  readonly caData: string | undefined;
  /** TLS options and headers for the next request (may re-read rotated credentials). */
  requestOptions(): Promise<https.RequestOptions>;
  /** After a 401: read the credentials again; true when they changed and one retry is worthwhile. */
  renew(): Promise<boolean>;
}

export interface StaticCredentialsInput {
  readonly server: string;
  /** PEM; undefined: Node's system roots verify the server (TLS is never skipped). */
  readonly caPem?: string;
  readonly token?: string;
  readonly certPem?: string;
  readonly keyPem?: string;
  readonly tlsServerName?: string;
}

/** Fixed credentials (a registration kubeconfig): nothing is read from disk, nothing is executed. */
export function staticCredentials(input: StaticCredentialsInput): Credentials {
  const options: https.RequestOptions = {
    ...(input.caPem === undefined ? {} : { ca: input.caPem }),
    ...(input.certPem === undefined ? {} : { cert: input.certPem }),
    ...(input.keyPem === undefined ? {} : { key: input.keyPem }),
    ...(input.tlsServerName === undefined ? {} : { servername: input.tlsServerName }),
    headers: input.token === undefined ? {} : { Authorization: `Bearer ${input.token}` },
  };
  return {
    server: input.server.replace(/\/$/, ''),
    caData: input.caPem === undefined ? undefined : Buffer.from(input.caPem).toString('base64'),
    requestOptions: () => Promise.resolve(options),
    renew: () => Promise.resolve(false),
  };
}

/** Where a pod's ServiceAccount credentials are mounted. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Overrides SERVICE_ACCOUNT_DIR (tests point it at a temporary directory). */
export const SERVICE_ACCOUNT_DIR_ENV = 'MESHHUB_SERVICE_ACCOUNT_DIR';
/** The token file is looked at (a stat) at most this often; a 401 re-reads it at once. */
export const TOKEN_CHECK_INTERVAL_MS = 1000;

export interface InClusterOptions {
  readonly dir?: string;
  readonly host?: string;
  readonly port?: string;
  /** For tests: the clock. */
  readonly now?: () => number;
}

function serviceAccountDir(options: InClusterOptions): string {
  return options.dir ?? process.env[SERVICE_ACCOUNT_DIR_ENV] ?? SERVICE_ACCOUNT_DIR;
}

/** Whether this process runs in a pod with a mounted ServiceAccount token. */
export function inClusterAvailable(options: InClusterOptions = {}): boolean {
  const host = options.host ?? process.env.KUBERNETES_SERVICE_HOST;
  if (host === undefined || host === '') return false;
  try {
    return statSync(`${serviceAccountDir(options)}/token`).isFile();
  } catch {
    return false;
  }
}

function fileVersion(path: string): string {
  const stat = statSync(path);
  return `${String(stat.ino)}:${String(stat.mtimeMs)}:${String(stat.size)}`;
}

/**
 * The pod's own ServiceAccount: KUBERNETES_SERVICE_HOST/PORT, the CA and the token next to it. The
 * kubelet replaces a projected token well before it expires, so the files are looked at again (by
 * their stat, at most once a second) and read again whenever they changed or the server said 401.
 */
export function inClusterCredentials(options: InClusterOptions = {}): Credentials {
  const dir = serviceAccountDir(options);
  const host = options.host ?? process.env.KUBERNETES_SERVICE_HOST;
  const port = options.port ?? process.env.KUBERNETES_SERVICE_PORT ?? '443';
  if (host === undefined || host === '') throw new Error('KUBERNETES_SERVICE_HOST is not set: not running in a pod');
  const now = options.now ?? Date.now;
  const tokenPath = `${dir}/token`;
  const caPath = `${dir}/ca.crt`;
  let version = '';
  let checkedAt = -Infinity;
  let current: https.RequestOptions = {};
  const read = (): boolean => {
    const next = `${fileVersion(tokenPath)}/${fileVersion(caPath)}`;
    checkedAt = now();
    if (next === version) return false;
    const token = readFileSync(tokenPath, 'utf8').trim();
    const ca = readFileSync(caPath, 'utf8');
    current = { ca, headers: { Authorization: `Bearer ${token}` } };
    const changed = version !== '';
    version = next;
    return changed;
  };
  const ca = (() => {
    try {
      return readFileSync(caPath).toString('base64');
    } catch {
      return undefined;
    }
  })();
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    caData: ca,
    requestOptions: () => {
      try {
        if (now() - checkedAt >= TOKEN_CHECK_INTERVAL_MS) read();
      } catch (error) {
        // Mid-rotation the files may be briefly absent: keep the last ones; fail only if there are none.
        if (version === '') {
          const code = (error as { code?: unknown }).code;
          return Promise.reject(
            new Error(`cannot read the ServiceAccount token in ${dir}${typeof code === 'string' ? ` (${code})` : ''}`),
          );
        }
      }
      return Promise.resolve(current);
    },
    renew: () => {
      try {
        return Promise.resolve(read());
      } catch {
        return Promise.resolve(false);
      }
    },
  };
}

/** How long options resolved from a kubeconfig file are reused (exec plugins cache their own tokens too). */
const KUBECONFIG_OPTIONS_TTL_MS = 60_000;

/** The operator's own kubeconfig file, through client-node (exec plugins, token files, …). */
export function kubeconfigFileCredentials(kubeConfig: KubeConfig, now: () => number = Date.now): Credentials {
  const cluster = kubeConfig.getCurrentCluster();
  const server = cluster?.server;
  if (server === undefined || server === '') {
    throw new Error(`the kubeconfig has no server for context ${kubeConfig.currentContext}`);
  }
  let cached: { at: number; options: Promise<https.RequestOptions> } | undefined;
  const resolve = (): Promise<https.RequestOptions> => {
    const options: https.RequestOptions = {};
    const done = kubeConfig.applyToHTTPSOptions(options).then(() => {
      // client-node sets an agent without keep-alive: each request would open (and pay for) a new TLS
      // connection. Without a proxy, Node's global agent keeps connections alive with the same TLS options.
      if (cluster?.proxyUrl === undefined || cluster.proxyUrl === '') delete options.agent;
      return options;
    });
    cached = { at: now(), options: done };
    done.catch(() => {
      cached = undefined;
    });
    return done;
  };
  return {
    server: server.replace(/\/$/, ''),
    get caData() {
      if (cluster?.caData !== undefined && cluster.caData !== '') return cluster.caData;
      if (cluster?.caFile !== undefined && cluster.caFile !== '')
        return readFileSync(cluster.caFile).toString('base64');
      return undefined;
    },
    requestOptions: () =>
      cached !== undefined && now() - cached.at < KUBECONFIG_OPTIONS_TTL_MS ? cached.options : resolve(),
    renew: async () => {
      const before = JSON.stringify((await cached?.options.catch(() => undefined))?.headers ?? {});
      const after = JSON.stringify((await resolve()).headers ?? {});
      return before !== after;
    },
  };
}
