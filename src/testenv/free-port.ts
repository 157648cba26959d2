// A free loopback port, for a process that takes its port as a flag (the test environment's API
// servers, Prometheus, the demo's webhook and dashboard). The port is free when this returns; the
// process that is given it binds it soon after.
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolvePort(port);
      });
    });
  });
}
