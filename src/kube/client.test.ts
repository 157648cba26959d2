// The client's limits and credential refresh against local HTTPS servers.
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubeApiError, KubeClient } from './client.ts';
import { inClusterCredentials, TOKEN_CHECK_INTERVAL_MS } from './credentials.ts';
import { SCRIPTED_PATH, ScriptedApiServer } from './scripted-api-server.ts';

const DRIP_PATH = '/api/v1/namespaces/slow/configmaps';
const BIG_PATH = '/api/v1/namespaces/big/configmaps';
const HANG_PATH = '/api/v1/namespaces/hang/configmaps';

/** Serves a slow drip (a byte every 100 ms, forever) and big bodies, with and without a Content-Length. */
function special(request: IncomingMessage, response: ServerResponse): boolean {
  const url = new URL(request.url ?? '/', 'https://x');
  if (url.pathname === HANG_PATH) return true; // a black hole: never answers
  if (url.pathname === DRIP_PATH) {
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.write('{');
    const timer = setInterval(() => response.write(' '), 100);
    response.on('close', () => {
      clearInterval(timer);
    });
    return true;
  }
  if (url.pathname === BIG_PATH) {
    const body = JSON.stringify({ items: [], metadata: {}, padding: 'x'.repeat(2 * 1024 * 1024) });
    const chunked = url.searchParams.get('chunked') === '1';
    response.writeHead(200, {
      'Content-Type': 'application/json',
      ...(chunked ? {} : { 'Content-Length': String(Buffer.byteLength(body)) }),
    });
    if (chunked) {
      for (let i = 0; i < body.length; i += 65536) response.write(body.slice(i, i + 65536));
      response.end();
    } else response.end(body);
    return true;
  }
  return false;
}

describe('KubeClient limits', () => {
  let server: ScriptedApiServer;
  before(async () => {
    server = await ScriptedApiServer.start(special);
  });
  after(async () => {
    await server.stop();
  });

  it('fails a slow-drip response at the overall deadline, naming cluster and path', async () => {
    const client = server.client({ requestTimeoutMs: 800 }, 'cluster-slow');
    const started = performance.now();
    await assert.rejects(client.request('GET', DRIP_PATH), (error: unknown) => {
      assert.ok(error instanceof KubeApiError);
      assert.equal(error.reason, 'Timeout');
      assert.match(error.message, /^cluster cluster-slow: GET \/api\/v1\/namespaces\/slow\/configmaps: .*within 0.8 s/);
      return true;
    });
    const elapsed = performance.now() - started;
    console.log(`slow drip: failed after ${elapsed.toFixed(0)} ms (deadline 800 ms, a byte every 100 ms)`);
    assert.ok(elapsed >= 750 && elapsed < 2000, `failed at the deadline (${elapsed.toFixed(0)} ms)`);
  });

  it('fails a response over the size cap, with or without a Content-Length', async () => {
    const client = server.client({ maxResponseBytes: 1024 * 1024 }, 'cluster-big');
    for (const suffix of ['', '?chunked=1']) {
      await assert.rejects(client.request('GET', BIG_PATH + suffix), (error: unknown) => {
        assert.ok(error instanceof KubeApiError);
        assert.equal(error.reason, 'ResponseTooLarge');
        assert.equal(
          error.message,
          'cluster cluster-big: GET /api/v1/namespaces/big/configmaps: the response exceeds 1 MiB',
        );
        return true;
      });
    }
    // Under the cap the same body is read.
    const roomy = server.client({ maxResponseBytes: 4 * 1024 * 1024 });
    const list = await roomy.request<{ padding: string }>('GET', BIG_PATH);
    assert.equal(list.padding.length, 2 * 1024 * 1024);
  });

  it('a watch that never answers fails at the request deadline', async () => {
    const client = server.client({ requestTimeoutMs: 500 });
    const started = performance.now();
    const closed = await new Promise<KubeApiError | undefined>((resolve) => {
      client.watch(
        HANG_PATH,
        { resourceVersion: '1' },
        { onOpen: () => undefined, onEvent: () => undefined, onClose: resolve },
      );
    });
    assert.equal(closed?.reason, 'Timeout');
    assert.ok(performance.now() - started < 1500);
  });
});

describe('in-cluster credentials', () => {
  let server: ScriptedApiServer;
  let dir: string;
  before(async () => {
    server = await ScriptedApiServer.start();
    dir = mkdtempSync(join(tmpdir(), 'serviceaccount-'));
    writeFileSync(join(dir, 'ca.crt'), server.caPem);
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** As the kubelet does: the new token appears by a rename. */
  function rotate(token: string): void {
    writeFileSync(join(dir, 'token.new'), token);
    renameSync(join(dir, 'token.new'), join(dir, 'token'));
  }

  it('picks up a rotated token when the file changes, and at once after a 401', async () => {
    const url = new URL(server.url);
    rotate('token-1');
    server.acceptedToken = 'token-1';
    let now = 0;
    const client = new KubeClient(
      'mgmt',
      inClusterCredentials({ dir, host: url.hostname, port: url.port, now: () => now }),
    );
    await client.request('GET', SCRIPTED_PATH);
    // Rotated, and the old token no longer accepted; the clock has moved past the check interval.
    rotate('token-2');
    server.acceptedToken = 'token-2';
    now += TOKEN_CHECK_INTERVAL_MS;
    const before = server.requests.length;
    await client.request('GET', SCRIPTED_PATH);
    assert.equal(server.requests.length - before, 1, 'the new token was used at once, without a 401 first');
    // Rotated again within the check interval: the 401 makes the client read the file and retry once.
    rotate('token-3');
    server.acceptedToken = 'token-3';
    const before3 = server.requests.length;
    await client.request('GET', SCRIPTED_PATH);
    assert.equal(server.requests.length - before3, 2, 'one 401, one retry');
    // A token the server does not take is an error after that one retry.
    server.acceptedToken = 'token-4';
    await assert.rejects(client.request('GET', SCRIPTED_PATH), (error: unknown) => {
      assert.ok(error instanceof KubeApiError);
      assert.equal(error.status, 401);
      assert.ok(!error.message.includes('token-3'), 'no token in the message');
      return true;
    });
  });
});
