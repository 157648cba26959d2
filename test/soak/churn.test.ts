// Soak: the controller under steady seeded churn for MESHHUB_SOAK_MINUTES (default 8): TrafficPolicies
// created, edited and deleted, workloads scaled, cluster-2's API server stopped for 10 s every few
// minutes. Every 10 s the controller's heap, RSS and reconcile rate are sampled from its /metrics.
// After a warm-up (the first quarter of the run, at least 1 minute):
//   - heap: the median of the last quarter of the samples is at most 1.3 x the median of the first
//     quarter (+ 8 MiB for allocator noise); the slope of a linear fit is printed;
//   - reconcile rate: never above MAX_RATE per second (no hot retry loop) and still reconciling at the
//     end (the last quarter's median is at least a third of the first quarter's).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEPLOYMENT, resourcePath, typeOfObject } from '../../src/kube/resources.ts';
import { restartApiServer, stopApiServer } from '../../src/testenv/launcher.ts';
import type { RunningController } from '../e2e/support.ts';
import {
  NS,
  WORKLOAD_CLUSTERS,
  chaosSeed,
  percentile,
  seededRandom,
  startEstateController,
  startMeshEstate,
  timeoutPolicy,
  type MeshEstate,
} from '../support/mesh-estate.ts';

const MINUTES = Number(process.env.MESHHUB_SOAK_MINUTES ?? '8');
const SAMPLE_MS = 10_000;
const MAX_RATE = 10;
const HEAP_GROWTH = 1.3;
const HEAP_SLACK_MIB = 8;
const OUTAGE_EVERY_MS = 150_000;
const MiB = 1024 * 1024;
const TRAFFIC_POLICY = typeOfObject('networking.mesh.gloo.solo.io/v1', 'TrafficPolicy');

let estate: MeshEstate | undefined;
let controller: RunningController | undefined;

interface Sample {
  readonly minute: number;
  readonly heapMiB: number;
  readonly rssMiB: number;
  readonly reconcilesPerSecond: number;
  readonly written: number;
  readonly actions: number;
}

/** Least-squares slope of y over x. */
function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const num = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

