// The dashboard's diff and explain handlers: input checked at the boundary (errors name the document,
// field or parameter), the estate-read requirement, the body limit, one computation at a time, and
// answers that match their schemas, on a golden estate served by a real HTTP server of the dashboard.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../api/meta.ts';
import { loadInputTree } from '../snapshot/load.ts';
import type { Authenticator } from './access.ts';
import { DiffResult, Explanation } from './api-schema.ts';
import { ComputeGate } from './compute-gate.ts';
import { ComputeError, EstateCompute, parseDiffBody, parseExplainQuery, redactSecrets } from './estate-compute.ts';
import type { EstateReader } from './estate-source.ts';
import { EstateIndex, type EstateObjects } from './estate-view.ts';
import { startDashboard, type RunningDashboard } from './server.ts';

const CASE = join(import.meta.dirname, '..', '..', 'testdata', 'networking', 'guide-bookinfo-multicluster-shift');
const NS = 'gloo-mesh';

function bad(work: () => unknown, status: number, pattern: RegExp): void {
  assert.throws(work, (error: unknown) => {
    assert.ok(error instanceof ComputeError, String(error));
    assert.equal(error.status, status);
    assert.match(error.message, pattern);
    return true;
  });
}

const yaml = (text: string) => Buffer.from(text);

const ratingsTimeout = (timeout: string, name = 'ratings-timeout') => `apiVersion: networking.mesh.gloo.solo.io/v1
kind: TrafficPolicy
metadata:
  name: ${name}
  namespace: ${NS}
spec:
  destinationSelector:
    - kubeServiceMatcher:
        labels: { app: ratings }
        namespaces: [bookinfo]
  policy:
    requestTimeout: ${timeout}
`;

describe('diff body', () => {
  it('takes policy documents, placing one without namespace in the install namespace', () => {
    const objects = parseDiffBody(
      yaml(
        `${ratingsTimeout('3s')}---\napiVersion: networking.mesh.gloo.solo.io/v1\nkind: AccessPolicy\nmetadata: { name: a }\nspec: {}\n`,
      ),
      NS,
    );
    assert.deepEqual(
      objects.map((o) => [o.object.kind, o.object.metadata.namespace, o.object.metadata.name, o.source.document]),
      [
        ['TrafficPolicy', NS, 'ratings-timeout', 0],
        ['AccessPolicy', NS, 'a', 1],
      ],
    );
  });

  it('names the document of what it refuses', () => {
    bad(() => parseDiffBody(yaml(''), NS), 400, /request body holds no policy/);
    bad(() => parseDiffBody(yaml('a: [1'), NS), 400, /^request body/);
    bad(
      () => parseDiffBody(yaml('apiVersion: networking.mesh.gloo.solo.io/v1\nkind: TrafficPolicy\nmetadata: {}\n'), NS),
      400,
      /^request body \(document 0\): missing required field metadata\.name$/,
    );
    bad(
      () =>
        parseDiffBody(
          yaml(`${ratingsTimeout('3s')}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\n`),
          NS,
        ),
      400,
      /^request body \(document 1\): Deployment web \(apps\/v1\): the diff takes only TrafficPolicy, AccessPolicy/,
    );
    bad(
      () => parseDiffBody(yaml(`${ratingsTimeout('3s')}---\n${ratingsTimeout('4s')}`), NS),
      400,
      /document 1\): TrafficPolicy gloo-mesh\/ratings-timeout is given twice: here and in document 0/,
    );
    bad(() => parseDiffBody(Buffer.from([0x61, 0x3a, 0x20, 0xff, 0xfe]), NS), 400, /request body.*not UTF-8/);
  });
});

describe('explain query', () => {
  const parse = (query: string) => parseExplainQuery(new URLSearchParams(query));

  it('reads the request, header names in lower case', () => {
    assert.deepEqual(parse('to=reviews-bookinfo-cluster-1&method=post&path=/r/1&header=X-User=jason&header=a=b=c'), {
      to: 'reviews-bookinfo-cluster-1',
      method: 'POST',
      path: '/r/1',
      headers: { 'x-user': 'jason', a: 'b=c' },
    });
    assert.deepEqual(parse('to=ratings&from='), { to: 'ratings', headers: {} });
  });

  it('names the parameter it refuses', () => {
    bad(() => parse(''), 400, /^to: required: the Destination/);
    bad(() => parse('to=Reviews!'), 400, /^to: a Destination name/);
    bad(() => parse('to=a&to=b'), 400, /^to: give it once/);
    bad(() => parse('to=a&method=G E T'), 400, /^method: an HTTP method/);
    bad(() => parse('to=a&path=reviews'), 400, /^path: a path starting with \//);
    bad(() => parse('to=a&header=novalue'), 400, /^header "novalue": expected NAME=VALUE/);
    bad(() => parse('to=a&cluster=c1'), 400, /unknown query parameter cluster/);
  });
});

describe('redactSecrets', () => {
  it('replaces Secret values in created objects and in field changes, and leaves the rest', () => {
    const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'n' } };
    const diff = redactSecrets({
      changed: true,
      counts: { created: 1, updated: 1, deleted: 0 },
      clusters: [
        {
          cluster: 'cluster-1',
          objects: [
            {
              apiVersion: 'v1',
              kind: 'Secret',
              namespace: 'n',
              name: 's',
              change: 'created',
              object: { ...secret, data: { key: 'c2VjcmV0' } },
            },
            {
              apiVersion: 'v1',
              kind: 'Secret',
              namespace: 'n',
              name: 't',
              change: 'updated',
              fields: [
                { path: 'data["ca.crt"]', before: 'YQ==', after: 'Yg==' },
                { path: 'metadata.labels.a', after: 'x' },
              ],
            },
          ],
        },
      ],
      policies: [],
    });
    const text = JSON.stringify(diff);
    assert.ok(!text.includes('c2VjcmV0') && !text.includes('YQ==') && !text.includes('Yg=='), text);
    assert.match(text, /"key":"\(redacted\)"/);
    assert.match(text, /"path":"metadata.labels.a","after":"x"/);
  });
});

