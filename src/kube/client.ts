// The one client Mesh Hub uses to talk to an API server: JSON over HTTPS, list and watch included,
// with credentials from credentials.ts. Objects stay plain JSON (no class mapping), so what is read is
// what the pure core sees and what is written is exactly what the pure core produced. Every request
// has an overall deadline and a response size cap; a watch has an idle timeout.
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import {
  kubeconfigFileCredentials,
  staticCredentials,
  inClusterAvailable,
  inClusterCredentials,
  type Credentials,
} from './credentials.ts';
import { parseRegistrationKubeconfig } from './registration-kubeconfig.ts';
import type { KubeObject } from '../api/meta.ts';
import { apiVersionOfType, resourcePath, typeOfObject, type ResourceType } from './resources.ts';

/** The field manager of every server-side apply Mesh Hub makes. */
export const FIELD_MANAGER = 'mesh-hub';

/** A failed API call. The message names the request and the server's reason, never credentials. */
export class KubeApiError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly cluster: string;
  /** For a failure below HTTP (status 0): the system or TLS error code, e.g. ECONNREFUSED, CERT_HAS_EXPIRED. */
  readonly code: string | undefined;
  constructor(cluster: string, status: number, reason: string, message: string, code?: string) {
    super(message);
    this.name = 'KubeApiError';
    this.cluster = cluster;
    this.status = status;
    this.reason = reason;
    this.code = code;
  }
}

export interface ObjectList {
  readonly items: KubeObject[];
  readonly metadata: { readonly resourceVersion?: string; readonly continue?: string };
}

export interface ListOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** One page of at most this many items; `continue` of the previous page's metadata fetches the next. */
  readonly limit?: number;
  readonly continue?: string;
}

/** Limits of every request: nothing waits or buffers without bound on a slow or hostile server. */
export interface RequestLimits {
  /** Overall deadline of a request, response body included (a slow drip still ends here). */
  readonly requestTimeoutMs: number;
  /** Largest response body read into memory (lists); beyond it the request fails. */
  readonly maxResponseBytes: number;
  /** A watch that brings neither an event nor a bookmark for this long is reconnected. */
  readonly watchIdleTimeoutMs: number;
}

export const DEFAULT_LIMITS: RequestLimits = {
  requestTimeoutMs: 30_000,
  maxResponseBytes: 64 * 1024 * 1024,
  watchIdleTimeoutMs: 90_000,
};

/** No bytes at all on the socket for this long fails a request before its deadline. */
const SOCKET_IDLE_TIMEOUT_MS = 10_000;

/** One event of a watch stream (`watch=1`): JSON lines of `{type, object}`. */
export interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: KubeObject;
}

export interface WatchHandlers {
  /** The server accepted the watch (HTTP 200). */
  readonly onOpen: () => void;
  readonly onEvent: (event: WatchEvent) => void;
  /** The stream ended: undefined when the server closed it normally, else why it broke. */
  readonly onClose: (error: KubeApiError | undefined) => void;
}

export interface WatchHandle {
  stop(): void;
}

export interface WatchOptions {
  readonly resourceVersion: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** The server ends the watch after this long (normal end; the watch resumes from the last version). */
  readonly timeoutSeconds?: number;
}

