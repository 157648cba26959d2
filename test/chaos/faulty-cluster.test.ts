// Chaos: the controller reaches cluster-1 and cluster-2 through fault proxies of the test's own while a
// TrafficPolicy on each cluster is edited every 300 ms. At seeded random moments cluster-2's proxy
// turns faulty for a few seconds (connections reset, black-holed, dripped, or every request a 5xx),
// then heals. What must hold:
//   - no output is deleted on any cluster (the test only edits policies, so the intended deletes are 0);
//     counted by a witness watching each API server directly with admin credentials;
//   - after each heal, cluster-2 shows the version that was current at the heal within CONVERGE_S;
//   - cluster-1's change-to-output latency during cluster-2's faults stays below P99_BOUND_MS.
// MESHHUB_CHAOS_SEED replays a run; MESHHUB_CHAOS_FAULTS sets the number of faults (default 6).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../testenv/helpers.ts';
import type { RunningController } from '../e2e/support.ts';
import type { FaultMode } from '../support/fault-proxy.ts';
import {
  OWNED,
  chaosSeed,
  percentile,
  seededRandom,
  startEstateController,
  startMeshEstate,
  timeoutOf,
  timeoutPolicy,
  type MeshEstate,
  type WorkloadCluster,
} from '../support/mesh-estate.ts';
import { startOutputWitness, type OutputWitness } from '../support/output-witness.ts';

const EDIT_INTERVAL_MS = 300;
const BASELINE_MS = 15_000;
const CONVERGE_S = 20;
const P99_BOUND_MS = 2000;
const FAULTS = Number(process.env.MESHHUB_CHAOS_FAULTS ?? '6');

let estate: MeshEstate | undefined;
let controller: RunningController | undefined;
const witnesses: Partial<Record<WorkloadCluster, OutputWitness>> = {};

/** When each version of the two policies was written (ms, performance.now()). */
const edited = new Map<number, number>();
let version = 0;

/** First time a cluster's ratings VirtualService showed a version >= v, per the witness. */
function reachedAt(witness: OutputWitness, v: number): number | undefined {
  for (const event of witness.events) {
    if (event.kind !== 'VirtualService' || event.name !== 'ratings' || event.type === 'DELETED') continue;
    const seen = timeoutOf(event.object);
    if (seen !== undefined && seen >= v) return event.at;
  }
  return undefined;
}

function latencies(witness: OutputWitness, from: number, to: number): number[] {
  const found: number[] = [];
  for (const [v, at] of edited) {
    if (at < from || at > to) continue;
    const reached = reachedAt(witness, v);
    found.push(reached === undefined ? Number.POSITIVE_INFINITY : reached - at);
  }
  return found;
}

function describeMode(mode: FaultMode): string {
  switch (mode.kind) {
    case 'drip':
      return `drip ${String(mode.bytes)}B/${String(mode.intervalMs)}ms`;
    case 'http-5xx':
      return `http-${String(mode.status)}`;
    case 'pass':
    case 'reset':
    case 'black-hole':
      return mode.kind;
  }
}

