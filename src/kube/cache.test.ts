// The list+watch cache against a scripted API server over real HTTPS, driven step by step.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import fc from 'fast-check';
import type { KubeObject } from '../api/meta.ts';
import { ClusterCache, type CacheTimings } from './cache.ts';
import { CONFIG_MAP } from './resources.ts';
import { SCRIPTED_NAMESPACE, ScriptedApiServer } from './scripted-api-server.ts';

const FAST: Partial<CacheTimings> = {
  baseBackoffMs: 10,
  maxBackoffMs: 80,
  absentRetryMs: 50,
  watchTimeoutSeconds: 300,
};

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function dataOf(objects: readonly KubeObject[]): Record<string, unknown> {
  return Object.fromEntries(
    objects
      .map((object) => [object.metadata.name, (object as { data?: unknown }).data] as const)
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
}

function serverData(server: ScriptedApiServer): Record<string, unknown> {
  return dataOf([...server.state().values()]);
}

interface Harness {
  readonly cache: ClusterCache;
  changes: number;
}

/** Stops the cache and puts the server back as it was, whatever the test left behind. */
async function cleanUp(server: ScriptedApiServer, ...caches: ClusterCache[]): Promise<void> {
  for (const cache of caches) cache.stop();
  server.failWith = undefined;
  server.missing = false;
  server.reset = false;
  server.silent = false;
  for (const name of server.state().keys()) server.delete(name);
  await until('watches closed', () => server.watchCount() === 0);
}

function watching(server: ScriptedApiServer, cache: ClusterCache): () => boolean {
  return () => cache.health().synced && cache.health().healthy && server.watchCount() > 0;
}

function watchWith(server: ScriptedApiServer, required = true, idleMs = 60_000): Harness {
  const harness = { changes: 0 } as { cache: ClusterCache; changes: number };
  harness.cache = new ClusterCache(
    server.client({ watchIdleTimeoutMs: idleMs, requestTimeoutMs: 2000 }),
    [{ type: CONFIG_MAP, namespace: SCRIPTED_NAMESPACE, required }],
    () => {
      harness.changes++;
    },
    FAST,
  );
  harness.cache.start();
  return harness;
}

/** A cache of the scripted ConfigMaps, stopped when the test ends, once it is synced and watching. */
async function startWatching(
  t: TestContext,
  server: ScriptedApiServer,
  required = true,
  idleMs = 60_000,
): Promise<Harness> {
  const harness = watchWith(server, required, idleMs);
  t.after(() => cleanUp(server, harness.cache));
  await until('watching', watching(server, harness.cache));
  return harness;
}

/** Breaks the watch and makes every request fail (503) until the cache reports itself unhealthy. */
async function failWatch(server: ScriptedApiServer, cache: ClusterCache): Promise<void> {
  server.failWith = 503;
  server.disconnect();
  await until('failing', () => !cache.health().healthy);
}

function lists(server: ScriptedApiServer): number {
  return server.requests.filter((request) => !request.watch).length;
}

describe('list+watch cache against a scripted API server', () => {
  let server: ScriptedApiServer;
  before(async () => {
    server = await ScriptedApiServer.start();
  });
  after(async () => {
    await server.stop();
  });

  it('lists, applies watch events, and drops managedFields', async (t) => {
    server.add('a', { v: '1' });
    const { cache } = watchWith(server);
    t.after(() => cleanUp(server, cache));
    await until('synced', () => cache.health().synced && server.watchCount() > 0);
    server.add('b', { v: '2' });
    server.update('a', { v: '3' });
    server.delete('b');
    await until('events applied', () => JSON.stringify(dataOf(cache.objects())) === JSON.stringify(serverData(server)));
    for (const object of cache.objects()) assert.equal('managedFields' in object.metadata, false);
    server.delete('a');
  });

  it('takes bookmarks as the version to resume from, with no change callback', async (t) => {
    const harness = await startWatching(t, server);
    const changes = harness.changes;
    server.bookmark();
    const bookmarked = server.resourceVersion;
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(harness.changes, changes, 'a bookmark is not a change');
    const listsBefore = lists(server);
    server.disconnect();
    await until('resumed', () => server.watchCount() > 0 && server.requests.at(-1)?.resourceVersion === bookmarked);
    assert.equal(lists(server), listsBefore, 'resumed without a relist');
  });

  it('a touch that changes nothing a pass reads calls no one', async (t) => {
    server.add('quiet', { v: '1' });
    const harness = watchWith(server);
    t.after(() => cleanUp(server, harness.cache));
    await until('watching', () => watching(server, harness.cache)() && harness.cache.objects().length === 1);
    const changes = harness.changes;
    server.touch('quiet');
    const version = server.resourceVersion;
    await until('version seen', () => harness.cache.objects()[0]?.metadata.resourceVersion === version);
    assert.equal(harness.changes, changes);
    server.update('quiet', { v: '2' });
    await until('a real change', () => harness.changes === changes + 1);
  });

  it('breaks mid-stream, resumes from its version without a relist, and is healthy again', async (t) => {
    server.add('r', { v: '1' });
    const { cache } = await startWatching(t, server);
    const listsBefore = lists(server);
    await failWatch(server, cache);
    assert.equal(cache.health().synced, true, 'the last known state stays synced');
    assert.deepEqual(dataOf(cache.objects()), { r: { v: '1' } }, 'objects kept');
    server.add('r2', { v: '2' });
    server.failWith = undefined;
    await until('healthy again', () => cache.health().healthy && !cache.health().unreachable);
    await until('caught up', () => JSON.stringify(dataOf(cache.objects())) === JSON.stringify(serverData(server)));
    assert.equal(lists(server), listsBefore, 'resumed, not relisted');
    server.delete('r2');
  });

  it('a connection reset marks the cluster unreachable until a re-watch succeeds, then clears it', async (t) => {
    server.add('u', { v: '1' });
    const { cache } = await startWatching(t, server);
    const listsBefore = lists(server);
    server.reset = true;
    server.disconnect();
    await until('unreachable', () => cache.health().unreachable);
    assert.equal(cache.health().synced, true);
    assert.deepEqual(dataOf(cache.objects()), { u: { v: '1' } }, 'objects kept');
    server.reset = false;
    await until('reachable and healthy', () => cache.health().healthy && !cache.health().unreachable);
    assert.equal(lists(server), listsBefore, 'resumed from its version, not relisted');
  });

  it('relists on 410 Gone from a watch after compaction', async (t) => {
    server.add('g', { v: '1' });
    const { cache } = await startWatching(t, server);
    const listsBefore = lists(server);
    await failWatch(server, cache);
    server.delete('g');
    server.add('g2', { v: '2' });
    server.compact();
    server.failWith = undefined;
    await until('relisted', () => lists(server) > listsBefore && cache.health().healthy);
    await until('equal', () => JSON.stringify(dataOf(cache.objects())) === JSON.stringify(serverData(server)));
    server.delete('g2');
  });

  it('relists on a 410 ERROR event inside the stream', async (t) => {
    const { cache } = await startWatching(t, server);
    const listsBefore = lists(server);
    server.errorEvent(410, 'Expired');
    await until('relisted', () => lists(server) > listsBefore && server.watchCount() > 0);
    assert.ok(cache.health().healthy);
  });

  it('reports another ERROR event, keeps the objects, and recovers', async (t) => {
    server.add('e', { v: '1' });
    const { cache } = await startWatching(t, server);
    server.failWith = 500;
    server.errorEvent(500, 'InternalError');
    await until('failing', () => !cache.health().healthy);
    assert.match(cache.health().lastError ?? '', /500/);
    assert.deepEqual(dataOf(cache.objects()), { e: { v: '1' } });
    server.failWith = undefined;
    await until('healthy', () => cache.health().healthy);
  });

  it('a 404 on a required kind is "not synced" and keeps the objects; on an optional kind it is absent', async (t) => {
    server.add('keep', { v: '1' });
    const required = watchWith(server, true);
    const optional = watchWith(server, false);
    t.after(() => cleanUp(server, required.cache, optional.cache));
    await until('synced', () => required.cache.health().synced && optional.cache.health().synced);
    server.missing = true;
    server.disconnect();
    await until('not synced', () => !required.cache.health().synced);
    assert.equal(required.cache.health().types.ConfigMap, 'error');
    assert.equal(required.cache.health().unreachable, false);
    assert.deepEqual(dataOf(required.cache.objects()), { keep: { v: '1' } }, 'objects kept');
    await until('absent', () => optional.cache.health().types.ConfigMap === 'absent');
    assert.equal(optional.cache.health().synced, true);
    server.missing = false;
    await until('synced again', () => required.cache.health().synced && required.cache.health().healthy);
  });

  it('a required kind that was never served never counts as synced', async (t) => {
    server.missing = true;
    const { cache } = watchWith(server, true);
    t.after(() => cleanUp(server, cache));
    await until('settled', () => cache.settled());
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(cache.health().synced, false);
  });

  it('lists in pages, so a collection larger than the size cap still syncs', async (t) => {
    for (let i = 0; i < 12; i++) server.add(`big-${String(i).padStart(2, '0')}`, { blob: 'x'.repeat(2000) });
    const client = server.client({ maxResponseBytes: 8 * 1024 });
    const paged = new ClusterCache(client, [{ type: CONFIG_MAP, namespace: SCRIPTED_NAMESPACE }], () => undefined, {
      ...FAST,
      listPageSize: 3,
    });
    const whole = new ClusterCache(client, [{ type: CONFIG_MAP, namespace: SCRIPTED_NAMESPACE }], () => undefined, {
      ...FAST,
      listPageSize: 100,
    });
    t.after(() => cleanUp(server, paged, whole));
    const pagesBefore = server.pages;
    paged.start();
    whole.start();
    await until('paged synced', () => paged.health().synced);
    assert.equal(paged.objects().length, 12);
    assert.ok(server.pages - pagesBefore >= 4, 'four pages of three');
    await until('whole failed', () => whole.health().types.ConfigMap === 'error');
    assert.match(
      whole.health().lastError ?? '',
      /^cluster scripted: GET \/api\/v1\/namespaces\/scripted\/configmaps: the response exceeds 8 KiB$/,
    );
    assert.equal(whole.health().synced, false);
  });

  it('reconnects a silent (black-holed) stream after the idle timeout, without an error', async (t) => {
    const harness = await startWatching(t, server, true, 300);
    server.silent = true;
    const watches = server.requests.filter((request) => request.watch).length;
    server.add('s', { v: '1' });
    await until('reconnected', () => server.requests.filter((request) => request.watch).length > watches, 3000);
    server.silent = false;
    await until('caught up', () => harness.cache.objects().some((object) => object.metadata.name === 's'));
    assert.ok(harness.cache.health().healthy);
    server.delete('s');
  });
});

describe('list+watch cache property', () => {
  it('after any sequence of adds, updates, deletes, compactions and disconnects, it settles to the server state', async () => {
    const server = await ScriptedApiServer.start();
    const started = performance.now();
    let cases = 0;
    try {
      const step = fc.oneof(
        fc.record({ op: fc.constant('add' as const), name: fc.constantFrom('a', 'b', 'c', 'd'), v: fc.nat(9) }),
        fc.record({ op: fc.constant('delete' as const), name: fc.constantFrom('a', 'b', 'c', 'd') }),
        fc.record({ op: fc.constant('touch' as const), name: fc.constantFrom('a', 'b', 'c', 'd') }),
        fc.record({
          op: fc.constantFrom('compact' as const, 'disconnect' as const, 'bookmark' as const, 'gone' as const),
        }),
        fc.record({ op: fc.constant('pause' as const), ms: fc.integer({ min: 0, max: 15 }) }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
          cases++;
          for (const name of server.state().keys()) server.delete(name);
          const { cache } = watchWith(server);
          try {
            await until('first sync', () => cache.health().synced, 3000);
            for (const s of steps) {
              switch (s.op) {
                case 'add':
                  server.add(s.name, { v: String(s.v) });
                  break;
                case 'delete':
                  server.delete(s.name);
                  break;
                case 'touch':
                  server.touch(s.name);
                  break;
                case 'compact':
                  server.compact();
                  break;
                case 'disconnect':
                  server.disconnect();
                  break;
                case 'bookmark':
                  server.bookmark();
                  break;
                case 'gone':
                  server.errorEvent(410);
                  break;
                case 'pause':
                  await new Promise((resolve) => setTimeout(resolve, s.ms));
                  break;
              }
            }
            const want = JSON.stringify(serverData(server));
            await until(
              'settled',
              () => cache.health().healthy && JSON.stringify(dataOf(cache.objects())) === want,
              4000,
            );
          } finally {
            cache.stop();
          }
        }),
        { seed: 1414, numRuns: 400, interruptAfterTimeLimit: 60_000 },
      );
    } finally {
      await server.stop();
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`cache property: ${String(cases)} cases in ${seconds.toFixed(1)} s (seed 1414)`);
  });
});