describe('compute gate', () => {
  it('runs one at a time, lets a few wait, and refuses the rest as busy', async () => {
    const gate = new ComputeGate({ maxWaiting: 1, maxWaitMs: 5000 });
    const order: string[] = [];
    let release: () => void = () => undefined;
    const first = gate.run(
      () =>
        new Promise<string>((resolve) => {
          order.push('first started');
          release = () => {
            order.push('first done');
            resolve('first');
          };
        }),
    );
    const second = gate.run(() => {
      order.push('second started');
      return Promise.resolve('second');
    });
    await assert.rejects(
      gate.run(() => Promise.resolve('third')),
      /another diff or explain is being computed/,
    );
    release();
    assert.deepEqual(await Promise.all([first, second]), ['first', 'second']);
    assert.deepEqual(order, ['first started', 'first done', 'second started']);
  });

  it('refuses a waiter whose turn does not come in time', async () => {
    const gate = new ComputeGate({ maxWaiting: 2, maxWaitMs: 50 });
    let release: () => void = () => undefined;
    const first = gate.run(() => new Promise<void>((resolve) => (release = resolve)));
    await assert.rejects(
      gate.run(() => Promise.resolve()),
      /still being computed/,
    );
    release();
    await first;
    assert.equal(await gate.run(() => Promise.resolve('free again')), 'free again');
  });
});

function goldenMgmt(): EstateObjects {
  const dir = join(CASE, 'output', 'mgmt');
  const objects = readdirSync(dir).flatMap((file) =>
    parseAllDocuments(readFileSync(join(dir, file), 'utf8'))
      .map((doc) => doc.toJSON() as KubeObject | null)
      .filter((o): o is KubeObject => o !== null),
  );
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  return {
    clusters: of('KubernetesCluster'),
    meshes: of('Mesh'),
    workloads: of('Workload'),
    destinations: of('Destination'),
    trafficPolicies: of('TrafficPolicy'),
    accessPolicies: of('AccessPolicy'),
    virtualMeshes: of('VirtualMesh'),
  };
}

