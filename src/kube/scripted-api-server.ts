// Test support: an HTTPS server that speaks the list and watch protocol of one collection of
// ConfigMaps the way a kube-apiserver does (resourceVersions, bookmarks, 410 Gone after compaction,
// ERROR events), driven step by step by a test: add, update, delete, compact, disconnect, go silent,
// stop serving the kind. Only for tests of the cache and the client; never used against a cluster.
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { KubeObject } from '../api/meta.ts';
import { createClusterPki } from '../testenv/pki.ts';
import { staticCredentials } from './credentials.ts';
import { KubeClient, type RequestLimits } from './client.ts';

export const SCRIPTED_NAMESPACE = 'scripted';
export const SCRIPTED_PATH = `/api/v1/namespaces/${SCRIPTED_NAMESPACE}/configmaps`;
export const SCRIPTED_TOKEN = 'scripted-test-token';

interface Watcher {
  readonly response: ServerResponse;
  readonly socket: Socket;
}

interface StoredEvent {
  readonly rv: number;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: KubeObject;
}

export interface RequestRecord {
  readonly watch: boolean;
  readonly resourceVersion: string | undefined;
}

export class ScriptedApiServer {
  readonly #server: https.Server;
  readonly caPem: string;
  #rv = 1;
  #compactedBelow = 0;
  readonly #objects = new Map<string, KubeObject>();
  readonly #events: StoredEvent[] = [];
  readonly #watchers = new Set<Watcher>();
  readonly #sockets = new Set<Socket>();
  /** Every request, in order (what the cache asked for). */
  readonly requests: RequestRecord[] = [];
  /** The kind is not served: every request answers 404. */
  missing = false;
  /** New watches get headers but never an event (a black-holed stream). */
  silent = false;
  /** Resets every new connection's request (the client sees ECONNRESET). */
  reset = false;
  /** Answers this HTTP status to the next requests while it is set. */
  failWith: number | undefined;
  /** List pages served. */
  pages = 0;
  /** The token the server accepts (401 for any other). */
  acceptedToken = SCRIPTED_TOKEN;

