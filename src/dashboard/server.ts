// The dashboard's HTTP server: the read-only JSON API under /api (each answer limited to what the
// requesting user may read), live changes as server-sent events, and the built web UI with a strict
// Content-Security-Policy. Only GET and HEAD are served, and POST /api/diff, which computes what posted
// policies would change and writes nothing; nothing here writes to any cluster.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import type { Logger } from 'pino';
import type { ClusterReading } from '../cli/describe-model.ts';
import { installNamespacesOfPolicy } from '../cli/describe-model.ts';
import type { EstateMetrics, MetricsProvider } from '../metrics/model.ts';
import type { AccessResult, Authenticator, Viewer } from './access.ts';
import { ListQuery, type ApiError, type MetricsState } from './api-schema.ts';
import type { EstateReader } from './estate-source.ts';
import {
  ComputeError,
  parseDiffBody,
  parseExplainQuery,
  readBody,
  requireEstateRead,
  warningsHeader,
  type EstateCompute,
} from './estate-compute.ts';
import { metricsStateOf, type EstateIndex, type Visibility } from './estate-view.ts';
import { openApiDocument } from './openapi.ts';

export interface DashboardOptions {
  readonly source: EstateReader;
  readonly access: Authenticator;
  readonly metrics?: MetricsProvider;
  /** Diff and explain on the live estate; without it /api/diff and /api/explain answer 503. */
  readonly compute?: EstateCompute;
  /** The built UI (`npm run build:web` writes dist/web); without it only the API is served. */
  readonly webRoot?: string;
  readonly host: string;
  readonly port: number;
  readonly version: string;
  readonly logger?: Logger;
  /** How long the metrics provider may take before a page is answered without metrics. */
  readonly metricsTimeoutMs?: number;
  /** How often at most a `change` event is sent (changes in between are coalesced). */
  readonly eventIntervalMs?: number;
  /** The clock (epoch ms): which certificates are expiring. */
  readonly now?: () => number;
}

export interface RunningDashboard {
  readonly server: Server;
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

/** The default place of the built UI: dist/web next to src/ (in a checkout) or dist/ (installed). */
export const DEFAULT_WEB_ROOT = join(import.meta.dirname, '..', '..', 'dist', 'web');

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const MAX_EVENT_STREAMS = 1000;
const DEFAULT_WINDOW_SECONDS = 300;

class HttpError extends Error {
  readonly status: number;
  readonly code: ApiError['code'];
  constructor(status: number, code: ApiError['code'], message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  head: boolean,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(head ? undefined : text);
}

function windowOf(url: URL): number {
  const raw = url.searchParams.get('window');
  if (raw === null) return DEFAULT_WINDOW_SECONDS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 10 || value > 86_400) {
    throw new HttpError(400, 'bad-request', `window=${raw}: give whole seconds from 10 to 86400`);
  }
  return value;
}

function decode(segment: string | undefined): string {
  if (segment === undefined || segment === '') throw new HttpError(400, 'bad-request', 'missing path segment');
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'bad-request', `path segment ${JSON.stringify(segment)} is not valid`);
  }
}

