// Interactive meshctl in a real terminal (tmux) against the shared test clusters: `cluster register`
// guided (choose the context, type the name), then `create trafficpolicy|accesspolicy|virtualmesh`
// answered prompt by prompt from the choices discovery put on the management cluster. A management
// plane runs meanwhile: the created objects are accepted, and the TrafficPolicy's VirtualService
// appears on cluster-1. A run from flags alone applies without asking.
//
// Isolation on the shared clusters: Mesh Hub is installed into a namespace of its own, and bookinfo is
// loaded into cluster-1 under a namespace of its own, so the outputs of this management plane are
// objects no other test reads or writes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../../src/api/meta.ts';
import { EXAMPLES_DIR, estateObjects } from '../../src/demo/estate.ts';
import { clientFromKubeconfigFile, type KubeClient } from '../../src/kube/client.ts';
import {
  DESTINATION,
  ISTIO_OUTPUT_TYPES,
  KUBERNETES_CLUSTER,
  MESH_HUB_TYPES,
  NAMESPACE,
  type ResourceType,
} from '../../src/kube/resources.ts';
import { meshctl, startController, type RunningController } from '../e2e/support.ts';
import { captureText } from '../support/artifacts.ts';
import { Terminal } from '../support/terminal.ts';
import { waitFor } from '../testenv/helpers.ts';

const suffix = randomBytes(3).toString('hex');
const NS = `mh-create-${suffix}`;
const BOOKINFO = `bookinfo-${suffix}`;
const bin = join(import.meta.dirname, '..', '..', 'bin', 'meshctl.js');
const VS = ISTIO_OUTPUT_TYPES.find((t) => t.kind === 'VirtualService');
function hubType(kind: string): ResourceType {
  const type = MESH_HUB_TYPES.find((t) => t.kind === kind);
  if (type === undefined) throw new Error(`no Mesh Hub kind ${kind}`);
  return type;
}
const TRAFFIC_POLICY = hubType('TrafficPolicy');
const ACCESS_POLICY = hubType('AccessPolicy');
const VIRTUAL_MESH = hubType('VirtualMesh');

let kubeconfig = '';
let mgmt: KubeClient;
let c1: KubeClient;
let controller: RunningController | undefined;
const terminals: Terminal[] = [];

function terminal(args: readonly string[]): Terminal {
  const t = Terminal.start([process.execPath, bin, '--kubeconfig', kubeconfig, '--context', 'mgmt', ...args]);
  terminals.push(t);
  return t;
}

/** What the terminal showed, kept with the test's artifacts. */
function keep(name: string, t: Terminal): string {
  const screen = t.screen();
  captureText(`${name}.txt`, screen, 'replace');
  return screen;
}

type Status = { status?: { state?: string; errors?: string[]; destinations?: Record<string, { state?: string }> } };

async function stateOf(type: ResourceType, name: string): Promise<string | undefined> {
  return ((await mgmt.get(type, name, NS)) as (KubeObject & Status) | undefined)?.status?.state;
}

