// A VirtualMesh end to end on three real clusters of its own (mgmt, cluster-1, cluster-2): the
// management plane generates the root CA, issues an intermediate per mesh through two real cert
// agents (each running as its cluster's cert-agent ServiceAccount), and federates bookinfo. The
// written `cacerts` chains verify against the root with openssl, the intermediates' private keys
// never reach the management cluster, and a new root (new options, then a user-supplied Secret)
// re-issues both intermediates.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../../src/api/meta.ts';
import { firstCertificate } from '../../src/certs/trust-policy.ts';
import { generateRootCa } from '../../src/certs/crypto.ts';
import { LOCAL_ACCESS } from '../../src/dashboard/access.ts';
import { VirtualMeshList } from '../../src/dashboard/api-schema.ts';
import { EstateSource } from '../../src/dashboard/estate-source.ts';
import { startDashboard } from '../../src/dashboard/server.ts';
import { EXAMPLES_DIR, loadEstateCluster } from '../../src/demo/estate.ts';
import { CERT_AGENT_NAME } from '../../src/install/manifests.ts';
import { clientFromKubeconfigFile, type KubeClient } from '../../src/kube/client.ts';
import { certificateAuthority, registrationKubeconfig, requestToken } from '../../src/kube/registration.ts';
import {
  CERTIFICATE_REQUEST,
  DEPLOYMENT,
  DESTINATION,
  ISSUED_CERTIFICATE,
  NAMESPACE,
  POD,
  POD_BOUNCE_DIRECTIVE,
  SECRET,
  resourcePath,
  VIRTUAL_MESH,
  typeOfObject,
} from '../../src/kube/resources.ts';
import { startTestEnv, stopTestEnv, type TestEnvState } from '../../src/testenv/launcher.ts';
import { waitFor } from '../testenv/helpers.ts';
import { meshctl, startCertAgent, startController, type RunningController, type RunningProcess } from './support.ts';

const NS = 'gloo-mesh';
const CLUSTERS = ['cluster-1', 'cluster-2'] as const;
const MESHES = CLUSTERS.map((cluster) => `istiod-istio-system-${cluster}`);
const ROOT_SECRET = `bookinfo.${NS}`;
const SERVICE_ENTRY = typeOfObject('networking.istio.io/v1', 'ServiceEntry');

let env: TestEnvState;
let workDir: string;
let mgmt: KubeClient;
const remotes = new Map<string, KubeClient>();
let controller: RunningController | undefined;
const agents: RunningProcess[] = [];

interface SecretObject extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

const decode = (secret: SecretObject | undefined, key: string) =>
  Buffer.from(secret?.data?.[key] ?? '', 'base64').toString('utf8');

function virtualMesh(rootCertificateAuthority: Record<string, unknown>, autoRestartPods = false): KubeObject {
  return {
    apiVersion: 'networking.mesh.gloo.solo.io/v1',
    kind: 'VirtualMesh',
    metadata: { name: 'bookinfo', namespace: NS },
    spec: {
      meshes: MESHES.map((name) => ({ name, namespace: NS })),
      mtlsConfig: {
        autoRestartPods,
        shared: {
          rootCertificateAuthority,
          // Small keys keep the test quick; the flow is the same at 4096 bits.
          intermediateCertOptions: { rsaKeySizeBytes: 2048, ttlDays: 30 },
        },
      },
      federation: {
        selectors: [{ destinationSelectors: [{ kubeServiceMatcher: { namespaces: ['bookinfo'] } }] }],
        // Each cluster's east-west gateway (a LoadBalancer Service with a `tls` port).
        eastWestIngressGatewaySelectors: [
          {
            destinationSelectors: [
              { kubeServiceMatcher: { labels: { istio: 'eastwestgateway' }, namespaces: ['istio-system'] } },
            ],
            portName: 'tls',
          },
        ],
      },
    },
  };
}