function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${String(Math.round((bytes / 1024 / 1024) * 10) / 10)} MiB`;
  return `${String(Math.round(bytes / 1024))} KiB`;
}

function isCredentials(source: KubeConfig | Credentials): source is Credentials {
  return typeof (source as { requestOptions?: unknown }).requestOptions === 'function';
}

/** A KubeConfig that only says where a cluster is (server and CA), for code that describes it; never used to authenticate. */
function describingKubeConfig(cluster: string, credentials: Credentials): KubeConfig {
  const kubeConfig = new KubeConfig();
  const caData = credentials.caData;
  kubeConfig.loadFromOptions({
    clusters: [
      { name: cluster, server: credentials.server, ...(caData === undefined ? {} : { caData }), skipTLSVerify: false },
    ],
    users: [{ name: 'none' }],
    contexts: [{ name: cluster, cluster, user: 'none' }],
    currentContext: cluster,
  });
  return kubeConfig;
}

export class KubeClient {
  /** The name Mesh Hub knows this cluster by (registered name, or `mgmt`). */
  readonly cluster: string;
  readonly server: string;
  readonly limits: RequestLimits;
  readonly #credentials: Credentials;
  readonly #kubeConfig: KubeConfig | undefined;

  /**
   * From an operator's KubeConfig (client-node's loading, exec plugins included), or from
   * Credentials Mesh Hub built itself (registration Secrets, the pod's ServiceAccount).
   */
  constructor(cluster: string, source: KubeConfig | Credentials, limits: Partial<RequestLimits> = {}) {
    this.cluster = cluster;
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    if (isCredentials(source)) {
      this.#credentials = source;
    } else {
      this.#kubeConfig = source;
      try {
        this.#credentials = kubeconfigFileCredentials(source);
      } catch (error) {
        throw new Error(`cluster ${cluster}: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
      }
    }
    this.server = this.#credentials.server;
  }

  /**
   * The operator's KubeConfig this client was made from; for other clients one that only names the
   * server and CA (it carries no credentials).
   */
  get kubeConfig(): KubeConfig {
    return this.#kubeConfig ?? describingKubeConfig(this.cluster, this.#credentials);
  }

  /**
   * One API call with an overall deadline (`timeoutMs`) and a response size cap. A 401 reads the
   * credentials again (a rotated token) and retries once.
   */
  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
    timeoutMs = this.limits.requestTimeoutMs,
  ): Promise<T> {
    try {
      return await this.#requestOnce<T>(method, path, body, contentType, timeoutMs);
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 401 && (await this.#credentials.renew())) {
        return this.#requestOnce<T>(method, path, body, contentType, timeoutMs);
      }
      throw error;
    }
  }

  async #requestOnce<T>(
    method: string,
    path: string,
    body: unknown,
    contentType: string,
    timeoutMs: number,
  ): Promise<T> {
    const base = await this.#requestOptions(`${method} ${path.split('?')[0] ?? path}`);
    const url = new URL(this.server + path);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const what = `${method} ${url.pathname}`;
    const headers: Record<string, string> = {
      ...(base.headers as Record<string, string> | undefined),
      Accept: 'application/json',
    };
    if (payload !== undefined) {
      headers['Content-Type'] = contentType;
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const maxBytes = this.limits.maxResponseBytes;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const fail = (error: KubeApiError) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        reject(error);
        request.destroy();
      };
      const deadline = setTimeout(() => {
        fail(
          this.#networkError(what, new Error(`no complete response within ${String(timeoutMs / 1000)} s`), 'Timeout'),
        );
      }, timeoutMs);
      const request = https.request(
        url,
        { ...base, method, headers, timeout: Math.min(timeoutMs, SOCKET_IDLE_TIMEOUT_MS) },
        (response) => {
          const declared = Number(response.headers['content-length'] ?? 0);
          if (declared > maxBytes) {
            fail(this.#tooLarge(what, maxBytes));
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) {
              fail(this.#tooLarge(what, maxBytes));
              return;
            }
            chunks.push(chunk);
          });
          response.on('error', (error) => {
            fail(this.#networkError(what, error));
          });
          response.on('end', () => {
            if (settled) return;
            settled = true;
            clearTimeout(deadline);
            const text = Buffer.concat(chunks).toString('utf8');
            const status = response.statusCode ?? 0;
            if (status >= 200 && status < 300) {
              try {
                resolve((text === '' ? {} : JSON.parse(text)) as T);
              } catch {
                reject(
                  new KubeApiError(
                    this.cluster,
                    status,
                    'BadResponse',
                    `cluster ${this.cluster}: ${what}: the response is not JSON`,
                  ),
                );
              }
              return;
            }
            reject(this.#statusError(what, status, text, response.headers));
          });
        },
      );
      request.on('timeout', () => {
        request.destroy(
          Object.assign(new Error(`no data for ${String(Math.min(timeoutMs, SOCKET_IDLE_TIMEOUT_MS) / 1000)} s`), {
            code: 'ETIMEDOUT',
          }),
        );
      });
      request.on('error', (error) => {
        fail(this.#networkError(what, error));
      });
      if (payload !== undefined) request.write(payload);
      request.end();
    });
  }

  async #requestOptions(what: string): Promise<https.RequestOptions> {
    try {
      return await this.#credentials.requestOptions();
    } catch (error) {
      throw new KubeApiError(
        this.cluster,
        0,
        'Credentials',
        `cluster ${this.cluster}: ${what}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  /**
   * A watch (`watch=1`, bookmarks requested) from `resourceVersion`, streamed as JSON lines. The
   * response must start within the request deadline; after that, a stream silent for longer than
   * the idle timeout is ended (onClose with an error), as is an event larger than the size cap.
   */
  watch(path: string, options: WatchOptions, handlers: WatchHandlers): WatchHandle {
    const query = new URLSearchParams({
      watch: '1',
      allowWatchBookmarks: 'true',
      resourceVersion: options.resourceVersion,
    });
    if (options.labelSelector !== undefined) query.set('labelSelector', options.labelSelector);
    if (options.fieldSelector !== undefined) query.set('fieldSelector', options.fieldSelector);
    if (options.timeoutSeconds !== undefined) query.set('timeoutSeconds', String(options.timeoutSeconds));
    const what = `WATCH ${path}`;
    const maxBytes = this.limits.maxResponseBytes;
    let request: ReturnType<typeof https.request> | undefined;
    let timer: NodeJS.Timeout | undefined;
    const state = { done: false };
    const isDone = () => state.done;
    const close = (error: KubeApiError | undefined) => {
      if (state.done) return;
      state.done = true;
      if (timer !== undefined) clearTimeout(timer);
      request?.destroy();
      handlers.onClose(error);
    };
    const arm = (ms: number, message: string) => {
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(() => {
        close(this.#networkError(what, new Error(message), 'Timeout'));
      }, ms);
    };
    arm(this.limits.requestTimeoutMs, `no response within ${String(this.limits.requestTimeoutMs / 1000)} s`);
    void this.#requestOptions(what).then(
      (base) => {
        if (state.done) return;
        const url = new URL(`${this.server}${path}?${query.toString()}`);
        const headers = { ...(base.headers as Record<string, string> | undefined), Accept: 'application/json' };
        request = https.request(url, { ...base, method: 'GET', headers }, (response) => {
          const status = response.statusCode ?? 0;
          if (status !== 200) {
            const chunks: Buffer[] = [];
            let size = 0;
            response.on('data', (chunk: Buffer) => {
              size += chunk.length;
              if (size <= 65536) chunks.push(chunk);
            });
            response.on('end', () => {
              const error = this.#statusError(what, status, Buffer.concat(chunks).toString('utf8'), response.headers);
              // A rotated token: read it again now, so the watch's next attempt uses the new one.
              if (status === 401)
                void this.#credentials.renew().finally(() => {
                  close(error);
                });
              else close(error);
            });
            response.on('error', (error) => {
              close(this.#networkError(what, error));
            });
            return;
          }
          const idleMs = this.limits.watchIdleTimeoutMs;
          const idleMessage = `no event or bookmark for ${String(idleMs / 1000)} s`;
          arm(idleMs, idleMessage);
          handlers.onOpen();
          let pending = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            if (state.done) return;
            arm(idleMs, idleMessage);
            pending += chunk;
            let newline = pending.indexOf('\n');
            while (newline !== -1) {
              const line = pending.slice(0, newline).trim();
              pending = pending.slice(newline + 1);
              if (line !== '') {
                let event: WatchEvent;
                try {
                  event = JSON.parse(line) as WatchEvent;
                } catch {
                  close(
                    new KubeApiError(
                      this.cluster,
                      0,
                      'BadResponse',
                      `cluster ${this.cluster}: ${what}: an event is not JSON`,
                    ),
                  );
                  return;
                }
                handlers.onEvent(event);
                // The handler may have stopped the watch (an ERROR event): nothing after it counts.
                if (isDone()) return;
              }
              newline = pending.indexOf('\n');
            }
            if (pending.length > maxBytes) close(this.#tooLarge(what, maxBytes));
          });
          response.on('end', () => {
            close(undefined);
          });
          response.on('error', (error) => {
            close(this.#networkError(what, error));
          });
        });
        request.on('error', (error) => {
          close(this.#networkError(what, error));
        });
        request.end();
      },
      (error: unknown) => {
        close(error instanceof KubeApiError ? error : this.#networkError(what, error as Error));
      },
    );
    return {
      stop: () => {
        if (state.done) return;
        state.done = true;
        if (timer !== undefined) clearTimeout(timer);
        request?.destroy();
      },
    };
  }

  #tooLarge(what: string, maxBytes: number): KubeApiError {
    return new KubeApiError(
      this.cluster,
      0,
      'ResponseTooLarge',
      `cluster ${this.cluster}: ${what}: the response exceeds ${sizeText(maxBytes)}`,
    );
  }

  #networkError(what: string, error: Error, reason = 'Unreachable'): KubeApiError {
    const code = (error as { code?: unknown }).code;
    const detail = typeof code === 'string' ? `${code}: ${error.message}` : error.message;
    return new KubeApiError(
      this.cluster,
      0,
      reason,
      `cluster ${this.cluster}: ${what}: ${detail}`,
      typeof code === 'string' ? code : reason === 'Timeout' ? 'ETIMEDOUT' : undefined,
    );
  }

  #statusError(what: string, status: number, text: string, _headers: IncomingHttpHeaders): KubeApiError {
    let reason = 'Unknown';
    let message = text.slice(0, 500);
    try {
      const parsed = JSON.parse(text) as { reason?: unknown; message?: unknown };
      if (typeof parsed.reason === 'string') reason = parsed.reason;
      if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      // not a Status object; keep the text
    }
    return new KubeApiError(this.cluster, status, reason, `cluster ${this.cluster}: ${what}: ${status} ${message}`);
  }

  async list(type: ResourceType, options: ListOptions = {}): Promise<ObjectList> {
    const query = new URLSearchParams();
    if (options.labelSelector !== undefined) query.set('labelSelector', options.labelSelector);
    if (options.fieldSelector !== undefined) query.set('fieldSelector', options.fieldSelector);
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    if (options.continue !== undefined && options.continue !== '') query.set('continue', options.continue);
    const suffix = query.size > 0 ? `?${query.toString()}` : '';
    const list = await this.request<{ items?: KubeObject[] | null; metadata?: ObjectList['metadata'] }>(
      'GET',
      resourcePath(type, options.namespace) + suffix,
    );
    const apiVersion = apiVersionOfType(type);
    // List items carry no apiVersion/kind; give them theirs so they are whole objects.
    const items = (list.items ?? []).map((item) => ({ ...item, apiVersion, kind: type.kind }));
    return { items, metadata: list.metadata ?? {} };
  }

  async get(type: ResourceType, name: string, namespace?: string): Promise<KubeObject | undefined> {
    try {
      return await this.request<KubeObject>('GET', resourcePath(type, namespace, name));
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** Server-side apply with Mesh Hub's field manager; `subresource: 'status'` applies the status. */
  async apply(object: KubeObject, options: { subresource?: 'status'; dryRun?: boolean } = {}): Promise<KubeObject> {
    const type = this.#typeOf(object);
    const query = new URLSearchParams({ fieldManager: FIELD_MANAGER, force: 'true' });
    if (options.dryRun === true) query.set('dryRun', 'All');
    const path = `${resourcePath(type, object.metadata.namespace, object.metadata.name)}${
      options.subresource === undefined ? '' : `/${options.subresource}`
    }?${query.toString()}`;
    return this.request<KubeObject>('PATCH', path, object, 'application/apply-patch+yaml');
  }

  async create(object: KubeObject, subresourcePath?: string): Promise<KubeObject> {
    const type = this.#typeOf(object);
    return this.request<KubeObject>(
      'POST',
      resourcePath(type, object.metadata.namespace) + (subresourcePath ?? ''),
      object,
    );
  }

  /** Deletes an object; true if it was deleted, false if it was already gone. */
  async delete(type: ResourceType, name: string, namespace?: string): Promise<boolean> {
    try {
      await this.request('DELETE', resourcePath(type, namespace, name), { propagationPolicy: 'Background' });
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return false;
      throw error;
    }
  }

  #typeOf(object: KubeObject): ResourceType {
    const type = typeOfObject(object.apiVersion, object.kind);
    if (type === undefined)
      throw new Error(`Mesh Hub does not know the resource of ${object.apiVersion} ${object.kind}`);
    return type;
  }
}

/** A client for one context of a kubeconfig file (the file's current context by default). */
export function clientFromKubeconfigFile(cluster: string, path: string | undefined, context?: string): KubeClient {
  const kubeConfig = new KubeConfig();
  if (path === undefined) kubeConfig.loadFromDefault();
  else kubeConfig.loadFromFile(path);
  if (context !== undefined) {
    if (!kubeConfig.getContextObject(context)) {
      throw new Error(`context ${context} is not in ${path ?? 'the default kubeconfig'}`);
    }
    kubeConfig.setCurrentContext(context);
  }
  return new KubeClient(cluster, kubeConfig);
}

/**
 * The client of a Mesh Hub server process: the kubeconfig file it is given (or $KUBECONFIG), else in a
 * pod its own ServiceAccount (token re-read on rotation), else the default kubeconfig.
 */
export function clientForServer(cluster: string, path: string | undefined, context?: string): KubeClient {
  const fromEnvironment = process.env.KUBECONFIG;
  if (
    path === undefined &&
    context === undefined &&
    (fromEnvironment === undefined || fromEnvironment === '') &&
    inClusterAvailable()
  ) {
    return new KubeClient(cluster, inClusterCredentials());
  }
  return clientFromKubeconfigFile(cluster, path, context);
}

/**
 * A client from a registration Secret's kubeconfig: server, CA data and token (or inline client
 * certificate) only, parsed by Mesh Hub; anything else is refused with an error naming the field.
 * Errors never quote the text.
 */
export function clientFromKubeconfigText(cluster: string, text: string): KubeClient {
  return new KubeClient(cluster, staticCredentials(parseRegistrationKubeconfig(cluster, text)));
}
