// The chaos tests' fault proxy, each mode against a local echo server (TCP) and an HTTPS server
// whose certificate names 127.0.0.1 (TLS passes through and still verifies; 5xx bursts terminate it).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpsServer, request as httpsRequest, type Server as HttpsServer } from 'node:https';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createClusterPki, type ClusterPki } from '../../src/testenv/pki.ts';
import { FaultProxy } from '../support/fault-proxy.ts';

let echo: Server;
let echoPort: number;

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Collects what arrives on `socket` until `length` bytes are in, or rejects after `timeoutMs`. */
function receive(socket: Socket, length: number, timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      socket.off('data', onData);
      reject(new Error(`received ${size} of ${length} bytes within ${timeoutMs} ms`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= length) {
        clearTimeout(timer);
        socket.off('data', onData);
        resolve(Buffer.concat(chunks));
      }
    };
    socket.on('data', onData);
  });
}

/** Resolves with the error code when the socket fails or 'closed' when it closes cleanly. */
function ending(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    socket.once('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code ?? 'error');
    });
    socket.once('close', () => {
      resolve('closed');
    });
  });
}

describe('fault proxy', () => {
  before(async () => {
    echo = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.pipe(socket);
    });
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    echoPort = (echo.address() as AddressInfo).port;
  });
  after(() => {
    echo.close();
  });

  it('passes bytes both ways unchanged and counts them', async () => {
    const proxy = await FaultProxy.start({ target: { host: '127.0.0.1', port: echoPort } });
    try {
      const socket = await open(proxy.port);
      const data = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < data.length; i++) data[i] = (i * 31) % 251;
      const received = receive(socket, data.length);
      socket.write(data);
      assert.ok((await received).equals(data));
      assert.equal(proxy.stats.bytesUp, data.length);
      assert.equal(proxy.stats.bytesDown, data.length);
      socket.destroy();
    } finally {
      await proxy.close();
    }
  });

  it('reset: live connections are reset mid-stream, new ones on accept, and pass heals', async () => {
    const proxy = await FaultProxy.start({ target: { host: '127.0.0.1', port: echoPort } });
    try {
      const live = await open(proxy.port);
      const first = receive(live, 5);
      live.write('hello');
      assert.equal((await first).toString(), 'hello');
      const liveEnd = ending(live);
      proxy.setMode({ kind: 'reset' });
      assert.equal(await liveEnd, 'ECONNRESET');
      const fresh = connect({ host: '127.0.0.1', port: proxy.port });
      assert.equal(await ending(fresh), 'ECONNRESET');
      proxy.setMode({ kind: 'pass' });
      const healed = await open(proxy.port);
      const back = receive(healed, 2);
      healed.write('ok');
      assert.equal((await back).toString(), 'ok');
      healed.destroy();
      assert.ok(proxy.stats.reset >= 2);
    } finally {
      await proxy.close();
    }
  });

  it('black-hole: accepts and forwards nothing, then delivers in order when healed', async () => {
    const proxy = await FaultProxy.start({ target: { host: '127.0.0.1', port: echoPort } });
    try {
      const live = await open(proxy.port);
      proxy.setMode({ kind: 'black-hole' });
      const held = await open(proxy.port); // accepted while black-holed
      const liveData = receive(live, 6, 3000);
      const heldData = receive(held, 4, 3000);
      live.write('abc');
      held.write('wxyz');
      live.write('def');
      const early = await Promise.race([
        liveData.then(() => 'echoed'),
        heldData.then(() => 'echoed'),
        new Promise((r) => setTimeout(r, 400, 'silent')),
      ]);
      assert.equal(early, 'silent', 'nothing crosses a black-hole');
      assert.equal(proxy.stats.bytesUp, 0);
      proxy.setMode({ kind: 'pass' });
      assert.equal((await liveData).toString(), 'abcdef');
      assert.equal((await heldData).toString(), 'wxyz');
      live.destroy();
      held.destroy();
    } finally {
      await proxy.close();
    }
  });

  it('drip: forwards at most N bytes per interval in each direction', async () => {
    const proxy = await FaultProxy.start({ target: { host: '127.0.0.1', port: echoPort } });
    try {
      const socket = await open(proxy.port);
      proxy.setMode({ kind: 'drip', bytes: 100, intervalMs: 50 });
      const data = Buffer.from('x'.repeat(1000));
      const started = performance.now();
      const received = receive(socket, data.length, 10_000);
      socket.write(data);
      assert.ok((await received).equals(data));
      const elapsed = performance.now() - started;
      // 1000 bytes at 100 bytes per 50 ms need at least 9 ticks (the first tick comes after 50 ms).
      assert.ok(elapsed >= 400, `took ${elapsed.toFixed(0)} ms, faster than the drip allows`);
      proxy.setMode({ kind: 'pass' });
      const fast = receive(socket, data.length);
      const t0 = performance.now();
      socket.write(data);
      await fast;
      assert.ok(performance.now() - t0 < 200, 'pass is fast again');
      socket.destroy();
    } finally {
      await proxy.close();
    }
  });

  describe('over TLS', () => {
    let pki: ClusterPki;
    let server: HttpsServer;
    let serverPort: number;
    const get = (port: number) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = httpsRequest(
          { host: '127.0.0.1', port, path: '/readyz', ca: pki.caCert, agent: false },
          (response) => {
            let body = '';
            response.on('data', (chunk: Buffer) => (body += chunk.toString()));
            response.on('end', () => {
              resolve({ status: response.statusCode ?? 0, body });
            });
          },
        );
        request.on('error', reject);
        request.end();
      });

    before(async () => {
      pki = await createClusterPki('proxy-test');
      server = createHttpsServer({ cert: pki.servingCert, key: pki.servingKey }, (_request, response) => {
        response.end('ok');
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      serverPort = (server.address() as AddressInfo).port;
    });
    after(() => {
      server.close();
      server.closeAllConnections();
    });

    it('passes TLS through untouched (the client verifies the upstream certificate) and bursts 5xx', async () => {
      const proxy = await FaultProxy.start({
        target: { host: '127.0.0.1', port: serverPort },
        tls: { cert: pki.servingCert, key: pki.servingKey },
      });
      try {
        assert.deepEqual(await get(proxy.port), { status: 200, body: 'ok' });
        proxy.setMode({ kind: 'http-5xx', status: 503 });
        const failed = await get(proxy.port);
        assert.equal(failed.status, 503);
        assert.match(failed.body, /"kind":"Status"/);
        proxy.setMode({ kind: 'http-5xx', status: 500 });
        assert.equal((await get(proxy.port)).status, 500);
        proxy.setMode({ kind: 'pass' });
        assert.deepEqual(await get(proxy.port), { status: 200, body: 'ok' });
        assert.equal(proxy.stats.errorResponses, 2);
      } finally {
        await proxy.close();
      }
    });

    it('refuses the 5xx mode without the upstream certificate', async () => {
      const proxy = await FaultProxy.start({ target: { host: '127.0.0.1', port: serverPort } });
      try {
        assert.throws(() => {
          proxy.setMode({ kind: 'http-5xx', status: 503 });
        }, /needs the upstream certificate/);
      } finally {
        await proxy.close();
      }
    });
  });
});