async function startAgent(cluster: string, remote: KubeClient): Promise<void> {
  // The agent runs with its own ServiceAccount's token: what `meshctl cluster register` granted it.
  const { token } = await requestToken(remote, NS, 3600, CERT_AGENT_NAME);
  const kubeconfigPath = join(workDir, `${cluster}-cert-agent.kubeconfig`);
  writeFileSync(kubeconfigPath, registrationKubeconfig(cluster, remote.server, certificateAuthority(remote), token), {
    mode: 0o600,
  });
  agents.push(
    await startCertAgent({
      kubeconfig: kubeconfigPath,
      namespace: NS,
      logFile: join(workDir, `${cluster}-cert-agent.log`),
    }),
  );
}

async function caSecret(cluster: string): Promise<SecretObject | undefined> {
  return await remotes.get(cluster)?.get(SECRET, 'cacerts', 'istio-system');
}

async function rootPem(): Promise<string> {
  return decode(await mgmt.get(SECRET, ROOT_SECRET, NS), 'root-cert.pem');
}

/** Waits until both clusters' cacerts hold an intermediate under `root` and their IssuedCertificates are FINISHED. */
async function issuedUnder(root: string, previous: ReadonlyMap<string, string> = new Map()): Promise<void> {
  await waitFor(
    'both intermediates issued under the expected root',
    async () => {
      for (const cluster of CLUSTERS) {
        const secret = await caSecret(cluster);
        // The signing root leads the bundle (a previous root may follow it during a rotation).
        if (firstCertificate(decode(secret, 'root-cert.pem')).trim() !== root.trim()) return false;
        if (decode(secret, 'ca-cert.pem') === previous.get(cluster)) return false;
        const mesh = MESHES[CLUSTERS.indexOf(cluster)] ?? '';
        const issued = (await remotes.get(cluster)?.get(ISSUED_CERTIFICATE, mesh, NS)) as
          { status?: { state?: string } } | undefined;
        if (issued?.status?.state !== 'FINISHED') return false;
      }
      return true;
    },
    90_000,
  );
}

/** Whether `certificatePem` was signed by the key of `issuerPem` (false for anything that does not parse). */
function signedBy(certificatePem: string, issuerPem: string): boolean {
  try {
    return new X509Certificate(certificatePem).verify(new X509Certificate(issuerPem).publicKey);
  } catch {
    return false;
  }
}

/**
 * Polls both clusters' cacerts during a root rotation from `oldRoot`, until stopped: counts the
 * samples in the distribute phase (an intermediate under the old root, a bundle holding the new
 * one) and records every sample where a cluster holds an intermediate under the new root while
 * the other cluster's bundle lacks it (its workloads would reject the first one's).
 */