describe('meshctl, interactively, in a terminal', { timeout: 900_000 }, () => {
  before(async () => {
    kubeconfig = process.env.MESHHUB_TEST_KUBECONFIG ?? '';
    assert.ok(kubeconfig !== '', 'MESHHUB_TEST_KUBECONFIG: run through test/testenv/with-testenv.ts');
    mgmt = clientFromKubeconfigFile('mgmt', kubeconfig, 'mgmt');
    c1 = clientFromKubeconfigFile('cluster-1', kubeconfig, 'cluster-1');
    const installed = await meshctl([
      '--kubeconfig',
      kubeconfig,
      '--context',
      'mgmt',
      'install',
      '-n',
      NS,
      '--wait=false',
    ]);
    assert.equal(installed.code, 0, installed.stderr);
    // bookinfo (with its Istio control plane) on cluster-1, bookinfo's namespace renamed to this test's.
    for (const object of estateObjects(join(EXAMPLES_DIR, 'bookinfo'), 'cluster-1')) {
      const rename = (ns: string | undefined) => (ns === 'bookinfo' ? BOOKINFO : ns);
      const namespace = rename(object.metadata.namespace);
      await c1.apply({
        ...object,
        metadata: {
          ...object.metadata,
          name: object.kind === 'Namespace' ? (rename(object.metadata.name) ?? '') : object.metadata.name,
          ...(namespace === undefined ? {} : { namespace }),
        },
      });
    }
  });

  after(async () => {
    for (const t of terminals) t.close();
    await controller?.stop();
    const base = ['--kubeconfig', kubeconfig, '--context', 'mgmt'];
    await meshctl([...base, 'cluster', 'deregister', 'cluster-1', '--remote-context', 'cluster-1', '-n', NS]);
    await meshctl([...base, 'uninstall', '-n', NS]);
    await c1.delete(NAMESPACE, BOOKINFO);
  });

  it('cluster register: chooses the context from the kubeconfig and asks the name', async () => {
    const t = terminal(['cluster', 'register', '-n', NS, '--no-cert-agent']);
    await t.choose(/Which kubeconfig context is the workload cluster\?/, ['cluster-1'], false);
    // The context's name is offered; a name that is not a DNS label is refused on the spot.
    await t.answer(/Name Mesh Hub will know the cluster by \(cluster-1\)/, 'Cluster_1');
    await t.waitFor(/"Cluster_1" is not a DNS label/);
    t.keys('C-u');
    t.type('cluster-1');
    t.keys('Enter');
    const code = await t.exitCode();
    const screen = keep('cluster-register', t);
    assert.equal(code, 0, screen);
    assert.match(screen, /registered cluster-1 \(https:\/\/127\.0\.0\.1:\d+\)/);
    assert.ok(await mgmt.get(KUBERNETES_CLUSTER, 'cluster-1', NS), 'KubernetesCluster cluster-1 created');

    controller = await startController({
      kubeconfig,
      context: 'mgmt',
      namespace: NS,
      logFile: join(mkdtempSync(join(tmpdir(), 'meshctl-create-')), 'controller.log'),
    });
    await waitFor(
      'reviews discovered on cluster-1',
      async () => (await mgmt.get(DESTINATION, `reviews-${BOOKINFO}-cluster-1`, NS)) !== undefined,
      120_000,
    );
  });

  it('create trafficpolicy: every answer from a prompt; applied, accepted and translated', async () => {
    const t = terminal(['create', 'trafficpolicy', '--install-namespace', NS]);
    await t.answer(/Name of the TrafficPolicy/, 'reviews-timeout');
    await t.answer(new RegExp(`Namespace of the TrafficPolicy \\(${NS}\\)`), '');
    await t.choose(/Destinations the policy applies to/, [`reviews.${BOOKINFO}.cluster-1`], true);
    await t.choose(/Source workloads/, [], true);
    await t.answer(/Request timeout/, '5 seconds');
    // Checked on the spot, with the field named; the answer is asked again.
    await t.waitFor(/spec\.policy\.requestTimeout: /);
    t.keys('C-u');
    t.type('5s');
    t.keys('Enter');
    await t.answer(/Retries \(a number/, '3');
    await t.answer(/Timeout of each try/, '2s');
    await t.choose(/Shift traffic to/, [], true);
    await t.waitFor(/Apply TrafficPolicy .*reviews-timeout to the management cluster\?/);
    t.keys('Enter');
    const code = await t.exitCode();
    const screen = keep('create-trafficpolicy', t);
    assert.equal(code, 0, screen);
    assert.match(screen, /requestTimeout: 5s/);
    assert.match(screen, /would be ACCEPTED/);
    assert.match(screen, new RegExp(`cluster-1: created VirtualService ${BOOKINFO}/reviews`));
    assert.match(screen, /TrafficPolicy .*\/reviews-timeout applied/);

    await waitFor(
      'TrafficPolicy reviews-timeout ACCEPTED',
      async () => (await stateOf(TRAFFIC_POLICY, 'reviews-timeout')) === 'ACCEPTED',
      120_000,
    );
    assert.ok(VS);
    await waitFor(
      `VirtualService ${BOOKINFO}/reviews with the 5s timeout on cluster-1`,
      async () => {
        const vs = (await c1.get(VS, 'reviews', BOOKINFO)) as
          { spec?: { http?: { timeout?: string; retries?: { attempts?: number } }[] } } | undefined;
        return vs?.spec?.http?.[0]?.timeout === '5s' && vs.spec.http[0].retries?.attempts === 3;
      },
      120_000,
    );
  });

  it('create accesspolicy: destinations, service accounts, methods and ports chosen from lists', async () => {
    const t = terminal(['create', 'accesspolicy', '--install-namespace', NS]);
    await t.answer(/Name of the AccessPolicy/, 'reviews-readers');
    await t.answer(/Namespace of the AccessPolicy/, '');
    await t.choose(/Destinations that may be called/, [`reviews.${BOOKINFO}.cluster-1`], true);
    await t.choose(/Service accounts allowed to call them/, [`bookinfo-productpage.${BOOKINFO}.cluster-1`], true);
    await t.answer(/Allowed paths/, '');
    await t.choose(/Allowed methods/, ['GET'], true);
    await t.choose(/Allowed ports/, ['9080'], true);
    await t.waitFor(/Apply AccessPolicy .*reviews-readers to the management cluster\?/);
    t.keys('Enter');
    const code = await t.exitCode();
    const screen = keep('create-accesspolicy', t);
    assert.equal(code, 0, screen);
    assert.match(screen, /allowedMethods:\s+- GET/);
    assert.match(screen, /allowedPorts:\s+- 9080/);
    await waitFor(
      'AccessPolicy reviews-readers ACCEPTED',
      async () => (await stateOf(ACCESS_POLICY, 'reviews-readers')) === 'ACCEPTED',
      120_000,
    );
  });

  it('create virtualmesh: the discovered mesh, shared trust, default deny', async () => {
    const t = terminal(['create', 'virtualmesh', '--install-namespace', NS]);
    await t.answer(/Name of the VirtualMesh/, 'bookinfo');
    await t.answer(/Namespace of the VirtualMesh/, '');
    await t.choose(/Meshes to group/, ['istiod-istio-system-cluster-1'], true);
    await t.choose(/mTLS between the meshes/, ['shared'], false);
    await t.answer(/Root CA/, '');
    await t.choose(/Federation/, ['none'], false);
    await t.answer(/Deny requests no AccessPolicy allows\?/, 'y');
    await t.waitFor(/Apply VirtualMesh .*bookinfo to the management cluster\?/);
    t.keys('Enter');
    const code = await t.exitCode();
    const screen = keep('create-virtualmesh', t);
    assert.equal(code, 0, screen);
    assert.match(screen, /globalAccessPolicy: ENABLED/);
    await waitFor(
      'VirtualMesh bookinfo accepts its mesh',
      async () => {
        const vm = (await mgmt.get(VIRTUAL_MESH, 'bookinfo', NS)) as
          { status?: { meshes?: Record<string, { state?: string }> } } | undefined;
        return vm?.status?.meshes?.[`istiod-istio-system-cluster-1.${NS}.`]?.state === 'ACCEPTED';
      },
      120_000,
    );
  });

  it('create from flags alone: no prompt, applied; a wrong flag is named and nothing is applied', async () => {
    const base = [
      '--kubeconfig',
      kubeconfig,
      '--context',
      'mgmt',
      'create',
      'trafficpolicy',
      '--install-namespace',
      NS,
    ];
    const bad = await meshctl([
      ...base,
      '--name',
      'ratings-retries',
      '--destination',
      `ratings.${BOOKINFO}.cluster-1`,
      '--retries',
      'many',
    ]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--retries: "many" is not a number of attempts/);
    assert.equal(await mgmt.get(TRAFFIC_POLICY, 'ratings-retries', NS), undefined);
    const run = await meshctl([
      ...base,
      '--name',
      'ratings-retries',
      '--destination',
      `ratings.${BOOKINFO}.cluster-1`,
      '--retries',
      '2',
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /TrafficPolicy .*\/ratings-retries applied/);
    await waitFor(
      'TrafficPolicy ratings-retries ACCEPTED',
      async () => (await stateOf(TRAFFIC_POLICY, 'ratings-retries')) === 'ACCEPTED',
      120_000,
    );
  });
});