describe('the diff and explain API on a golden estate', () => {
  let dashboard: RunningDashboard | undefined;
  let releaseLive: (() => void) | undefined;
  const index = new EstateIndex(goldenMgmt(), 1);
  const source: EstateReader = {
    installNamespace: NS,
    revision: 1,
    synced: () => true,
    health: () => ({}),
    index: () => index,
    onChange: () => () => undefined,
    since: () => '2026-12-03T00:00:00.000Z',
    outputs: () => Promise.resolve([]),
  };
  // "reader" may read everything; "team" may not read Destinations in the install namespace.
  const access: Authenticator = {
    authenticate: (authorization) =>
      Promise.resolve(
        authorization === 'Bearer reader' || authorization === 'Bearer team'
          ? {
              ok: true,
              viewer: {
                user: authorization.slice(7),
                visibility: () =>
                  Promise.resolve((kind) => authorization === 'Bearer reader' || kind !== 'destinations'),
              },
            }
          : { ok: false, status: 401, message: 'sign in' },
      ),
  };
  const call = async (path: string, init: RequestInit = {}, token = 'reader') => {
    const response = await fetch(new URL(path, dashboard?.url), {
      ...init,
      headers: { Authorization: `Bearer ${token}`, ...(init.headers as Record<string, string> | undefined) },
    });
    return { status: response.status, headers: response.headers, body: await response.json() };
  };
  const post = (body: string | Buffer, token = 'reader', type = 'application/yaml') =>
    call('/api/diff', { method: 'POST', body, headers: { 'Content-Type': type } }, token);

  before(async () => {
    const snapshot = loadInputTree(join(CASE, 'input'), { installNamespace: NS });
    dashboard = await startDashboard({
      source,
      access,
      host: '127.0.0.1',
      port: 0,
      version: 'test',
      compute: new EstateCompute({
        installNamespace: NS,
        live: async () => {
          // A test may hold the estate read, to see a second request wait or be refused.
          if (releaseLive !== undefined) await new Promise<void>((resolve) => (releaseLive = resolve));
          return { snapshot, options: {}, warnings: ['cluster cluster-3: unreachable'] };
        },
        gate: new ComputeGate({ maxWaiting: 0 }),
      }),
    });
  });
  after(() => dashboard?.stop());

  it('diffs posted YAML: the changes per cluster and the status each policy would get', async () => {
    const { status, headers, body } = await post(ratingsTimeout('3s'));
    assert.equal(status, 200, JSON.stringify(body));
    const diff = DiffResult.parse(body);
    assert.ok(diff.changed);
    const changedClusters = diff.clusters.map((c) => c.cluster).filter((c) => c !== 'mgmt');
    assert.deepEqual(changedClusters, ['cluster-1', 'cluster-2']);
    for (const cluster of diff.clusters.filter((c) => c.cluster !== 'mgmt')) {
      const ratings = cluster.objects.find((o) => o.kind === 'VirtualService' && o.name === 'ratings');
      assert.ok(ratings !== undefined, `a VirtualService for ratings in ${cluster.cluster}`);
    }
    assert.deepEqual(
      diff.policies.map((p) => [p.name, p.before?.state, p.after?.state]),
      [['ratings-timeout', undefined, 'ACCEPTED']],
    );
    assert.deepEqual(JSON.parse(decodeURIComponent(headers.get('x-mesh-hub-warnings') ?? '')), [
      'cluster cluster-3: unreachable',
    ]);
  });

  it('shows an invalid policy with its status naming the field, and says no change for the estate as it is', async () => {
    const invalid = DiffResult.parse((await post(ratingsTimeout('soon'))).body);
    const policy = invalid.policies.find((p) => p.name === 'ratings-timeout');
    assert.equal(policy?.after?.state, 'INVALID');
    assert.match(policy.after.errors.join('\n'), /requestTimeout/);
    const same = readFileSync(join(CASE, 'input', 'mgmt', 'traffic-policies.yaml'));
    const unchanged = DiffResult.parse((await post(same)).body);
    assert.equal(unchanged.changed, false);
    assert.deepEqual(unchanged.clusters, []);
  });

  it('refuses bad bodies with a clear error before reading the estate', async () => {
    const deployment = await post('apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\n');
    assert.equal(deployment.status, 400);
    assert.match(JSON.stringify(deployment.body), /document 0\): Deployment web/);
    const huge = await post(Buffer.alloc(2 ** 20 + 1, 0x61));
    assert.equal(huge.status, 413);
    assert.deepEqual(huge.body, {
      error: 'the request body is over 1 MiB; send fewer policies at a time',
      code: 'too-large',
    });
    assert.equal((await post(ratingsTimeout('3s'), 'reader', 'multipart/form-data')).status, 415);
    const get = await fetch(new URL('/api/diff', dashboard?.url), { headers: { Authorization: 'Bearer reader' } });
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    const put = await fetch(new URL('/api/overview', dashboard?.url), { method: 'POST' });
    assert.equal(put.status, 405, 'the rest of the API stays read-only');
  });

  it('asks for a token and for read access to the whole estate', async () => {
    assert.equal((await post(ratingsTimeout('3s'), 'nobody')).status, 401);
    const team = await post(ratingsTimeout('3s'), 'team');
    assert.equal(team.status, 403);
    assert.match(JSON.stringify(team.body), /you may not list destinations in gloo-mesh/);
    assert.equal((await call('/api/explain?to=reviews-bookinfo-cluster-1', {}, 'team')).status, 403);
  });

  it('explains a request: route, TrafficPolicy, backends and the access decision', async () => {
    const workload = index.objects.workloads.find((w) => w.metadata.name.startsWith('productpage'));
    assert.ok(workload !== undefined);
    const { status, body } = await call(
      `/api/explain?to=reviews-bookinfo-cluster-1&from=${workload.metadata.name}&path=/reviews/1&header=x-user=jason`,
    );
    assert.equal(status, 200, JSON.stringify(body));
    const answer = Explanation.parse(body);
    assert.ok(!('error' in answer.route));
    assert.deepEqual(answer.route.trafficPolicies, [`${NS}/simple`]);
    assert.deepEqual(
      answer.route.backends.map((b) => b.weight).sort((a, b) => a - b),
      [10, 15, 75],
    );
    assert.equal(answer.access.decision, 'ALLOW');
    assert.deepEqual(answer.request.headers, { 'x-user': 'jason' });
    const unknown = await call('/api/explain?to=nothing-here');
    assert.equal(unknown.status, 404);
    assert.match(JSON.stringify(unknown.body), /no Destination named nothing-here/);
    assert.equal((await call('/api/explain?to=a&method=1')).status, 400);
  });

  it('computes one at a time: a second request while one runs is refused as busy', async () => {
    releaseLive = () => undefined;
    const first = post(ratingsTimeout('3s'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = await call('/api/explain?to=reviews-bookinfo-cluster-1');
    assert.equal(second.status, 429);
    assert.equal(second.headers.get('retry-after'), '2');
    const release = releaseLive;
    releaseLive = undefined;
    release();
    assert.equal((await first).status, 200);
  });
});