describe('chaos: a faulty workload cluster while policies keep changing', { timeout: 900_000 }, () => {
  before(async () => {
    estate = await startMeshEstate({ proxied: ['cluster-1', 'cluster-2'] });
    for (const cluster of ['cluster-1', 'cluster-2'] as const)
      witnesses[cluster] = await startOutputWitness(estate.env.kubeconfigPath, cluster, OWNED);
    controller = await startEstateController(estate);
  });

  after(async () => {
    for (const witness of Object.values(witnesses)) witness.stop();
    await controller?.stop();
    await estate?.stop();
  });

  it('deletes nothing, converges after each heal and keeps cluster-1 fast', async () => {
    assert.ok(estate && controller);
    const { mgmt, proxies } = estate;
    const c1 = witnesses['cluster-1'];
    const c2 = witnesses['cluster-2'];
    const proxy = proxies['cluster-2'];
    assert.ok(c1 && c2 && proxy);
    const seed = chaosSeed();
    const random = seededRandom(seed);
    console.log(`chaos: seed ${String(seed)} (MESHHUB_CHAOS_SEED=${String(seed)} replays the schedule)`);

    // The editor: both policies get the next version every EDIT_INTERVAL_MS, for the whole test.
    const run = { editing: true };
    let editErrors = 0;
    const edit = async () => {
      version += 1;
      const v = version;
      edited.set(v, performance.now());
      await Promise.all(
        (['cluster-1', 'cluster-2'] as const).map((cluster) =>
          mgmt.apply(timeoutPolicy(`chaos-${cluster}`, cluster, v)).catch(() => {
            editErrors += 1;
          }),
        ),
      );
    };
    await edit();
    await waitFor(
      'the first version on both clusters',
      async () => Promise.resolve(reachedAt(c1, 1) !== undefined && reachedAt(c2, 1) !== undefined),
      60_000,
    );
    const editor = (async () => {
      while (run.editing) {
        const next = performance.now() + EDIT_INTERVAL_MS;
        await edit();
        await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
      }
    })();

    const baselineFrom = performance.now();
    await new Promise((r) => setTimeout(r, BASELINE_MS));
    const baselineTo = performance.now();

    // Every fault kind at least once, in a seeded order, then seeded picks.
    const kinds: FaultMode[] = [
      { kind: 'reset' },
      { kind: 'black-hole' },
      { kind: 'drip', bytes: 64, intervalMs: 100 },
      { kind: 'http-5xx', status: random() < 0.5 ? 503 : 500 },
    ];
    const modes: FaultMode[] = [];
    for (let i = 0; i < FAULTS; i++) {
      const pool = i < kinds.length ? kinds.filter((k) => !modes.includes(k)) : kinds;
      const pick = pool[Math.floor(random() * pool.length)];
      if (pick !== undefined) modes.push(pick);
    }
    const faultWindows: { from: number; to: number }[] = [];
    const faults: { mode: string; seconds: number; converged: number; heal: number }[] = [];
    for (const mode of modes) {
      await new Promise((r) => setTimeout(r, 1000 + random() * 3000));
      const seconds = 2 + random() * 3;
      const from = performance.now();
      proxy.setMode(mode);
      await new Promise((r) => setTimeout(r, seconds * 1000));
      proxy.setMode({ kind: 'pass' });
      const heal = performance.now();
      faultWindows.push({ from, to: heal });
      const target = version;
      // Convergence: the version current at the heal reaches cluster-2 (later ones may supersede it).
      let converged = Number.POSITIVE_INFINITY;
      const deadline = heal + CONVERGE_S * 1000 * 1.5;
      while (performance.now() < deadline) {
        const at = reachedAt(c2, target);
        if (at !== undefined) {
          converged = (at - heal) / 1000;
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      faults.push({ mode: describeMode(mode), seconds, converged, heal: target });
    }
    await new Promise((r) => setTimeout(r, 3000));
    run.editing = false;
    await editor;
    const last = version;
    let finalConverged = Number.POSITIVE_INFINITY;
    const endFrom = performance.now();
    await waitFor(
      'the last version on both clusters',
      async () => Promise.resolve(reachedAt(c1, last) !== undefined && reachedAt(c2, last) !== undefined),
      CONVERGE_S * 1000,
    )
      .then(() => {
        finalConverged = (performance.now() - endFrom) / 1000;
      })
      .catch(() => undefined);

    const baseline = latencies(c1, baselineFrom, baselineTo);
    const during = faultWindows.flatMap((w) => latencies(c1, w.from, w.to));
    const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : 'never');
    const deletes = { 'cluster-1': c1.deletes(), 'cluster-2': c2.deletes() };
    console.log(
      [
        `chaos: seed ${String(seed)}; ${String(version)} versions of 2 policies edited every ${String(EDIT_INTERVAL_MS)} ms (${String(editErrors)} edit errors)`,
        `chaos: faults on cluster-2 (mode, seconds, convergence after heal in s):`,
        ...faults.map(
          (f) =>
            `chaos:   ${f.mode.padEnd(18)} ${f.seconds.toFixed(1).padStart(4)} s  converged ${Number.isFinite(f.converged) ? `${f.converged.toFixed(1)} s` : `NOT within ${String(CONVERGE_S * 1.5)} s`}`,
        ),
        `chaos: cluster-1 change-to-output latency without faults: p50 ${ms(percentile(baseline, 50))} ms, p99 ${ms(percentile(baseline, 99))} ms (n=${String(baseline.length)})`,
        `chaos: cluster-1 change-to-output latency during cluster-2 faults: p50 ${ms(percentile(during, 50))} ms, p99 ${ms(percentile(during, 99))} ms (n=${String(during.length)})`,
        `chaos: deletes of owned outputs: cluster-1 ${String(deletes['cluster-1'].length)}, cluster-2 ${String(deletes['cluster-2'].length)} (intended 0); witness restarts ${String(c1.restarts + c2.restarts)}`,
        `chaos: proxy cluster-2: ${JSON.stringify(proxy.stats)}`,
        `chaos: final convergence after the last edit: ${Number.isFinite(finalConverged) ? `${finalConverged.toFixed(1)} s` : 'NOT reached'}`,
      ].join('\n'),
    );

    for (const [cluster, found] of Object.entries(deletes))
      assert.deepEqual(
        found.map((e) => `${e.kind} ${e.namespace}/${e.name}`),
        [],
        `outputs deleted on ${cluster} although no policy was deleted`,
      );
    for (const fault of faults)
      assert.ok(
        fault.converged <= CONVERGE_S,
        `cluster-2 did not show version ${String(fault.heal)} within ${String(CONVERGE_S)} s after healing from ${fault.mode}`,
      );
    assert.ok(baseline.length > 10 && during.length > 10, 'enough edits measured');
    assert.ok(
      percentile(during, 99) < P99_BOUND_MS,
      `cluster-1 p99 latency during cluster-2 faults is ${ms(percentile(during, 99))} ms, bound ${String(P99_BOUND_MS)} ms`,
    );
    assert.ok(Number.isFinite(finalConverged), 'both clusters converge on the last version');
  });
});
