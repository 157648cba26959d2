// The management plane's HTTP endpoints: /healthz (the process is serving), /readyz (caches have
// synced), /metrics (Prometheus text format).
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface HttpOptions {
  readonly host: string;
  readonly port: number;
  readonly ready: () => boolean;
  readonly registry: Registry;
}

export async function startHttpServer(options: HttpOptions): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET') {
      response.writeHead(405).end();
      return;
    }
    switch (path) {
      case '/healthz':
        response.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
        return;
      case '/readyz': {
        const ready = options.ready();
        response
          .writeHead(ready ? 200 : 503, { 'Content-Type': 'text/plain' })
          .end(ready ? 'ok\n' : 'caches not synced\n');
        return;
      }
      case '/metrics':
        options.registry.metrics().then(
          (text) => {
            response.writeHead(200, { 'Content-Type': options.registry.contentType }).end(text);
          },
          () => {
            response.writeHead(500).end();
          },
        );
        return;
      default:
        response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return { server, port };
}