function watchRoll(oldRoot: string): { stop: () => Promise<{ distributing: number; violations: string[] }> } {
  const state = { stopped: false };
  let distributing = 0;
  const violations: string[] = [];
  const loop = (async () => {
    while (!state.stopped) {
      const root = await rootPem();
      if (root.trim() !== oldRoot.trim()) {
        const held = await Promise.all(
          CLUSTERS.map(async (cluster) => {
            const secret = await caSecret(cluster);
            const bundle = decode(secret, 'root-cert.pem');
            return { cluster, intermediate: decode(secret, 'ca-cert.pem'), trustsNew: bundle.includes(root.trim()) };
          }),
        );
        for (const { cluster, intermediate, trustsNew } of held) {
          if (trustsNew && signedBy(intermediate, oldRoot)) distributing++;
          if (!signedBy(intermediate, root)) continue;
          for (const other of held) {
            if (!other.trustsNew) violations.push(`${cluster} signed by the new root while ${other.cluster} lacks it`);
          }
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    stop: async () => {
      state.stopped = true;
      await loop;
      return { distributing, violations };
    },
  };
}

/** `openssl verify` of a cluster's cacerts against the root; returns the intermediate's text form. */
function verifyChain(cluster: string, secret: SecretObject | undefined, root: string): string {
  const dir = join(workDir, `verify-${cluster}-${String(Date.now())}`);
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'root.pem'), root);
  writeFileSync(join(dir, 'ca-cert.pem'), decode(secret, 'ca-cert.pem'));
  writeFileSync(join(dir, 'cert-chain.pem'), decode(secret, 'cert-chain.pem'));
  writeFileSync(join(dir, 'cacerts-root.pem'), decode(secret, 'root-cert.pem'));
  const verify = execFileSync('openssl', ['verify', '-CAfile', join(dir, 'root.pem'), join(dir, 'ca-cert.pem')], {
    encoding: 'utf8',
  });
  assert.match(verify, /ca-cert\.pem: OK/);
  // The chain Istio serves starts with the intermediate and ends with the same root.
  const chain = execFileSync('openssl', ['crl2pkcs7', '-nocrl', '-certfile', join(dir, 'cert-chain.pem')], {
    encoding: 'utf8',
  });
  const subjects = execFileSync('openssl', ['pkcs7', '-print_certs', '-noout'], { input: chain, encoding: 'utf8' });
  assert.equal((subjects.match(/^subject=/gm) ?? []).length, 2, subjects);
  // The private key in cacerts belongs to the intermediate.
  writeFileSync(join(dir, 'ca-key.pem'), decode(secret, 'ca-key.pem'), { mode: 0o600 });
  const fromKey = execFileSync('openssl', ['pkey', '-in', join(dir, 'ca-key.pem'), '-pubout'], { encoding: 'utf8' });
  const fromCert = execFileSync('openssl', ['x509', '-in', join(dir, 'ca-cert.pem'), '-pubkey', '-noout'], {
    encoding: 'utf8',
  });
  assert.equal(fromKey, fromCert, `${cluster}: ca-key.pem is the key of ca-cert.pem`);
  return execFileSync('openssl', ['x509', '-in', join(dir, 'ca-cert.pem'), '-noout', '-text'], { encoding: 'utf8' });
}

describe('VirtualMesh: shared trust and federation on three real clusters', { timeout: 600_000 }, () => {
  before(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'mesh-hub-vm-e2e-'));
    env = await startTestEnv({ stateDir: join(workDir, 'env') });
    mgmt = clientFromKubeconfigFile('mgmt', env.kubeconfigPath, 'mgmt');
    for (const cluster of CLUSTERS)
      remotes.set(cluster, clientFromKubeconfigFile(cluster, env.kubeconfigPath, cluster));
  });

  after(async () => {
    for (const agent of agents) await agent.stop();
    await controller?.stop();
    await Promise.resolve()
      .then(() => stopTestEnv(env))
      .catch(() => undefined);
    rmSync(workDir, { recursive: true, force: true });
  });

  it('installs, registers both clusters with their cert agents and discovers bookinfo', async () => {
    const base = ['--kubeconfig', env.kubeconfigPath, '--context', 'mgmt'];
    // The user root of a later step lives in `default`: the operator allows roots there.
    const install = await meshctl([...base, 'install', '--wait=false', '--root-ca-namespaces', 'default']);
    assert.equal(install.code, 0, install.stderr);
    for (const [cluster, remote] of remotes) {
      const register = await meshctl([...base, 'cluster', 'register', cluster, '--remote-context', cluster]);
      assert.equal(register.code, 0, register.stderr);
      assert.match(register.stdout, /Deployment gloo-mesh\/mesh-hub-cert-agent/);
      await loadEstateCluster(remote, join(EXAMPLES_DIR, 'bookinfo'), cluster);
      await startAgent(cluster, remote);
    }
    controller = await startController({
      kubeconfig: env.kubeconfigPath,
      context: 'mgmt',
      logFile: join(workDir, 'controller.log'),
    });
    await waitFor(
      'Destinations of both clusters',
      async () => {
        const names = (await mgmt.list(DESTINATION, { namespace: NS })).items.map((d) => d.metadata.name);
        return names.includes('reviews-bookinfo-cluster-1') && names.includes('reviews-bookinfo-cluster-2');
      },
      60_000,
    );
  });

  it('generates a root CA and issues one intermediate per mesh through the cert agents', async () => {
    await mgmt.apply(virtualMesh({ generated: { rsaKeySizeBytes: 2048, ttlDays: 90, orgName: 'mesh-hub-e2e' } }));
    await waitFor('the generated root CA Secret', async () => (await rootPem()) !== '', 30_000);
    const root = await rootPem();
    await issuedUnder(root);
    for (const cluster of CLUSTERS) {
      const secret = await caSecret(cluster);
      assert.equal(secret?.type, 'certificates.mesh.gloo.solo.io/issued_certificate');
      assert.deepEqual(Object.keys(secret.data ?? {}).sort(), [
        'ca-cert.pem',
        'ca-key.pem',
        'cert-chain.pem',
        'root-cert.pem',
      ]);
      const text = verifyChain(cluster, secret, root);
      assert.match(text, /CA:TRUE, pathlen:0/);
      assert.match(text, /URI:spiffe:\/\/cluster\.local\/ns\/istio-system\/sa\/istiod/);
      // The CertificateRequest carries the CSR only: the key stayed with the agent.
      const request = (await remotes
        .get(cluster)
        ?.get(CERTIFICATE_REQUEST, MESHES[CLUSTERS.indexOf(cluster)] ?? '', NS)) as
        { spec?: { certificateSigningRequest?: string }; status?: { state?: string } } | undefined;
      assert.equal(request?.status?.state, 'FINISHED');
      assert.match(
        Buffer.from(request.spec?.certificateSigningRequest ?? '', 'base64').toString(),
        /BEGIN CERTIFICATE REQUEST/,
      );
    }
    const status = (await mgmt.get(VIRTUAL_MESH, 'bookinfo', NS)) as
      { status?: { state?: string; meshes?: Record<string, { state?: string }> } } | undefined;
    assert.equal(status?.status?.state, 'ACCEPTED', JSON.stringify(status?.status));
    const describe = await meshctl([
      '--kubeconfig',
      env.kubeconfigPath,
      '--context',
      'mgmt',
      'describe',
      'virtualmesh',
      `${NS}/bookinfo`,
    ]);
    assert.equal(describe.code, 0, describe.stderr);
    for (const cluster of CLUSTERS)
      assert.match(describe.stdout, new RegExp(`${cluster} +${NS}/istiod-istio-system-${cluster} +FINISHED`));
  });

  it("reports each intermediate's expiry from the real certificate: dashboard API (with an injected clock) and describe", async () => {
    // What istiod really uses: the intermediate in each cluster's cacerts.
    const notAfters = new Map<string, string>();
    for (const cluster of CLUSTERS) {
      const pem = decode(await caSecret(cluster), 'ca-cert.pem');
      notAfters.set(cluster, new X509Certificate(pem).validToDate.toISOString());
    }
    const rootNotAfter = new X509Certificate(await rootPem()).validToDate.toISOString();
    const clock = { now: Date.now() };
    const source = new EstateSource({ mgmt, installNamespace: NS });
    source.start();
    const dashboard = await startDashboard({
      source,
      access: LOCAL_ACCESS,
      host: '127.0.0.1',
      port: 0,
      version: 'test',
      now: () => clock.now,
    });
    try {
      await waitFor('the dashboard has read the management cluster', () => Promise.resolve(source.synced()), 30_000);
      const virtualMeshes = async () => {
        const response = await fetch(new URL('/api/virtualmeshes', dashboard.url));
        assert.equal(response.status, 200);
        const text = await response.text();
        // Dates only: no certificate, let alone a key, leaves the server.
        assert.doesNotMatch(text, /BEGIN|PRIVATE/);
        const item = VirtualMeshList.parse(JSON.parse(text)).items.find((v) => v.name === 'bookinfo');
        assert.ok(item !== undefined, text);
        return item;
      };
      const item = await virtualMeshes();
      assert.deepEqual(
        item.certificates.map((c) => ({
          cluster: c.cluster,
          state: c.expiry.state,
          notAfter: c.expiry.notAfter,
          daysLeft: c.expiry.daysLeft,
          root: c.root?.notAfter,
        })),
        CLUSTERS.map((cluster) => ({
          cluster,
          state: 'issued',
          notAfter: notAfters.get(cluster),
          // ttlDays 30, issued minutes ago.
          daysLeft: 29,
          root: rootNotAfter,
        })),
      );
      // Two days before the end: inside the agent's rotation window (10 % of 30 days), so expiring.
      const first = Date.parse(notAfters.get('cluster-1') ?? '');
      clock.now = first - 2 * 24 * 3600_000;
      const expiring = (await virtualMeshes()).certificates.find((c) => c.cluster === 'cluster-1');
      assert.equal(expiring?.expiry.state, 'expiring');
      assert.equal(expiring.expiry.daysLeft, 2);
      clock.now = first + 1;
      assert.equal(
        (await virtualMeshes()).certificates.find((c) => c.cluster === 'cluster-1')?.expiry.state,
        'expired',
      );
    } finally {
      await dashboard.stop();
      source.stop();
    }
    // meshctl describe shows the same line per cluster.
    const describe = await meshctl([
      '--kubeconfig',
      env.kubeconfigPath,
      '--context',
      'mgmt',
      'describe',
      'virtualmesh',
      `${NS}/bookinfo`,
    ]);
    assert.equal(describe.code, 0, describe.stderr);
    for (const cluster of CLUSTERS) {
      const day = (notAfters.get(cluster) ?? '').slice(0, 10);
      assert.match(
        describe.stdout,
        new RegExp(
          `${cluster} +${NS}/istiod-istio-system-${cluster} +FINISHED +issued, expires on ${day} \\(in 29 days\\)`,
        ),
      );
    }
    assert.match(describe.stdout, new RegExp(`Root CA: expires on ${rootNotAfter.slice(0, 10)} \\(in 89 days\\)`));
  });

  it('never puts an intermediate private key on the management cluster', async () => {
    const keys: string[] = [];
    for (const cluster of CLUSTERS) {
      const key = decode(await caSecret(cluster), 'ca-key.pem');
      assert.match(key, /BEGIN PRIVATE KEY/);
      keys.push(key.replace(/-----[A-Z ]+-----|\s/g, ''));
    }
    // Every Secret in every namespace of the management cluster, and everything else Mesh Hub wrote there.
    const namespaces = (await mgmt.list(NAMESPACE)).items.map((n) => n.metadata.name);
    let scanned = 0;
    for (const namespace of namespaces) {
      for (const secret of (await mgmt.list(SECRET, { namespace })).items as SecretObject[]) {
        scanned++;
        const text = Object.values(secret.data ?? {})
          .map((value) => Buffer.from(value, 'base64').toString('utf8'))
          .join('\n')
          .replace(/-----[A-Z ]+-----|\s/g, '');
        for (const key of keys) assert.ok(!text.includes(key), `Secret ${namespace}/${secret.metadata.name}`);
      }
    }
    assert.ok(scanned > 0);
    const log = readFileSync(join(workDir, 'controller.log'), 'utf8');
    assert.doesNotMatch(log, /PRIVATE KEY|BEGIN CERTIFICATE/);
    for (const agent of agents) assert.doesNotMatch(agent.log(), /PRIVATE KEY|BEGIN CERTIFICATE/);
  });

  it('federates bookinfo: each cluster gets ServiceEntries for the other cluster’s services', async () => {
    if (SERVICE_ENTRY === undefined) throw new Error('no ServiceEntry type');
    const entryType = SERVICE_ENTRY;
    await waitFor('federated ServiceEntries in both clusters', async () => {
      for (const [cluster, remote] of remotes) {
        const other = cluster === 'cluster-1' ? 'cluster-2' : 'cluster-1';
        const hosts = (
          await remote.list(entryType, { labelSelector: `owner.networking.mesh.gloo.solo.io=${NS}` })
        ).items
          .flatMap((entry) => (entry as { spec?: { hosts?: string[] } }).spec?.hosts ?? [])
          .filter((host) => host.includes(`.svc.${other}.`));
        if (!hosts.some((host) => host.startsWith('reviews.bookinfo.svc.'))) return false;
      }
      return true;
    });
  });

  it('re-issues both intermediates when the root changes: new options, then a user-supplied root', async () => {
    const before = new Map<string, string>();
    for (const cluster of CLUSTERS) before.set(cluster, decode(await caSecret(cluster), 'ca-cert.pem'));
    const oldRoot = await rootPem();
    const roll = watchRoll(oldRoot);
    // Other options for the generated root: Mesh Hub generates a new one.
    await mgmt.apply(virtualMesh({ generated: { rsaKeySizeBytes: 2048, ttlDays: 120, orgName: 'mesh-hub-e2e' } }));
    await waitFor('a new generated root', async () => (await rootPem()) !== oldRoot, 30_000);
    const newRoot = await rootPem();
    await issuedUnder(newRoot, before);
    const { distributing, violations } = await roll.stop();
    // Two phases: every member got the new root in its bundle (intermediates still under the old
    // root) before any intermediate under the new root was installed anywhere.
    console.log(
      `root roll: ${String(distributing)} samples in the distribute phase, ${String(violations.length)} violations`,
    );
    assert.deepEqual(violations, []);
    assert.ok(distributing > 0, 'the distribute phase was observed');
    // During the roll, workloads trust both roots: root-cert.pem is the new root, then the old one.
    for (const cluster of CLUSTERS) {
      assert.equal(decode(await caSecret(cluster), 'root-cert.pem'), newRoot + oldRoot, `${cluster}: trust bundle`);
    }
    for (const cluster of CLUSTERS) {
      const secret = await caSecret(cluster);
      verifyChain(cluster, secret, newRoot);
      const dir = join(workDir, `old-root-${cluster}`);
      execFileSync('mkdir', ['-p', dir]);
      writeFileSync(join(dir, 'root.pem'), oldRoot);
      writeFileSync(join(dir, 'ca-cert.pem'), decode(secret, 'ca-cert.pem'));
      assert.throws(() =>
        execFileSync('openssl', ['verify', '-CAfile', join(dir, 'root.pem'), join(dir, 'ca-cert.pem')], {
          stdio: 'pipe',
        }),
      );
    }

    // A root the user brings, in a Secret of their own.
    const userRoot = await generateRootCa({ rsaKeySizeBytes: 2048, ttlDays: 30, orgName: 'user-root' });
    await mgmt.apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'user-root', namespace: 'default' },
      type: 'Opaque',
      data: {
        'root-cert.pem': Buffer.from(userRoot.certificatePem).toString('base64'),
        'key.pem': Buffer.from(userRoot.privateKeyPem).toString('base64'),
      },
    });
    const previous = new Map<string, string>();
    for (const cluster of CLUSTERS) previous.set(cluster, decode(await caSecret(cluster), 'ca-cert.pem'));
    await mgmt.apply(virtualMesh({ secret: { name: 'user-root', namespace: 'default' } }));
    await issuedUnder(userRoot.certificatePem, previous);
    for (const cluster of CLUSTERS) verifyChain(cluster, await caSecret(cluster), userRoot.certificatePem);

    // A root in a namespace the operator did not allow is refused, and never read.
    const tenant = virtualMesh({ secret: { name: 'user-root', namespace: 'kube-system' } });
    await mgmt.apply({ ...tenant, metadata: { name: 'tenant', namespace: NS } });
    await waitFor('the tenant VirtualMesh INVALID', async () => {
      const object = (await mgmt.get(VIRTUAL_MESH, 'tenant', NS)) as
        { status?: { state?: string; errors?: string[] } } | undefined;
      return (
        object?.status?.state === 'INVALID' &&
        (object.status.errors ?? []).some((e) =>
          e.startsWith(
            'spec.mtlsConfig.shared.rootCertificateAuthority.secret.namespace: root CA Secrets are read only in default, gloo-mesh, not in kube-system',
          ),
        )
      );
    });
    await mgmt.delete(VIRTUAL_MESH, 'tenant', NS);
  });

  it('with autoRestartPods, restarts istiod first, then — once the new root is synced — the workloads', async () => {
    const podNames = async (cluster: string, namespace: string, app: string) =>
      ((await remotes.get(cluster)?.list(POD, { namespace, labelSelector: `app=${app}` }))?.items ?? [])
        .filter((pod) => pod.metadata.deletionTimestamp === undefined)
        .map((pod) => pod.metadata.name);
    // No kubelet or scheduler runs here: the test plays the ReplicaSet controller and the kubelet,
    // with pods labelled as the Deployments' templates are.
    const createPod = async (cluster: string, namespace: string, deployment: string, name: string) => {
      const remote = remotes.get(cluster);
      if (remote === undefined) throw new Error(cluster);
      const template = (await remote.get(DEPLOYMENT, deployment, namespace)) as
        { spec?: { template?: { metadata?: { labels?: Record<string, string> } } } } | undefined;
      await remote.create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace, labels: template?.spec?.template?.metadata?.labels ?? {} },
        spec: { automountServiceAccountToken: false, containers: [{ name: 'main', image: 'example.invalid/app' }] },
      });
    };
    const before = new Map<string, { istiod: string[]; reviews: string[] }>();
    for (const cluster of CLUSTERS) {
      // The ReplicaSets make the bookinfo pods; istiod's cannot (its ServiceAccount is not part of
      // the estate), so the test makes that one.
      if ((await podNames(cluster, 'istio-system', 'istiod')).length === 0)
        await createPod(cluster, 'istio-system', 'istiod', 'istiod-old');
      await waitFor(
        `reviews pods in ${cluster}`,
        async () => (await podNames(cluster, 'bookinfo', 'reviews')).length > 0,
      );
      before.set(cluster, {
        istiod: await podNames(cluster, 'istio-system', 'istiod'),
        reviews: await podNames(cluster, 'bookinfo', 'reviews'),
      });
      assert.ok((before.get(cluster)?.istiod.length ?? 0) > 0);
    }
    await mgmt.apply(virtualMesh({ secret: { name: 'user-root', namespace: 'default' } }, true));
    for (const cluster of CLUSTERS) {
      const old = before.get(cluster) ?? { istiod: [], reviews: [] };
      await waitFor(
        `the old istiod pods of ${cluster} restarted`,
        async () => !(await podNames(cluster, 'istio-system', 'istiod')).some((name) => old.istiod.includes(name)),
        60_000,
      );
    }
    // No kubelet runs here: play it, and mark the new istiod pods Ready.
    for (const cluster of CLUSTERS) {
      const remote = remotes.get(cluster);
      if (remote === undefined) throw new Error(cluster);
      if ((await podNames(cluster, 'istio-system', 'istiod')).length === 0)
        await createPod(cluster, 'istio-system', 'istiod', 'istiod-new');
      for (const name of await podNames(cluster, 'istio-system', 'istiod')) {
        await remote.request(
          'PATCH',
          `${resourcePath(POD, 'istio-system', name)}/status`,
          { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } },
          'application/merge-patch+json',
        );
      }
    }
    // The workloads wait until istiod has copied the new root into their namespace.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    for (const cluster of CLUSTERS) {
      const old = before.get(cluster) ?? { istiod: [], reviews: [] };
      assert.deepEqual(
        (await podNames(cluster, 'bookinfo', 'reviews')).filter((name) => old.reviews.includes(name)).sort(),
        [...old.reviews].sort(),
        `${cluster}: workloads restart only after the root is synced`,
      );
    }
    // Play istiod: copy the new root into istio-ca-root-cert of every namespace the directive names.
    for (const cluster of CLUSTERS) {
      const remote = remotes.get(cluster);
      if (remote === undefined) throw new Error(cluster);
      const directive = (await remote.get(POD_BOUNCE_DIRECTIVE, MESHES[CLUSTERS.indexOf(cluster)] ?? '', NS)) as
        { spec?: { podsToBounce?: { namespace?: string }[] } } | undefined;
      const namespaces = new Set((directive?.spec?.podsToBounce ?? []).map((p) => p.namespace ?? ''));
      assert.ok(namespaces.has('bookinfo'), [...namespaces].join(','));
      const root = decode(await caSecret(cluster), 'root-cert.pem');
      for (const namespace of namespaces) {
        await remote.apply({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'istio-ca-root-cert', namespace },
          data: { 'root-cert.pem': root },
        });
      }
    }
    for (const cluster of CLUSTERS) {
      const old = before.get(cluster) ?? { istiod: [], reviews: [] };
      const mesh = MESHES[CLUSTERS.indexOf(cluster)] ?? '';
      await waitFor(
        `${cluster}: workloads restarted and the IssuedCertificate FINISHED`,
        async () => {
          const reviews = await podNames(cluster, 'bookinfo', 'reviews');
          const issued = (await remotes.get(cluster)?.get(ISSUED_CERTIFICATE, mesh, NS)) as
            { status?: { state?: string } } | undefined;
          return !reviews.some((name) => old.reviews.includes(name)) && issued?.status?.state === 'FINISHED';
        },
        60_000,
      );
    }
  });
});
