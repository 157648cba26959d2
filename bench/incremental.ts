// Incremental render benchmark: one change at a time on a loaded estate, as the controller meets
// them, each recomputed from the last pass (src/pipeline/incremental/) — compute alone, and compute
// plus the writes planned for what changed (planApply on the changed clusters and management
// objects) — beside the full render; then the same on a quarter-size estate, for the growth.
//   node bench/incremental.ts                         bench/estate.ts's estate and policies
//   node bench/incremental.ts --input DIR             any estate in the render layout (no quarter size)
//   node bench/incremental.ts --changes-per-kind 100 --runs 3
import { cpus } from 'node:os';
import type { KubeObject } from '../src/api/meta.ts';
import { planApply } from '../src/kube/apply.ts';
import { changedOutputs } from '../src/pipeline/incremental/changed-outputs.ts';
import { renderIncremental, type RenderState } from '../src/pipeline/incremental/incremental-render.ts';
import { render, type RenderResult } from '../src/pipeline/render.ts';
import type { InputObject, InputSnapshot } from '../src/snapshot/input.ts';
import { loadInputTree } from '../src/snapshot/load.ts';
import { managementObjects, random } from './estate-policies.ts';
import { DESIGN_ESTATE, generateEstate, type EstateSize } from './estate.ts';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const perKind = Number(option('--changes-per-kind') ?? 100);
const runs = Number(option('--runs') ?? 3);
const inputDir = option('--input');

