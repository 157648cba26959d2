// Two controller replicas with leader election (4 s Lease), each with its own User-Agent so the API
// servers' audit logs (Metadata level for every write of a kind Mesh Hub writes) tell them apart:
//   1. SIGKILL the leader while it applies 200 new policies; the standby takes over, and the final
//      outputs on every cluster equal what `meshctl render` computes from a snapshot of the inputs;
//   2. black-hole the management API server for the leader only (its kubeconfig points at a fault
//      proxy) while a policy keeps changing; the standby takes over.
// In both, the audit logs are the witness that there were never two writers at once: ordered by the
// time each API server received them, the replicas' writes (Leases excepted) switch writer at most
// once, from the old leader to the new one, on every cluster.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { typeOfObject } from '../../src/kube/resources.ts';
import { meshctl, startController, type RunningController } from '../e2e/support.ts';
import { waitFor } from '../testenv/helpers.ts';
import { FaultProxy } from '../support/fault-proxy.ts';
import { NS, currentTimeout, startMeshEstate, timeoutPolicy, type MeshEstate } from '../support/mesh-estate.ts';

const LEASE_S = 4;
const USER_AGENT_MODULE = join(import.meta.dirname, '..', 'support', 'user-agent.ts');
const TRAFFIC_POLICY = typeOfObject('networking.mesh.gloo.solo.io/v1', 'TrafficPolicy');
const WRITTEN_GROUPS = [
  'networking.mesh.gloo.solo.io',
  'discovery.mesh.gloo.solo.io',
  'multicluster.solo.io',
  'certificates.mesh.gloo.solo.io',
  'settings.mesh.gloo.solo.io',
  'networking.enterprise.mesh.gloo.solo.io',
  'networking.istio.io',
  'security.istio.io',
  'coordination.k8s.io',
];
/** Metadata only (no bodies: Secrets stay out of the log), writes only, of the kinds Mesh Hub writes. */
const AUDIT_POLICY = stringify({
  apiVersion: 'audit.k8s.io/v1',
  kind: 'Policy',
  omitStages: ['RequestReceived'],
  rules: [
    {
      level: 'Metadata',
      verbs: ['create', 'update', 'patch', 'delete', 'deletecollection'],
      resources: [...WRITTEN_GROUPS.map((group) => ({ group })), { group: '', resources: ['secrets', 'configmaps'] }],
    },
    { level: 'None' },
  ],
});

interface AuditWrite {
  readonly cluster: string;
  readonly writer: string;
  readonly received: string;
  readonly what: string;
}

/** The replicas' successful writes (Leases excepted) from every cluster's audit log, in arrival order. */
function auditWrites(estate: MeshEstate, from: string, to: string): AuditWrite[] {
  const writes: AuditWrite[] = [];
  for (const cluster of estate.env.clusters) {
    const path = join(cluster.logDir, 'audit.log');
    if (!existsSync(path)) throw new Error(`no audit log for ${cluster.name}`);
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const event = JSON.parse(line) as {
        stage?: string;
        verb?: string;
        userAgent?: string;
        requestReceivedTimestamp?: string;
        responseStatus?: { code?: number };
        objectRef?: { resource?: string; namespace?: string; name?: string; subresource?: string };
      };
      const writer = event.userAgent ?? '';
      const received = event.requestReceivedTimestamp ?? '';
      if (event.stage !== 'ResponseComplete' || !writer.startsWith('meshhub-test/')) continue;
      if ((event.responseStatus?.code ?? 0) >= 400 || event.objectRef?.resource === 'leases') continue;
      if (received < from || received > to) continue;
      const ref = event.objectRef;
      writes.push({
        cluster: cluster.name,
        writer: writer.slice('meshhub-test/'.length),
        received,
        what: `${event.verb ?? ''} ${ref?.resource ?? ''}${ref?.subresource === undefined ? '' : `/${ref.subresource}`} ${ref?.namespace ?? ''}/${ref?.name ?? ''}`,
      });
    }
  }
  // RFC 3339 with microseconds, all UTC: the strings sort in time order.
  return writes.sort((a, b) => (a.received < b.received ? -1 : a.received > b.received ? 1 : 0));
}

/** Runs of one writer in arrival order: [old, new] is one clean handover; more means two writers. */
function writerRuns(writes: readonly AuditWrite[]): { writer: string; count: number; first: string; last: string }[] {
  const runs: { writer: string; count: number; first: string; last: string }[] = [];
  for (const write of writes) {
    const current = runs.at(-1);
    if (current?.writer === write.writer) {
      current.count += 1;
      current.last = write.received;
    } else runs.push({ writer: write.writer, count: 1, first: write.received, last: write.received });
  }
  return runs;
}