  private constructor(server: https.Server, caPem: string) {
    this.#server = server;
    this.caPem = caPem;
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      this.#handle(request, response);
    });
  }

  static async start(
    handler?: (request: IncomingMessage, response: ServerResponse) => boolean,
  ): Promise<ScriptedApiServer> {
    const pki = await createClusterPki('scripted');
    const server = https.createServer({ cert: pki.servingCert, key: pki.servingKey });
    const scripted = new ScriptedApiServer(server, pki.caCert);
    if (handler !== undefined) scripted.#custom = handler;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return scripted;
  }

  #custom: ((request: IncomingMessage, response: ServerResponse) => boolean) | undefined;

  get url(): string {
    return `https://127.0.0.1:${String((this.#server.address() as AddressInfo).port)}`;
  }

  client(limits: Partial<RequestLimits> = {}, cluster = 'scripted'): KubeClient {
    return new KubeClient(
      cluster,
      staticCredentials({ server: this.url, caPem: this.caPem, token: SCRIPTED_TOKEN }),
      limits,
    );
  }

  get resourceVersion(): string {
    return String(this.#rv);
  }

  /** The objects as the server holds them, by name. */
  state(): Map<string, KubeObject> {
    return new Map(this.#objects);
  }

  watchCount(): number {
    return this.#watchers.size;
  }

  #mutate(type: StoredEvent['type'], name: string, data?: Record<string, string>): void {
    this.#rv++;
    const object: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name,
        namespace: SCRIPTED_NAMESPACE,
        resourceVersion: String(this.#rv),
        // What a real server sends and no pass reads.
        managedFields: [{ manager: 'test', operation: 'Update' }],
      },
      ...(data === undefined ? {} : { data }),
    };
    if (type === 'DELETED') {
      const existing = this.#objects.get(name);
      if (existing === undefined) return;
      this.#objects.delete(name);
      const gone = { ...existing, metadata: { ...existing.metadata, resourceVersion: String(this.#rv) } };
      this.#record({ rv: this.#rv, type, object: gone });
      return;
    }
    this.#objects.set(name, object);
    this.#record({ rv: this.#rv, type, object });
  }

  #record(event: StoredEvent): void {
    this.#events.push(event);
    for (const watcher of this.#watchers) this.#send(watcher, { type: event.type, object: event.object });
  }

  add(name: string, data: Record<string, string> = {}): void {
    this.#mutate(this.#objects.has(name) ? 'MODIFIED' : 'ADDED', name, data);
  }

  update(name: string, data: Record<string, string>): void {
    this.#mutate(this.#objects.has(name) ? 'MODIFIED' : 'ADDED', name, data);
  }

  delete(name: string): void {
    this.#mutate('DELETED', name);
  }

  /** Changes only the resourceVersion (a write nobody reads a difference in). */
  touch(name: string): void {
    const existing = this.#objects.get(name);
    if (existing === undefined) return;
    this.#mutate('MODIFIED', name, (existing as { data?: Record<string, string> }).data ?? {});
  }

  /** Forgets the history: a watch from any earlier version gets 410 Gone. */
  compact(): void {
    this.#compactedBelow = this.#rv;
    this.#events.length = 0;
  }

  bookmark(): void {
    this.#rv++;
    for (const watcher of this.#watchers) {
      this.#send(watcher, {
        type: 'BOOKMARK',
        object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: String(this.#rv) } },
      });
    }
  }

  /** An ERROR event in every open watch stream, which then ends (as the API server does). */
  errorEvent(code: number, reason = 'Expired'): void {
    for (const watcher of [...this.#watchers]) {
      this.#send(watcher, {
        type: 'ERROR',
        object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message: `scripted ${reason}` },
      });
      watcher.response.end();
      this.#watchers.delete(watcher);
    }
  }

  /** Resets every connection (watches break mid-stream). */
  disconnect(): void {
    this.#watchers.clear();
    for (const socket of this.#sockets) socket.destroy();
  }

  async stop(): Promise<void> {
    this.disconnect();
    await new Promise<void>((resolve) =>
      this.#server.close(() => {
        resolve();
      }),
    );
  }

  #send(watcher: Watcher, event: unknown): void {
    if (this.silent) return;
    watcher.response.write(`${JSON.stringify(event)}\n`);
  }

  #status(response: ServerResponse, code: number, reason: string): void {
    response.writeHead(code, { 'Content-Type': 'application/json' });
    response.end(
      JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        code,
        reason,
        message: `scripted ${reason}`,
      }),
    );
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    if (this.#custom?.(request, response) === true) return;
    const url = new URL(request.url ?? '/', this.url);
    const watch = url.searchParams.get('watch') === '1' || url.searchParams.get('watch') === 'true';
    const resourceVersion = url.searchParams.get('resourceVersion') ?? undefined;
    this.requests.push({ watch, resourceVersion });
    if (this.reset) {
      request.socket.destroy();
      return;
    }
    if (request.headers.authorization !== `Bearer ${this.acceptedToken}`) {
      this.#status(response, 401, 'Unauthorized');
      return;
    }
    if (this.missing || url.pathname !== SCRIPTED_PATH) {
      this.#status(response, 404, 'NotFound');
      return;
    }
    if (this.failWith !== undefined) {
      this.#status(response, this.failWith, 'Scripted');
      return;
    }
    if (!watch) {
      // Pages by offset (a real server's continue token is opaque too); every page has the same version.
      const all = [...this.#objects.values()].map(({ apiVersion: _a, kind: _k, ...item }) => item);
      const limit = Number(url.searchParams.get('limit') ?? '0');
      const offset = Number(url.searchParams.get('continue') ?? '0');
      const items = limit > 0 ? all.slice(offset, offset + limit) : all;
      const more = limit > 0 && offset + limit < all.length;
      this.pages++;
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(
        JSON.stringify({
          kind: 'ConfigMapList',
          apiVersion: 'v1',
          metadata: { resourceVersion: String(this.#rv), ...(more ? { continue: String(offset + limit) } : {}) },
          items,
        }),
      );
      return;
    }
    const from = Number(resourceVersion ?? '0');
    if (from < this.#compactedBelow) {
      this.#status(response, 410, 'Expired');
      return;
    }
    response.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    response.flushHeaders();
    const watcher = { response, socket: request.socket };
    for (const event of this.#events)
      if (event.rv > from) this.#send(watcher, { type: event.type, object: event.object });
    this.#watchers.add(watcher);
    const timeout = Number(url.searchParams.get('timeoutSeconds') ?? '0');
    const timer =
      timeout > 0
        ? setTimeout(() => {
            this.#watchers.delete(watcher);
            response.end();
          }, timeout * 1000)
        : undefined;
    request.socket.on('close', () => {
      if (timer !== undefined) clearTimeout(timer);
      this.#watchers.delete(watcher);
    });
  }
}