function generated(size: EstateSize, traffic: number, access: number): InputSnapshot {
  const estate = generateEstate(size);
  const mgmt = managementObjects(size, traffic, access).map((object): InputObject => ({ object, source: {} }));
  return { ...estate, mgmt: [...estate.mgmt, ...mgmt] };
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

type Kind =
  'TrafficPolicy edit' | 'AccessPolicy edit' | 'Workload scaled' | 'Destination added' | 'Destination removed';
const KINDS: readonly Kind[] = [
  'TrafficPolicy edit',
  'AccessPolicy edit',
  'Workload scaled',
  'Destination added',
  'Destination removed',
];

/** The i-th change of a kind: a new object where the change is, every other object kept (as the caches keep them). */
function change(snapshot: InputSnapshot, kind: Kind, i: number): InputSnapshot {
  const r = random(`${kind}:${String(i)}`);
  const clusterNames = [...snapshot.clusters.keys()].sort();
  const editCluster = (edit: (objects: readonly InputObject[]) => InputObject[]) => {
    const name = r.pick(clusterNames);
    const clusters = new Map(snapshot.clusters);
    clusters.set(name, edit(snapshot.clusters.get(name) ?? []));
    return { ...snapshot, clusters };
  };
  switch (kind) {
    case 'TrafficPolicy edit':
    case 'AccessPolicy edit': {
      const policyKind = kind === 'TrafficPolicy edit' ? 'TrafficPolicy' : 'AccessPolicy';
      const policies = snapshot.mgmt.filter((input) => input.object.kind === policyKind);
      const target = r.pick(policies).object;
      const donor = r.pick(policies).object as { spec?: unknown };
      const edited: KubeObject = {
        ...target,
        metadata: { ...target.metadata, generation: (target.metadata.generation ?? 1) + 1 },
        spec: donor.spec,
      };
      return {
        ...snapshot,
        mgmt: snapshot.mgmt.map((input) => (input.object === target ? { object: edited, source: {} } : input)),
      };
    }
    case 'Workload scaled':
      return editCluster((objects) => {
        const deployments = objects.filter((input) => input.object.kind === 'Deployment');
        const target = r.pick(deployments).object;
        const spec = target.spec as { replicas?: number };
        return objects.map((input) =>
          input.object === target
            ? { object: { ...target, spec: { ...spec, replicas: (spec.replicas ?? 1) + 1 } }, source: {} }
            : input,
        );
      });
    case 'Destination added':
      return editCluster((objects) => {
        const services = objects.filter((input) => input.object.kind === 'Service');
        const donor = r.pick(services).object;
        const copy = { ...donor, metadata: { ...donor.metadata, name: `${donor.metadata.name}-bench-${String(i)}` } };
        return [...objects, { object: copy, source: {} }];
      });
    case 'Destination removed':
      return editCluster((objects) => {
        const services = objects.filter((input) => input.object.kind === 'Service');
        const target = r.pick(services).object;
        return objects.filter((input) => input.object !== target);
      });
  }
}

const DISCOVERED = new Set(['Mesh', 'Workload', 'Destination']);

/**
 * Writes planned for what a pass changed, as the controller plans them: per changed cluster its
 * changed outputs against what held their keys (here: the last pass's objects) and its gone ones
 * for deletion; the management objects likewise (statuses only, but for discovered objects).
 */
function planWrites(previous: RenderResult, next: RenderResult): number {
  const changed = changedOutputs(previous, next);
  let writes = 0;
  for (const { changed: desired, gone } of changed.clusters.values()) {
    const plan = planApply({ desired, live: gone, isOwned: () => true, statusOnly: () => false });
    writes += plan.content.length + plan.deletions.length;
  }
  const plan = planApply({
    desired: changed.mgmt.changed,
    live: changed.mgmt.gone,
    isOwned: (o) => DISCOVERED.has(o.kind),
    statusOnly: (o) => !DISCOVERED.has(o.kind),
  });
  return writes + plan.content.length + plan.status.length + plan.deletions.length;
}

interface Figures {
  readonly fullMs: number;
  readonly byKind: ReadonlyMap<Kind, { compute: number[]; withWrites: number[]; recomputed: Map<string, number> }>;
}

function measure(label: string, start: InputSnapshot): Figures {
  const fullTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    render(start);
    fullTimes.push(performance.now() - t0);
  }
  const fullMs = percentile(fullTimes, 50);
  let snapshot = start;
  let pass = renderIncremental(undefined, snapshot);
  let state: RenderState | undefined = pass.state;
  const byKind = new Map<Kind, { compute: number[]; withWrites: number[]; recomputed: Map<string, number> }>();
  for (const kind of KINDS) {
    const figures = { compute: [] as number[], withWrites: [] as number[], recomputed: new Map<string, number>() };
    byKind.set(kind, figures);
    for (let i = 0; i < perKind; i++) {
      snapshot = change(snapshot, kind, i);
      const t0 = performance.now();
      const next = renderIncremental(state, snapshot);
      const t1 = performance.now();
      planWrites(pass.result, next.result);
      const t2 = performance.now();
      figures.compute.push(t1 - t0);
      figures.withWrites.push(t2 - t0);
      figures.recomputed.set(next.recomputed, (figures.recomputed.get(next.recomputed) ?? 0) + 1);
      pass = next;
      state = next.state;
    }
  }
  console.log(`${label}: full render median ${fullMs.toFixed(0)} ms (${String(runs)} runs)`);
  for (const [kind, f] of byKind) {
    const fmt = (list: readonly number[]) =>
      `median ${percentile(list, 50).toFixed(1)} ms, p99 ${percentile(list, 99).toFixed(1)} ms`;
    console.log(
      `  ${kind.padEnd(20)} compute ${fmt(f.compute)}; with planned writes ${fmt(f.withWrites)} (${String(f.compute.length)} changes; recomputed: ${[...f.recomputed].map(([k, n]) => `${k} ${String(n)}`).join(', ')})`,
    );
  }
  return { fullMs, byKind };
}

console.log(`machine: ${String(cpus().length)} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`);
if (inputDir !== undefined) {
  measure(`input ${inputDir}`, loadInputTree(inputDir, { installNamespace: 'gloo-mesh' }));
} else {
  const quarterSize: EstateSize = { ...DESIGN_ESTATE, servicesPerCluster: DESIGN_ESTATE.servicesPerCluster / 4 };
  const quarter = measure(
    'quarter-size estate (2,500 Destinations, 250 TrafficPolicies, 125 AccessPolicies)',
    generated(quarterSize, 250, 125),
  );
  const full = measure(
    'full estate (10,000 Destinations, 1,000 TrafficPolicies, 500 AccessPolicies)',
    generated(DESIGN_ESTATE, 1000, 500),
  );
  console.log('growth from quarter to full size (×4 input; n log n would be ×4.6 at most, n² ×16):');
  console.log(`  full render ×${(full.fullMs / quarter.fullMs).toFixed(1)}`);
  for (const kind of KINDS) {
    const q = quarter.byKind.get(kind);
    const f = full.byKind.get(kind);
    if (q === undefined || f === undefined) continue;
    console.log(
      `  ${kind.padEnd(20)} median ×${(percentile(f.compute, 50) / percentile(q.compute, 50)).toFixed(1)}, p99 ×${(percentile(f.compute, 99) / percentile(q.compute, 99)).toFixed(1)}`,
    );
  }
}