function describeRuns(label: string, writes: readonly AuditWrite[]): string {
  const lines = [`leader: ${label}: ${String(writes.length)} audited writes by the replicas (Leases excepted)`];
  for (const cluster of ['mgmt', 'cluster-1', 'cluster-2']) {
    const runs = writerRuns(writes.filter((w) => w.cluster === cluster));
    lines.push(
      `leader:   ${cluster.padEnd(9)} ${String(runs.length)} run(s): ${
        runs
          .slice(0, 6)
          .map((r) => `${r.writer} x${String(r.count)} [${r.first.slice(11, 23)}..${r.last.slice(11, 23)}]`)
          .join(' -> ') || 'no writes'
      }${runs.length > 6 ? ` -> … -> ${runs.at(-1)?.writer ?? ''} x${String(runs.at(-1)?.count ?? 0)}` : ''}`,
    );
  }
  const all = writerRuns(writes);
  const [a, b] = all;
  if (a !== undefined && b !== undefined)
    lines.push(
      `leader:   handover gap (last write of ${a.writer} to first of ${b.writer}, all clusters): ${String(Date.parse(b.first) - Date.parse(a.last))} ms`,
    );
  return lines.join('\n');
}

function assertOneWriterAtATime(writes: readonly AuditWrite[], oldLeader: string, newLeader: string): void {
  const runs = writerRuns(writes);
  const order = runs.map((r) => r.writer);
  assert.ok(
    order.length <= 2 && (order.length < 2 || (order[0] === oldLeader && order[1] === newLeader)),
    `two writers at once: writer order in the audit logs is ${order.slice(0, 8).join(' -> ')}${order.length > 8 ? ` -> … (${String(order.length)} runs)` : ''} (expected ${oldLeader} -> ${newLeader}); interleaved writes: ${writes
      .filter((w) => runs.length > 2 && w.received >= (runs[1]?.first ?? ''))
      .slice(0, 8)
      .map((w) => `${w.received.slice(11, 23)} ${w.writer} ${w.cluster} ${w.what}`)
      .join('; ')}`,
  );
}

let estate: MeshEstate | undefined;
const replicas: RunningController[] = [];
const proxies: FaultProxy[] = [];

