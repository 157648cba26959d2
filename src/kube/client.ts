// The one client Mesh Hub uses to talk to an API server: JSON over HTTPS with the credentials of a
// kubeconfig context. Objects stay plain JSON (no class mapping), so what is read is what the pure
// core sees and what is written is exactly what the pure core produced.
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import type { KubeObject } from '../api/meta.ts';
import { apiVersionOfType, resourcePath, typeOfObject, type ResourceType } from './resources.ts';

/** The field manager of every server-side apply Mesh Hub makes. */
export const FIELD_MANAGER = 'mesh-hub';

/** A failed API call. The message names the request and the server's reason, never credentials. */
export class KubeApiError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly cluster: string;
  constructor(cluster: string, status: number, reason: string, message: string) {
    super(message);
    this.name = 'KubeApiError';
    this.cluster = cluster;
    this.status = status;
    this.reason = reason;
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
}

const REQUEST_TIMEOUT_MS = 10_000;

export class KubeClient {
  /** The name Mesh Hub knows this cluster by (registered name, or `mgmt`). */
  readonly cluster: string;
  readonly kubeConfig: KubeConfig;
  readonly server: string;
  #options: Promise<https.RequestOptions> | undefined;

  constructor(cluster: string, kubeConfig: KubeConfig) {
    this.cluster = cluster;
    this.kubeConfig = kubeConfig;
    const server = kubeConfig.getCurrentCluster()?.server;
    if (server === undefined || server === '') {
      throw new Error(`the kubeconfig for cluster ${cluster} has no server for context ${kubeConfig.currentContext}`);
    }
    this.server = server.replace(/\/$/, '');
  }

  /** TLS and auth options from the kubeconfig, resolved once (static tokens and certificates). */
  async #requestOptions(): Promise<https.RequestOptions> {
    this.#options ??= (async () => {
      const options: https.RequestOptions = {};
      await this.kubeConfig.applyToHTTPSOptions(options);
      return options;
    })();
    return this.#options;
  }

  /** A watch over this cluster's connection (used by the list+watch caches). */
  watcher(): Watch {
    return new Watch(this.kubeConfig);
  }

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
    timeoutMs = REQUEST_TIMEOUT_MS,
  ): Promise<T> {
    const base = await this.#requestOptions();
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
    return new Promise<T>((resolve, reject) => {
      const request = https.request(url, { ...base, method, headers, timeout: timeoutMs }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error) => {
          reject(this.#networkError(what, error));
        });
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            try {
              resolve((text === '' ? {} : JSON.parse(text)) as T);
            } catch {
              reject(new KubeApiError(this.cluster, status, 'BadResponse', `${what}: the response is not JSON`));
            }
            return;
          }
          reject(this.#statusError(what, status, text, response.headers));
        });
      });
      request.on('timeout', () => {
        request.destroy(new Error(`no response within ${timeoutMs / 1000} s`));
      });
      request.on('error', (error) => {
        reject(this.#networkError(what, error));
      });
      if (payload !== undefined) request.write(payload);
      request.end();
    });
  }

  #networkError(what: string, error: Error): KubeApiError {
    const code = (error as { code?: unknown }).code;
    const detail = typeof code === 'string' ? `${code}: ${error.message}` : error.message;
    return new KubeApiError(this.cluster, 0, 'Unreachable', `cluster ${this.cluster}: ${what}: ${detail}`);
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

/** A client from kubeconfig text (a registered cluster's Secret); errors never quote the text. */
export function clientFromKubeconfigText(cluster: string, text: string): KubeClient {
  const kubeConfig = new KubeConfig();
  try {
    kubeConfig.loadFromString(text);
  } catch {
    throw new Error(`the kubeconfig of cluster ${cluster} cannot be parsed`);
  }
  if (kubeConfig.getCurrentCluster() === null) {
    throw new Error(`the kubeconfig of cluster ${cluster} has no current context with a cluster`);
  }
  return new KubeClient(cluster, kubeConfig);
}
