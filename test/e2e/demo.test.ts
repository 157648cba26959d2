// `meshctl demo` is the README's first command: it must bring up the whole story and tear it down.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { after, describe, it } from 'node:test';
import { isAlive as alive } from '../../src/testenv/launcher.ts';
import { meshctl } from './support.ts';

const dir = join(mkdtempSync(join(tmpdir(), 'mesh-hub-demo-test-')), 'demo');
process.env.MESHHUB_DEMO_DIR = dir;

// Its start took 298 s once on a loaded 2-core CI machine (the metrics steps included).
describe('meshctl demo', { timeout: 480_000 }, () => {
  after(async () => {
    await meshctl(['demo', 'down']);
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });

  it('starts three clusters, installs and registers, discovers bookinfo and applies a policy, then stops', async () => {
    const up = await meshctl(['demo']);
    assert.equal(up.code, 0, up.stderr + up.stdout);
    for (const step of ['1/6', '2/6', '3/6', '4/6', '5/6', '6/6']) assert.ok(up.stdout.includes(step), step);
    assert.match(up.stdout, /discovered 2 meshes, 9 workloads, 8 destinations/);
    assert.match(up.stdout, /Mesh {9}istiod-istio-system-cluster-2/);
    assert.match(up.stdout, /cluster-1 {2}VirtualService bookinfo\/ratings/);
    assert.match(up.stdout, /cluster-2 {2}VirtualService bookinfo\/ratings/);
    assert.ok(up.stdout.includes(`export KUBECONFIG=${join(dir, 'env', 'kubeconfig')}`));
    assert.match(up.stdout, /npx meshctl demo down/);

    const state = JSON.parse(readFileSync(join(dir, 'demo.json'), 'utf8')) as {
      controllerPid: number;
      metricsPids: number[];
      env: { clusters: { pids: number[] }[] };
    };
    // The management plane, 3 × (etcd, kube-apiserver, controller manager), the traffic generator and 2 Prometheus.
    const pids = [state.controllerPid, ...state.env.clusters.flatMap((c) => c.pids), ...state.metricsPids];
    assert.equal(pids.length, 13);
    assert.ok(pids.every(alive));

    // Live traffic from the first minute: each cluster's Prometheus is registered and answers.
    assert.match(up.stdout, /cluster-2: http:\/\/127\.0\.0\.1:\d+/);
    const kubeconfig = join(dir, 'env', 'kubeconfig');
    const topArgs = [
      '--kubeconfig',
      kubeconfig,
      '--context',
      'mgmt',
      '-o',
      'json',
      'top',
      'destinations',
      '--window',
      '10s',
    ];
    let top = await meshctl(topArgs);
    for (
      let tries = 0;
      tries < 40 && !/"name": "ratings-bookinfo-cluster-2",[^}]*"rps": [1-9]/.test(top.stdout);
      tries++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      top = await meshctl(topArgs);
    }
    assert.equal(top.code, 0, top.stderr);
    assert.match(top.stdout, /"name": "ratings-bookinfo-cluster-2",[^}]*"rps": [1-9]/, top.stdout);

    // The dashboard the demo printed answers for the mgmt user's token, with the discovered estate.
    const dashboardUrl = /the dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(up.stdout)?.[1];
    assert.ok(dashboardUrl !== undefined, up.stdout);
    const users = (parse(readFileSync(kubeconfig, 'utf8')) as { users: { name: string; user: { token?: string } }[] })
      .users;
    const mgmtToken = users.find((user) => user.name === 'mgmt-admin')?.user.token;
    assert.ok(mgmtToken !== undefined, 'the demo kubeconfig has a token for mgmt');
    const unauthenticated = await fetch(new URL('api/overview', dashboardUrl));
    assert.equal(unauthenticated.status, 401);
    const destinations = await fetch(new URL('api/destinations', dashboardUrl), {
      headers: { Authorization: `Bearer ${mgmtToken}` },
    });
    assert.equal(destinations.status, 200);
    assert.match(await destinations.text(), /ratings-bookinfo-cluster-2/);

    const again = await meshctl(['demo']);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /already running/);

    const down = await meshctl(['demo', 'down']);
    assert.equal(down.code, 0, down.stderr);
    const left = pids.filter(alive).map((pid) => {
      const status = existsSync(`/proc/${pid}/status`) ? readFileSync(`/proc/${pid}/status`, 'utf8') : '';
      return `${pid} ${status.split('\n').slice(0, 3).join(' ')}`;
    });
    assert.deepEqual(left, [], 'every process of the demo is stopped');
    assert.ok(!existsSync(dir));
    const downAgain = await meshctl(['demo', 'down']);
    assert.match(downAgain.stdout, /No demo is running/);
  });
});