async function startReplica(name: string, kubeconfig: string): Promise<RunningController> {
  assert.ok(estate);
  const saved = { options: process.env.NODE_OPTIONS, agent: process.env.MESHHUB_TEST_USER_AGENT };
  process.env.NODE_OPTIONS = `${saved.options ?? ''} --import=${USER_AGENT_MODULE}`.trim();
  process.env.MESHHUB_TEST_USER_AGENT = `meshhub-test/${name}`;
  try {
    const replica = await startController({
      kubeconfig,
      context: 'mgmt',
      logFile: join(estate.workDir, `${name}.log`),
      leaseDurationSeconds: LEASE_S,
    });
    replicas.push(replica);
    return replica;
  } finally {
    if (saved.options === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = saved.options;
    if (saved.agent === undefined) delete process.env.MESHHUB_TEST_USER_AGENT;
    else process.env.MESHHUB_TEST_USER_AGENT = saved.agent;
  }
}

async function leading(replica: RunningController): Promise<boolean> {
  return (await replica.metric('meshhub_leader').catch(() => 0)) === 1;
}

function filesUnder(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (path: string) => {
    for (const entry of readdirSync(path)) {
      const full = join(path, entry);
      if (statSync(full).isDirectory()) walk(full);
      else found.set(relative(dir, full), readFileSync(full, 'utf8'));
    }
  };
  if (existsSync(dir)) walk(dir);
  return found;
}

describe('leader election under SIGKILL and partition', { timeout: 900_000 }, () => {
  before(async () => {
    estate = await startMeshEstate({ testenv: { auditPolicy: AUDIT_POLICY } });
  });

  after(async () => {
    for (const replica of replicas) await replica.stop('SIGKILL');
    for (const proxy of proxies) await proxy.close();
    await estate?.stop();
  });

  it('SIGKILL mid-apply: the standby takes over and the result equals a fresh render, one writer at a time', async () => {
    assert.ok(estate && TRAFFIC_POLICY);
    const { env, mgmt } = estate;
    const a = await startReplica('replica-a', env.kubeconfigPath);
    await waitFor('replica-a to lead', () => leading(a), 90_000);
    const b = await startReplica('replica-b', env.kubeconfigPath);
    await waitFor('replica-b to be ready', () => b.ready(), 90_000);
    assert.equal(await leading(b), false);
    await waitFor(
      'replica-a to finish its first reconciles',
      async () => (await a.metric('meshhub_reconciles_total')) >= 1,
    );
    await new Promise((r) => setTimeout(r, 2000));

    const from = new Date().toISOString();
    const writtenBefore = await a.metric('meshhub_objects_written_total');
    // The services both clusters have.
    const services = ['ratings', 'reviews'];
    const policies = Array.from({ length: 200 }, (_, i) => {
      const policy = timeoutPolicy(`kill-${String(i)}`, i % 2 === 0 ? 'cluster-1' : 'cluster-2', 1 + (i % 50));
      const spec = policy.spec as {
        destinationSelector: { kubeServiceRefs: { services: { name: string }[] } }[];
        httpRequestMatchers?: unknown[];
      };
      for (const ref of spec.destinationSelector[0]?.kubeServiceRefs.services ?? [])
        ref.name = services[Math.floor(i / 2) % 2] ?? '';
      spec.httpRequestMatchers = [{ uri: { prefix: `/kill-${String(i)}` } }];
      return policy;
    });
    const creating = (async () => {
      for (let i = 0; i < policies.length; i += 25)
        await Promise.all(policies.slice(i, i + 25).map((p) => mgmt.apply(p)));
    })();
    // Kill as soon as the leader has begun writing the change (or when the creation is done).
    let killedAfter = 0;
    const progress = { created: false };
    void creating.then(() => (progress.created = true));
    const killDeadline = Date.now() + 60_000;
    while (Date.now() < killDeadline) {
      killedAfter = (await a.metric('meshhub_objects_written_total')) - writtenBefore;
      if (killedAfter >= 10 || (progress.created && killedAfter > 0)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await a.stop('SIGKILL');
    const killedAt = performance.now();
    await creating;
    await waitFor('replica-b to take the Lease', () => leading(b), 30_000);
    const takeover = (performance.now() - killedAt) / 1000;

    // Converged: every policy ACCEPTED for its generation, then quiet.
    const policyType = TRAFFIC_POLICY;
    let accepted = 0;
    await waitFor(
      'all 200 policies ACCEPTED',
      async () => {
        const items = (await mgmt.list(policyType, { namespace: NS })).items as {
          metadata: { name: string; generation?: number };
          status?: { state?: string; observedGeneration?: number };
        }[];
        accepted = items.filter(
          (p) =>
            p.metadata.name.startsWith('kill-') &&
            p.status?.state === 'ACCEPTED' &&
            p.status.observedGeneration === p.metadata.generation,
        ).length;
        return accepted === 200;
      },
      120_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)} (${String(accepted)} accepted)`);
    });
    const converged = (performance.now() - killedAt) / 1000;
    await new Promise((r) => setTimeout(r, 3000));

    // A fresh render of the inputs as they are now equals what the replicas wrote.
    const snapshot = join(estate.workDir, 'kill-snapshot');
    const debug = await meshctl([
      '--kubeconfig',
      env.kubeconfigPath,
      '--context',
      'mgmt',
      'debug',
      'snapshot',
      '--output',
      snapshot,
      '-n',
      NS,
    ]);
    assert.equal(debug.code, 0, debug.stderr);
    const replay = join(estate.workDir, 'kill-replay');
    const render = await meshctl(['render', '--input', join(snapshot, 'input'), '--namespace', NS, '--output', replay]);
    assert.equal(render.code, 0, render.stderr);
    const live = filesUnder(join(snapshot, 'output', 'clusters'));
    const rendered = filesUnder(join(replay, 'clusters'));
    const to = new Date().toISOString();
    const writes = auditWrites(estate, from, to);
    const differing = [...new Set([...live.keys(), ...rendered.keys()])].filter((f) => live.get(f) !== rendered.get(f));
    console.log(
      [
        `leader: SIGKILL of replica-a after ${String(killedAfter)} of its writes for 200 new policies; replica-b took the Lease ${takeover.toFixed(1)} s after the kill; all 200 ACCEPTED ${converged.toFixed(1)} s after the kill`,
        `leader: outputs compared with a fresh render: ${String(rendered.size)} files, ${String(differing.length)} differ${differing.length > 0 ? `: ${differing.join(', ')}` : ''}`,
        describeRuns('SIGKILL', writes),
      ].join('\n'),
    );
    assert.ok(
      (rendered.get('cluster-1/virtualservice.networking.istio.io.yaml') ?? '').includes('/kill-0'),
      'the rendered VirtualService carries the new routes',
    );
    assert.deepEqual(differing, [], 'the live outputs equal a fresh render of the inputs');
    assertOneWriterAtATime(writes, 'replica-a', 'replica-b');
    await b.stop();
  });

  it('partition of the leader from the management API server: the standby takes over, one writer at a time', async () => {
    assert.ok(estate);
    const { env, mgmt } = estate;
    // The first scenario's replicas and policies are gone (also when it failed half-way): the ratings
    // VirtualService's first route is then the partition policy's.
    for (const replica of replicas) await replica.stop();
    if (TRAFFIC_POLICY !== undefined) {
      const policyType = TRAFFIC_POLICY;
      const names = (await mgmt.list(policyType, { namespace: NS })).items.map((p) => p.metadata.name);
      for (let i = 0; i < names.length; i += 25)
        await Promise.all(names.slice(i, i + 25).map((name) => mgmt.delete(policyType, name, NS)));
    }
    const direct = env.clusters.find((c) => c.name === 'mgmt');
    assert.ok(direct);
    const server = new URL(direct.server);
    const proxy = await FaultProxy.start({ target: { host: server.hostname, port: Number(server.port) } });
    proxies.push(proxy);
    // The leader's own kubeconfig: the same credentials, the management cluster behind the proxy.
    const kubeconfig = parse(readFileSync(env.kubeconfigPath, 'utf8')) as {
      clusters: { name: string; cluster: { server: string } }[];
    };
    for (const entry of kubeconfig.clusters) if (entry.name === 'mgmt') entry.cluster.server = proxy.url;
    const partitioned = join(estate.workDir, 'replica-c.kubeconfig');
    writeFileSync(partitioned, stringify(kubeconfig), { mode: 0o600 });

    const c = await startReplica('replica-c', partitioned);
    await waitFor('replica-c to lead', () => leading(c), 90_000);
    // The witness window opens before the standby starts: from then on there are two replicas.
    const from = new Date().toISOString();
    const d = await startReplica('replica-d', env.kubeconfigPath);
    await waitFor('replica-d to be ready', () => d.ready(), 90_000);
    assert.equal(await leading(d), false);

    // A policy that keeps changing, so the leader always has something to write.
    let version = 0;
    const state = { editing: true };
    const editor = (async () => {
      while (state.editing) {
        version += 1;
        await mgmt.apply(timeoutPolicy('partition', 'cluster-1', version)).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
    await new Promise((r) => setTimeout(r, 3000));
    const dLeadBeforeCut = await leading(d);
    proxy.setMode({ kind: 'black-hole' });
    const cut = performance.now();
    await waitFor('replica-d to take the Lease', () => leading(d), 30_000);
    const takeover = (performance.now() - cut) / 1000;
    await new Promise((r) => setTimeout(r, 3 * LEASE_S * 1000));
    proxy.setMode({ kind: 'pass' });
    const healed = performance.now();
    await new Promise((r) => setTimeout(r, 2 * LEASE_S * 1000));
    state.editing = false;
    await editor;
    const last = version;
    let shown: number | undefined;
    const lastShown = await waitFor(
      'the last version on cluster-1',
      async () => {
        shown = await currentTimeout(estate?.clients['cluster-1'] ?? mgmt);
        return shown === last;
      },
      30_000,
    ).then(
      () => true,
      () => false,
    );
    const cLeadsAgain = await leading(c);
    const to = new Date().toISOString();
    const writes = auditWrites(estate, from, to);
    console.log(
      [
        `leader: partition of replica-c from mgmt (black-hole): replica-d led before the cut: ${String(dLeadBeforeCut)}; replica-d took the Lease ${takeover.toFixed(1)} s after the cut (lease ${String(LEASE_S)} s); healed after ${((healed - cut) / 1000).toFixed(1)} s; replica-c leads afterwards: ${String(cLeadsAgain)}; proxy ${JSON.stringify(proxy.stats)}`,
        `leader: last version ${String(last)} on cluster-1 within 30 s after the edits stopped: ${lastShown ? 'yes' : `no (shows ${String(shown)})`}`,
        describeRuns('partition', writes),
      ].join('\n'),
    );
    assertOneWriterAtATime(writes, 'replica-c', 'replica-d');
    assert.ok(lastShown, `cluster-1 converges on the last version ${String(last)} (shows ${String(shown)})`);
    assert.equal(cLeadsAgain, false, 'the partitioned replica does not take the Lease back');
  });
});