describe(`soak: ${String(MINUTES)} minutes of churn`, { timeout: (MINUTES + 10) * 60_000 }, () => {
  before(async () => {
    estate = await startMeshEstate({});
    controller = await startEstateController(estate);
  });

  after(async () => {
    await controller?.stop();
    await estate?.stop();
  });

  it('keeps heap and reconcile rate flat', async () => {
    assert.ok(estate && controller && TRAFFIC_POLICY);
    const target = controller;
    const world = estate;
    const seed = chaosSeed();
    const random = seededRandom(seed);
    const live = new Map<string, string>(); // policy name -> cluster
    let counter = 0;
    let actions = 0;
    let actionErrors = 0;
    let outages = 0;
    const services = ['ratings', 'reviews', 'details', 'productpage'];
    const policyType = TRAFFIC_POLICY;
    const pick = <T>(list: readonly T[]): T | undefined => list[Math.floor(random() * list.length)];

    const churn = async () => {
      const roll = random();
      const cluster = pick(WORKLOAD_CLUSTERS) ?? 'cluster-1';
      if (roll < 0.35 || live.size === 0) {
        if (live.size >= 40) return;
        counter += 1;
        const name = `soak-${String(counter)}`;
        const policy = timeoutPolicy(name, cluster, 1 + Math.floor(random() * 60));
        const service = pick(services) ?? 'ratings';
        const spec = policy.spec as { destinationSelector: { kubeServiceRefs: { services: { name: string }[] } }[] };
        for (const ref of spec.destinationSelector[0]?.kubeServiceRefs.services ?? []) ref.name = service;
        await world.mgmt.apply(policy);
        live.set(name, cluster);
      } else if (roll < 0.7) {
        const name = pick([...live.keys()]);
        if (name === undefined) return;
        await world.mgmt.apply(timeoutPolicy(name, live.get(name) ?? 'cluster-1', 1 + Math.floor(random() * 60)));
      } else if (roll < 0.85) {
        const name = pick([...live.keys()]);
        if (name === undefined) return;
        await world.mgmt.delete(policyType, name, NS);
        live.delete(name);
      } else {
        // Scaling makes Pods come and go (the controller manager runs; nothing schedules them).
        const deployment = pick(['reviews-v1', 'reviews-v2', 'details-v1']) ?? 'reviews-v1';
        await world.clients[cluster].request(
          'PATCH',
          resourcePath(DEPLOYMENT, 'bookinfo', deployment),
          { spec: { replicas: 1 + Math.floor(random() * 3) } },
          'application/merge-patch+json',
        );
      }
      actions += 1;
    };

    const started = performance.now();
    const end = started + MINUTES * 60_000;
    const state = { running: true };
    const churner = (async () => {
      let nextOutage = started + OUTAGE_EVERY_MS;
      while (state.running) {
        if (performance.now() >= nextOutage) {
          nextOutage += OUTAGE_EVERY_MS;
          outages += 1;
          await stopApiServer(world.env, 'cluster-2');
          await new Promise((r) => setTimeout(r, 10_000));
          world.env = await restartApiServer(world.env, 'cluster-2');
          continue;
        }
        await churn().catch(() => {
          actionErrors += 1;
        });
        await new Promise((r) => setTimeout(r, 300 + random() * 1400));
      }
    })();

    const samples: Sample[] = [];
    let lastReconciles = await target.metric('meshhub_reconciles_total');
    let lastAt = performance.now();
    while (performance.now() < end) {
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
      const now = performance.now();
      const reconciles = await target.metric('meshhub_reconciles_total');
      samples.push({
        minute: (now - started) / 60_000,
        heapMiB: (await target.metric('nodejs_heap_size_used_bytes')) / MiB,
        rssMiB: (await target.metric('process_resident_memory_bytes')) / MiB,
        reconcilesPerSecond: (reconciles - lastReconciles) / ((now - lastAt) / 1000),
        written: await target.metric('meshhub_objects_written_total'),
        actions,
      });
      lastReconciles = reconciles;
      lastAt = now;
    }
    state.running = false;
    await churner;

    const warm = samples.filter((s) => s.minute >= Math.max(1, MINUTES / 4));
    const quarter = Math.max(1, Math.floor(warm.length / 4));
    const first = warm.slice(0, quarter);
    const last = warm.slice(-quarter);
    const median = (list: readonly Sample[], key: 'heapMiB' | 'reconcilesPerSecond') =>
      percentile(
        list.map((s) => s[key]),
        50,
      );
    const heapSlope = slope(warm.map((s) => ({ x: s.minute, y: s.heapMiB })));
    const rssSlope = slope(warm.map((s) => ({ x: s.minute, y: s.rssMiB })));
    const maxRate = Math.max(...samples.map((s) => s.reconcilesPerSecond));
    console.log(
      [
        `soak: seed ${String(seed)}, ${String(MINUTES)} min, ${String(actions)} churn actions (${String(actionErrors)} failed, some during outages), ${String(outages)} cluster-2 API server outages of 10 s, ${String(live.size)} policies at the end`,
        'soak:   min  heap MiB  rss MiB  reconciles/s  objects written  churn actions',
        ...samples.map(
          (s) =>
            `soak: ${s.minute.toFixed(1).padStart(5)} ${s.heapMiB.toFixed(1).padStart(9)} ${s.rssMiB.toFixed(1).padStart(8)} ${s.reconcilesPerSecond.toFixed(2).padStart(13)} ${String(s.written).padStart(16)} ${String(s.actions).padStart(14)}`,
        ),
        `soak: after warm-up (${String(warm.length)} samples): heap median first quarter ${median(first, 'heapMiB').toFixed(1)} MiB, last quarter ${median(last, 'heapMiB').toFixed(1)} MiB, slope ${heapSlope.toFixed(2)} MiB/min (RSS ${rssSlope.toFixed(2)} MiB/min)`,
        `soak: reconcile rate median first quarter ${median(first, 'reconcilesPerSecond').toFixed(2)}/s, last quarter ${median(last, 'reconcilesPerSecond').toFixed(2)}/s, max ${maxRate.toFixed(2)}/s`,
      ].join('\n'),
    );

    assert.ok(warm.length >= 4, `enough samples after warm-up (${String(warm.length)})`);
    assert.ok(
      median(last, 'heapMiB') <= median(first, 'heapMiB') * HEAP_GROWTH + HEAP_SLACK_MIB,
      `heap grew from ${median(first, 'heapMiB').toFixed(1)} to ${median(last, 'heapMiB').toFixed(1)} MiB (bound x${String(HEAP_GROWTH)} + ${String(HEAP_SLACK_MIB)} MiB)`,
    );
    assert.ok(maxRate <= MAX_RATE, `reconcile rate peaked at ${maxRate.toFixed(2)}/s (bound ${String(MAX_RATE)}/s)`);
    assert.ok(
      median(last, 'reconcilesPerSecond') >= median(first, 'reconcilesPerSecond') / 3,
      'the controller still reconciles the churn at the end',
    );
  });
});