export async function startDashboard(options: DashboardOptions): Promise<RunningDashboard> {
  const { source } = options;
  const log = options.logger;
  const streams = new Set<ServerResponse>();

  async function metricsFor(windowSeconds: number): Promise<{ metrics?: EstateMetrics; state: MetricsState }> {
    const provider = options.metrics;
    if (provider === undefined) return { state: metricsStateOf(undefined, windowSeconds, undefined) };
    const timeoutMs = options.metricsTimeoutMs ?? 5000;
    try {
      const metrics = await provider.estate(windowSeconds, AbortSignal.timeout(timeoutMs));
      return { metrics, state: metricsStateOf(metrics, windowSeconds, undefined) };
    } catch (error) {
      const reason =
        error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
          ? `the metrics sources did not answer within ${String(timeoutMs)} ms`
          : `the metrics could not be read: ${error instanceof Error ? error.message : String(error)}`;
      return { state: metricsStateOf(undefined, windowSeconds, reason) };
    }
  }

  async function readingsFor(namespaces: readonly string[]): Promise<ClusterReading[]> {
    const all = await Promise.all(
      namespaces.map((ns) =>
        source.outputs(ns).catch((error: unknown): ClusterReading[] => [
          {
            cluster: `registered clusters of ${ns}`,
            reachable: false,
            error: error instanceof Error ? error.message : String(error),
            objects: [],
          },
        ]),
      ),
    );
    return all.flat();
  }

  async function api(path: string, url: URL, viewer: Viewer): Promise<unknown> {
    if (!source.synced() && source.index().objects.clusters.length === 0 && source.health().lastError !== undefined) {
      throw new HttpError(503, 'internal', `the management cluster cannot be read: ${source.health().lastError ?? ''}`);
    }
    const index: EstateIndex = source.index();
    const visible: Visibility = await viewer.visibility(index.namespaces());
    const parts = path.split('/').slice(2); // after '', 'api'
    const [resource, ...rest] = parts;
    switch (resource) {
      case 'overview': {
        if (rest.length > 0) break;
        const { state } = await metricsFor(windowOf(url));
        return index.overview(visible, (cluster, clusterState) => source.since(cluster, clusterState), state);
      }
      case 'destinations':
      case 'workloads': {
        const kind = resource;
        if (rest.length === 0) {
          const parsed = ListQuery.safeParse(Object.fromEntries(url.searchParams));
          if (!parsed.success) {
            throw new HttpError(
              400,
              'bad-request',
              parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
            );
          }
          const { metrics, state } = await metricsFor(windowOf(url));
          return kind === 'destinations'
            ? index.destinationPage(parsed.data, visible, metrics, state)
            : index.workloadPage(parsed.data, visible, metrics, state);
        }
        if (rest.length !== 2) break;
        const namespace = decode(rest[0]);
        const name = decode(rest[1]);
        const object = kind === 'destinations' ? index.destination(namespace, name) : index.workload(namespace, name);
        if (object === undefined || !visible(kind, namespace)) {
          throw new HttpError(
            404,
            'not-found',
            `${kind === 'destinations' ? 'Destination' : 'Workload'} ${namespace}/${name} not found`,
          );
        }
        const { metrics } = await metricsFor(windowOf(url));
        if (kind === 'workloads') return index.workloadDetail(object, visible, metrics);
        return index.destinationDetail(object, visible, await readingsFor([namespace]), metrics);
      }
      case 'policies': {
        if (rest.length === 0) return index.policies(visible);
        if (rest.length !== 3) break;
        const kindText = decode(rest[0]);
        const kind = kindText === 'TrafficPolicy' || kindText === 'AccessPolicy' ? kindText : undefined;
        if (kind === undefined)
          throw new HttpError(400, 'bad-request', `${kindText}: the kind is TrafficPolicy or AccessPolicy`);
        const namespace = decode(rest[1]);
        const name = decode(rest[2]);
        const policy = index.policy(kind, namespace, name);
        if (
          policy === undefined ||
          !visible(kind === 'TrafficPolicy' ? 'trafficPolicies' : 'accessPolicies', namespace)
        ) {
          throw new HttpError(404, 'not-found', `${kind} ${namespace}/${name} not found`);
        }
        const namespaces = installNamespacesOfPolicy(policy);
        return index.policyDetail(
          policy,
          visible,
          await readingsFor(namespaces.length > 0 ? namespaces : [source.installNamespace]),
        );
      }
      case 'virtualmeshes': {
        if (rest.length > 0) break;
        const anyShared = index.objects.virtualMeshes.some(
          (v) => (v as { spec?: { mtlsConfig?: { shared?: unknown } } }).spec?.mtlsConfig?.shared !== undefined,
        );
        const readings = anyShared ? await readingsFor([source.installNamespace]) : [];
        return index.virtualMeshes(visible, readings, (options.now ?? Date.now)());
      }
      case 'graph': {
        if (rest.length > 0) break;
        const { metrics, state } = await metricsFor(windowOf(url));
        return index.graph(visible, metrics, state);
      }
      default:
        break;
    }
    throw new HttpError(404, 'not-found', `no API at ${path}`);
  }

  function openEvents(request: IncomingMessage, response: ServerResponse): void {
    if (streams.size >= MAX_EVENT_STREAMS) {
      sendJson(response, 503, { error: 'too many open event streams', code: 'internal' }, false);
      return;
    }
    response.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    streams.add(response);
    response.write(`retry: 2000\nevent: change\ndata: ${JSON.stringify({ revision: source.revision })}\n\n`);
    const interval = options.eventIntervalMs ?? 250;
    let timer: NodeJS.Timeout | undefined;
    let sent = source.revision;
    const flush = () => {
      timer = undefined;
      if (source.revision === sent) return;
      sent = source.revision;
      response.write(`event: change\ndata: ${JSON.stringify({ revision: sent })}\n\n`);
    };
    const unsubscribe = source.onChange(() => {
      timer ??= setTimeout(flush, interval);
    });
    const heartbeat = setInterval(() => response.write(': keep-alive\n\n'), 15_000);
    heartbeat.unref();
    const close = () => {
      unsubscribe();
      clearInterval(heartbeat);
      if (timer !== undefined) clearTimeout(timer);
      streams.delete(response);
    };
    request.once('close', close);
    response.once('close', close);
  }

  async function serveStatic(path: string, response: ServerResponse, head: boolean): Promise<void> {
    const root = options.webRoot ?? DEFAULT_WEB_ROOT;
    const wanted = normalize(join(root, decode(path === '/' ? '/index.html' : path)));
    let file = wanted.startsWith(root + sep) ? wanted : join(root, 'index.html');
    let info = await stat(file).catch(() => undefined);
    if (info === undefined || !info.isFile()) {
      // The UI routes on the client: any other page path is the app.
      file = join(root, 'index.html');
      info = await stat(file).catch(() => undefined);
    }
    if (info === undefined) {
      response.writeHead(404, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('The dashboard UI is not built: run `npm run build:web`. The API is at /api/openapi.json.\n');
      return;
    }
    const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
    response.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': type,
      'Content-Length': info.size,
      // Built assets carry a content hash in their name; the page itself is always fetched again.
      'Cache-Control': file.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    if (head) {
      response.end();
      return;
    }
    createReadStream(file).pipe(response);
  }

  /** POST /api/diff and GET /api/explain: input checked before the (costly) estate read. */
  async function compute(request: IncomingMessage, path: string, url: URL, viewer: Viewer) {
    const { compute } = options;
    if (compute === undefined)
      throw new HttpError(503, 'internal', 'diff and explain are not available on this dashboard');
    await requireEstateRead(viewer, source.index(), compute.installNamespace);
    if (path === '/api/diff') return compute.diff(parseDiffBody(await readBody(request), compute.installNamespace));
    return compute.explain(parseExplainQuery(url.searchParams));
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', 'http://dashboard.invalid');
    const path = url.pathname;
    const allowed = path === '/api/diff' ? ['POST'] : ['GET', 'HEAD'];
    if (!allowed.includes(method)) {
      response.writeHead(405, { ...SECURITY_HEADERS, Allow: allowed.join(', ') }).end();
      return;
    }
    const head = method === 'HEAD';
    if (path === '/healthz') {
      response.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain' }).end('ok\n');
      return;
    }
    if (!path.startsWith('/api/')) {
      await serveStatic(path, response, head);
      return;
    }
    if (path === '/api/openapi.json') {
      sendJson(response, 200, openApiDocument(options.version), head);
      return;
    }
    const access: AccessResult = await options.access.authenticate(request.headers.authorization);
    if (!access.ok) {
      sendJson(
        response,
        access.status,
        {
          error: access.message,
          code: access.status === 401 ? 'unauthenticated' : access.status === 403 ? 'forbidden' : 'internal',
        },
        head,
      );
      return;
    }
    if (path === '/api/events') {
      openEvents(request, response);
      return;
    }
    if (path === '/api/diff' || path === '/api/explain') {
      const answer = await compute(request, path, url, access.viewer);
      sendJson(response, 200, answer.body, head, warningsHeader(answer.warnings));
      return;
    }
    const body = await api(path, url, access.viewer);
    sendJson(response, 200, body, head);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (error instanceof HttpError || error instanceof ComputeError) {
        const headers = error instanceof ComputeError ? error.headers : {};
        if (!response.headersSent)
          sendJson(response, error.status, { error: error.message, code: error.code }, false, headers);
        // A body refused half-read is drained (so the client reads the answer), for a few seconds at most.
        if (error instanceof ComputeError && error.status === 413 && !request.complete) {
          request.resume();
          setTimeout(() => request.destroy(), 5000).unref();
        }
        return;
      }
      log?.error(
        { err: error instanceof Error ? error.message : String(error), path: (request.url ?? '').split('?')[0] },
        'dashboard request failed',
      );
      if (!response.headersSent) sendJson(response, 500, { error: 'internal error', code: 'internal' }, false);
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const hostText = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    server,
    port,
    url: `http://${hostText === '0.0.0.0' ? '127.0.0.1' : hostText}:${String(port)}/`,
    async stop() {
      for (const stream of streams) stream.end();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
      server.closeAllConnections();
    },
  };
}
