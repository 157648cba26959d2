// The cert agent (`meshhub cert-agent`, a real child process) against a real kube-apiserver. The
// test plays everything around it: the management plane (it writes the IssuedCertificate and the
// PodBounceDirective), the issuer (it signs the CertificateRequest with src/certs, as the issuer
// does), the kubelet and ReplicaSets (it makes replacement pods and marks them Ready) and istiod
// (it copies the new root into the istio-ca-root-cert ConfigMap). The agent runs with the token of
// its own ServiceAccount and exactly the roles `meshctl cluster register` gives it, so every case
// also proves those roles suffice, and one case that they refuse everything else.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { KubeObject } from '../../src/api/meta.ts';
import {
  INPUTS_HASH_ANNOTATION,
  SECRET_KEYS,
  SECRET_TYPES,
  SIGNED_CERTIFICATE_HASH_ANNOTATION,
} from '../../src/certs/cert-defaults.ts';
import { generateRootCa, signIntermediate, type KeyAndCertificate } from '../../src/certs/crypto.ts';
import { bytesToPem, certificateDigest, signedRequestStatus, type CertificateRequest } from '../../src/certs/phases.ts';
import { CERT_AGENT_NAME, certAgentClusterRoleName, remoteRegistrationObjects } from '../../src/install/manifests.ts';
import { clientFromKubeconfigFile, type KubeClient } from '../../src/kube/client.ts';
import { certificateAuthority, registrationKubeconfig, requestToken } from '../../src/kube/registration.ts';
import {
  CERTIFICATE_REQUEST,
  CLUSTER_ROLE,
  CLUSTER_ROLE_BINDING,
  ISSUED_CERTIFICATE,
  POD,
  POD_BOUNCE_DIRECTIVE,
  resourcePath,
  SECRET,
} from '../../src/kube/resources.ts';
import { startCertAgent, type RunningProcess as RunningCertAgent } from '../e2e/support.ts';
import { freshNamespace, statusOfCall, testCluster, waitFor } from '../testenv/helpers.ts';

const CONTEXT = 'cluster-1';
const GROUP = 'certificates.mesh.gloo.solo.io/v1';
const BOUNCE_FOR = 'certificates.meshhub.dev/bounce-for';

interface SecretObject extends KubeObject {
  readonly type?: string;
  readonly data?: Record<string, string>;
}
interface IssuedStatus {
  readonly status?: { readonly state?: string; readonly error?: string };
}
interface DirectiveObject extends KubeObject {
  readonly status?: {
    readonly podsBounced?: { readonly bouncedPods?: string[] }[];
    readonly pendingPods?: string[];
    readonly waiting?: string;
  };
}

function kubeconfigPath(): string {
  const path = process.env.MESHHUB_TEST_KUBECONFIG;
  if (path === undefined || path === '') throw new Error('MESHHUB_TEST_KUBECONFIG is not set');
  return path;
}

const decode = (secret: SecretObject | undefined, key: string) =>
  Buffer.from(secret?.data?.[key] ?? '', 'base64').toString('utf8');

/**
 * The agent's ServiceAccount and roles as registration writes them (agent namespace, mesh
 * namespace `meshNamespace`), and a kubeconfig with a token of that ServiceAccount.
 */
async function agentIdentity(
  t: TestContext,
  kube: KubeClient,
  agentNamespace: string,
  meshNamespace: string,
  dir: string,
): Promise<{ kubeconfig: string; client: KubeClient }> {
  const objects = remoteRegistrationObjects({
    cluster: CONTEXT,
    namespace: agentNamespace,
    certAgentImage: 'example.invalid/unused',
    meshNamespaces: [meshNamespace],
  }).filter(
    (object) =>
      object.metadata.name.includes('cert-agent') && object.kind !== 'Deployment' && object.kind !== 'Namespace',
  );
  for (const object of objects) await kube.apply(object);
  t.after(async () => {
    // Cluster-scoped, so not removed with the namespaces.
    await kube.delete(CLUSTER_ROLE_BINDING, certAgentClusterRoleName(agentNamespace)).catch(() => undefined);
    await kube.delete(CLUSTER_ROLE, certAgentClusterRoleName(agentNamespace)).catch(() => undefined);
  });
  const { token } = await requestToken(kube, agentNamespace, 3600, CERT_AGENT_NAME);
  const kubeconfig = join(dir, 'agent.kubeconfig');
  writeFileSync(kubeconfig, registrationKubeconfig(CONTEXT, kube.server, certificateAuthority(kube), token), {
    mode: 0o600,
  });
  return { kubeconfig, client: clientFromKubeconfigFile(CONTEXT, kubeconfig, CONTEXT) };
}

/** Namespaces, a client and a running agent for one case; all removed after it. names: agent, mesh, others. */
async function setUp(t: TestContext, names: readonly string[]) {
  const cluster = testCluster(CONTEXT);
  const kube = clientFromKubeconfigFile(CONTEXT, kubeconfigPath(), CONTEXT);
  const namespaces: string[] = [];
  for (const name of names) namespaces.push(await freshNamespace(cluster, t, name));
  const agentNamespace = namespaces[0] ?? '';
  const meshNamespace = namespaces[1] ?? '';
  const dir = mkdtempSync(join(tmpdir(), 'cert-agent-'));
  const identity = await agentIdentity(t, kube, agentNamespace, meshNamespace, dir);
  const agent = await startCertAgent({
    kubeconfig: identity.kubeconfig,
    context: CONTEXT,
    namespace: agentNamespace,
    logFile: join(dir, 'agent.log'),
    extraArgs: ['--log-level=debug', `--mesh-namespaces=${meshNamespace}`],
  });
  t.after(async () => {
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  // Generous: the agent is a fresh Node process, on a machine that may be busy.
  await waitFor('the agent ready', () => agent.ready(), 60_000);
  return { kube, namespaces, agent, dir, agentClient: identity.client };
}

function issuedCertificate(name: string, namespace: string, caNamespace: string, bounce: boolean): KubeObject {
  return {
    apiVersion: GROUP,
    kind: 'IssuedCertificate',
    metadata: { name, namespace, annotations: { [INPUTS_HASH_ANNOTATION]: 'inputs-1' } },
    spec: {
      hosts: [`spiffe://cluster.local/ns/${caNamespace}/sa/istiod`],
      org: 'Istio',
      signingCertificateSecret: { name: 'root', namespace: 'gloo-mesh' },
      issuedCertificateSecret: { name: 'cacerts', namespace: caNamespace },
      ...(bounce ? { podBounceDirective: { name, namespace } } : {}),
      // Small keys: the test is about the flow, not about key strength.
      certOptions: { rsaKeySizeBytes: 2048, ttlDays: 1, orgName: 'Istio' },
      glooMeshCa: { signingCertificateSecret: { name: 'root', namespace: 'gloo-mesh' } },
    },
  };
}

async function createPod(kube: KubeClient, namespace: string, name: string, app: string): Promise<void> {
  await kube.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { app } },
    spec: { automountServiceAccountToken: false, containers: [{ name: 'main', image: 'example.invalid/app' }] },
  });
}

/** Plays the kubelet: the pod is Ready. */
async function markReady(kube: KubeClient, namespace: string, name: string): Promise<void> {
  await kube.request(
    'PATCH',
    `${resourcePath(POD, namespace, name)}/status`,
    { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } },
    'application/merge-patch+json',
  );
}

async function podExists(kube: KubeClient, namespace: string, name: string): Promise<boolean> {
  return (await kube.get(POD, name, namespace)) !== undefined;
}

async function stateOf(kube: KubeClient, name: string, namespace: string): Promise<IssuedStatus['status']> {
  return ((await kube.get(ISSUED_CERTIFICATE, name, namespace)) as (KubeObject & IssuedStatus) | undefined)?.status;
}

/** Plays the issuer: signs the request's CSR with `root` and writes the answer to its status. */
async function sign(kube: KubeClient, name: string, namespace: string, root: KeyAndCertificate, hosts: string[]) {
  const request = (await kube.get(CERTIFICATE_REQUEST, name, namespace)) as CertificateRequest | undefined;
  assert.ok(request !== undefined, `CertificateRequest ${namespace}/${name}`);
  const certificatePem = await signIntermediate({
    csrPem: bytesToPem(request.spec.certificateSigningRequest ?? ''),
    root,
    hosts,
    ttlDays: 1,
  });
  await kube.apply(
    {
      apiVersion: GROUP,
      kind: 'CertificateRequest',
      metadata: { name, namespace },
      status: signedRequestStatus(request, certificatePem, root.certificatePem),
    },
    { subresource: 'status' },
  );
  return certificatePem;
}

/** `openssl verify -CAfile root certificate`: true when the chain checks out. */
function opensslVerifies(dir: string, rootPem: string, certificatePem: string): boolean {
  const root = join(dir, 'root.pem');
  const certificate = join(dir, 'ca-cert.pem');
  writeFileSync(root, rootPem);
  writeFileSync(certificate, certificatePem);
  try {
    execFileSync('openssl', ['verify', '-CAfile', root, certificate], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** The public key of a certificate and of a private key, by openssl: they must be one key pair. */
function publicKeys(dir: string, certificatePem: string, keyPem: string): [string, string] {
  const certificate = join(dir, 'pair-cert.pem');
  const key = join(dir, 'pair-key.pem');
  writeFileSync(certificate, certificatePem);
  writeFileSync(key, keyPem, { mode: 0o600 });
  const fromCertificate = execFileSync('openssl', ['x509', '-noout', '-pubkey', '-in', certificate]).toString();
  const fromKey = execFileSync('openssl', ['pkey', '-pubout', '-in', key]).toString();
  rmSync(key);
  return [fromCertificate, fromKey];
}

describe('cert agent on a real API server', () => {
  it('requests, writes cacerts once signed, restarts pods in order, follows a new root, and cleans up', async (t) => {
    const started = performance.now();
    const { kube, namespaces, agent, dir } = await setUp(t, ['agent', 'istio', 'app']);
    const [agentNs = '', istioNs = '', appNs = ''] = namespaces;
    const hosts = [`spiffe://cluster.local/ns/${istioNs}/sa/istiod`];
    await createPod(kube, istioNs, 'istiod-1', 'istiod');
    await markReady(kube, istioNs, 'istiod-1');
    await createPod(kube, appNs, 'web-1', 'web');
    // The management plane writes the PodBounceDirective and the IssuedCertificate.
    await kube.apply({
      apiVersion: GROUP,
      kind: 'PodBounceDirective',
      metadata: { name: 'mesh', namespace: agentNs },
      spec: {
        podsToBounce: [
          { namespace: istioNs, labels: { app: 'istiod' }, waitForReplicas: 1 },
          {
            namespace: appNs,
            labels: { app: 'web' },
            rootCertSync: {
              secretRef: { name: 'cacerts', namespace: istioNs },
              secretKey: SECRET_KEYS.rootCert,
              configMapRef: { name: 'istio-ca-root-cert', namespace: appNs },
              configMapKey: SECRET_KEYS.rootCert,
            },
          },
        ],
      },
    });
    const issued = await kube.apply(issuedCertificate('mesh', agentNs, istioNs, true));

    // 1. The agent makes a key and asks for a certificate; both belong to the IssuedCertificate.
    await waitFor(
      'the CertificateRequest',
      async () => (await kube.get(CERTIFICATE_REQUEST, 'mesh', agentNs)) !== undefined,
    );
    const request = (await kube.get(CERTIFICATE_REQUEST, 'mesh', agentNs)) as CertificateRequest;
    const key = (await kube.get(SECRET, 'mesh-private-key', agentNs)) as SecretObject;
    for (const owned of [request, key]) {
      assert.deepEqual(
        owned.metadata.ownerReferences?.map((ref) => ({
          kind: ref.kind,
          name: ref.name,
          uid: ref.uid,
          controller: ref.controller,
        })),
        [{ kind: 'IssuedCertificate', name: 'mesh', uid: issued.metadata.uid, controller: true }],
      );
      assert.equal(owned.metadata.labels?.['app.kubernetes.io/managed-by'], 'mesh-hub');
    }
    assert.equal(key.type, SECRET_TYPES.agentPrivateKey);
    assert.match(decode(key, SECRET_KEYS.agentPrivateKey), /^-----BEGIN PRIVATE KEY-----/);
    assert.equal(request.metadata.annotations?.[INPUTS_HASH_ANNOTATION], 'inputs-1');
    assert.match(bytesToPem(request.spec.certificateSigningRequest ?? ''), /^-----BEGIN CERTIFICATE REQUEST-----/);
    await waitFor('REQUESTED', async () => (await stateOf(kube, 'mesh', agentNs))?.state === 'REQUESTED');

    // 2. The issuer signs; the agent writes Istio's cacerts.
    const root1 = await generateRootCa({ rsaKeySizeBytes: 2048, ttlDays: 2 });
    const certificate1 = await sign(kube, 'mesh', agentNs, root1, hosts);
    await waitFor('cacerts', async () => (await kube.get(SECRET, 'cacerts', istioNs)) !== undefined);
    const cacerts = (await kube.get(SECRET, 'cacerts', istioNs)) as SecretObject;
    assert.equal(cacerts.type, SECRET_TYPES.issuedCertificate);
    assert.deepEqual(Object.keys(cacerts.data ?? {}).sort(), [
      'ca-cert.pem',
      'ca-key.pem',
      'cert-chain.pem',
      'root-cert.pem',
    ]);
    assert.equal(decode(cacerts, SECRET_KEYS.caCert), certificate1);
    assert.equal(decode(cacerts, SECRET_KEYS.rootCert), root1.certificatePem);
    assert.equal(decode(cacerts, SECRET_KEYS.certChain), certificate1 + root1.certificatePem);
    assert.equal(decode(cacerts, SECRET_KEYS.caKey), decode(key, SECRET_KEYS.agentPrivateKey));
    assert.equal(cacerts.metadata.annotations?.[SIGNED_CERTIFICATE_HASH_ANNOTATION], certificateDigest(certificate1));
    assert.ok(opensslVerifies(dir, root1.certificatePem, decode(cacerts, SECRET_KEYS.caCert)), 'openssl verify');
    const [certificateKey, privateKey] = publicKeys(
      dir,
      decode(cacerts, SECRET_KEYS.caCert),
      decode(cacerts, SECRET_KEYS.caKey),
    );
    assert.equal(certificateKey, privateKey, 'ca-cert.pem and ca-key.pem are one key pair');

    // 3. Pods restart in order: istiod first (its selector does not wait for a root) …
    await waitFor('istiod-1 deleted', async () => !(await podExists(kube, istioNs, 'istiod-1')));
    assert.ok(await podExists(kube, appNs, 'web-1'), 'the workload waits for istiod');
    const directive = (await kube.get(POD_BOUNCE_DIRECTIVE, 'mesh', agentNs)) as DirectiveObject;
    assert.equal(directive.metadata.annotations?.[BOUNCE_FOR], certificateDigest(certificate1));
    assert.deepEqual(directive.status?.podsBounced, [{ bouncedPods: ['istiod-1'] }]);
    // … the kubelet brings a new istiod up; the workloads still wait for the root to reach their namespace.
    await createPod(kube, istioNs, 'istiod-2', 'istiod');
    await markReady(kube, istioNs, 'istiod-2');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assert.ok(
      await podExists(kube, appNs, 'web-1'),
      'no workload restart before istio-ca-root-cert holds the new root',
    );
    assert.equal((await stateOf(kube, 'mesh', agentNs))?.state, 'ISSUED');
    // istiod copies the root: now the workloads restart, and the IssuedCertificate is FINISHED.
    await kube.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'istio-ca-root-cert', namespace: appNs },
      data: { [SECRET_KEYS.rootCert]: root1.certificatePem },
    });
    await waitFor('web-1 deleted', async () => !(await podExists(kube, appNs, 'web-1')));
    await waitFor('FINISHED', async () => (await stateOf(kube, 'mesh', agentNs))?.state === 'FINISHED');
    assert.deepEqual(((await kube.get(POD_BOUNCE_DIRECTIVE, 'mesh', agentNs)) as DirectiveObject).status?.podsBounced, [
      { bouncedPods: ['istiod-1'] },
      { bouncedPods: ['web-1'] },
    ]);
    assert.ok(await podExists(kube, istioNs, 'istiod-2'), 'the replacement is never deleted for the same certificate');
    await createPod(kube, appNs, 'web-2', 'web');

    // 4. The issuer re-signs with a new root: cacerts is rewritten and the pods restart again.
    const root2 = await generateRootCa({ rsaKeySizeBytes: 2048, ttlDays: 2 });
    const certificate2 = await sign(kube, 'mesh', agentNs, root2, hosts);
    await waitFor(
      'cacerts with the new root',
      async () => decode(await kube.get(SECRET, 'cacerts', istioNs), SECRET_KEYS.rootCert) === root2.certificatePem,
    );
    const rewritten = (await kube.get(SECRET, 'cacerts', istioNs)) as SecretObject;
    assert.equal(decode(rewritten, SECRET_KEYS.caCert), certificate2);
    assert.ok(opensslVerifies(dir, root2.certificatePem, certificate2), 'openssl verify with the new root');
    assert.ok(!opensslVerifies(dir, root1.certificatePem, certificate2), 'the old root does not sign it');
    await waitFor('istiod-2 deleted', async () => !(await podExists(kube, istioNs, 'istiod-2')));
    await createPod(kube, istioNs, 'istiod-3', 'istiod');
    await markReady(kube, istioNs, 'istiod-3');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assert.ok(await podExists(kube, appNs, 'web-2'), 'the ConfigMap still holds the old root');
    await kube.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'istio-ca-root-cert', namespace: appNs },
      data: { [SECRET_KEYS.rootCert]: root2.certificatePem },
    });
    await waitFor('web-2 deleted', async () => !(await podExists(kube, appNs, 'web-2')));
    await waitFor('FINISHED for the new certificate', async () => {
      const bounced = (await kube.get(POD_BOUNCE_DIRECTIVE, 'mesh', agentNs)) as DirectiveObject;
      return (
        bounced.metadata.annotations?.[BOUNCE_FOR] === certificateDigest(certificate2) &&
        (await stateOf(kube, 'mesh', agentNs))?.state === 'FINISHED'
      );
    });
    assert.deepEqual(((await kube.get(POD_BOUNCE_DIRECTIVE, 'mesh', agentNs)) as DirectiveObject).status?.podsBounced, [
      { bouncedPods: ['istiod-2'] },
      { bouncedPods: ['web-2'] },
    ]);
    assert.ok(await podExists(kube, istioNs, 'istiod-3'));

    // Read-your-writes: one key, one request for the whole flow (a lagging cache never requested twice).
    assert.equal(await agent.metric('meshhub_cert_agent_actions_total', { action: 'request' }), 1);
    assert.equal(((await kube.get(CERTIFICATE_REQUEST, 'mesh', agentNs)) as CertificateRequest).metadata.generation, 1);
    await waitFor(
      'the FINISHED gauge',
      async () => (await agent.metric('meshhub_cert_agent_issued_certificates', { state: 'FINISHED' })) === 1,
    );

    // 5. The IssuedCertificate goes: its request and key go with it; cacerts stays for istiod.
    await kube.delete(ISSUED_CERTIFICATE, 'mesh', agentNs);
    await waitFor('garbage collection', async () => {
      const left = await Promise.all([
        kube.get(CERTIFICATE_REQUEST, 'mesh', agentNs),
        kube.get(SECRET, 'mesh-private-key', agentNs),
      ]);
      return left.every((object) => object === undefined);
    });
    assert.ok((await kube.get(SECRET, 'cacerts', istioNs)) !== undefined);
    await waitFor('the removal logged', () => Promise.resolve(agent.log().includes('IssuedCertificate removed')));
    assertNoSecretsLogged(agent);
    t.diagnostic(`flow took ${((performance.now() - started) / 1000).toFixed(1)} s`);
  });

  it('fails, and leaves alone, a cacerts Secret Mesh Hub did not write', async (t) => {
    const { kube, namespaces, agent } = await setUp(t, ['agent', 'istio']);
    const [agentNs = '', istioNs = ''] = namespaces;
    const handMade = await kube.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'cacerts', namespace: istioNs },
      type: 'Opaque',
      data: { [SECRET_KEYS.caCert]: Buffer.from('my own CA').toString('base64') },
    });
    await kube.apply(issuedCertificate('mesh', agentNs, istioNs, false));
    await waitFor('FAILED', async () => (await stateOf(kube, 'mesh', agentNs))?.state === 'FAILED');
    const error = (await stateOf(kube, 'mesh', agentNs))?.error ?? '';
    assert.match(error, new RegExp(`Secret ${istioNs}/cacerts exists with type Opaque`));
    assert.match(error, /Remove it to let Mesh Hub manage this mesh's CA/);
    const after = (await kube.get(SECRET, 'cacerts', istioNs)) as SecretObject;
    assert.equal(after.metadata.resourceVersion, handMade.metadata.resourceVersion, 'untouched');
    assert.equal(after.type, 'Opaque');
    assert.equal(
      await kube.get(CERTIFICATE_REQUEST, 'mesh', agentNs),
      undefined,
      'no key made for a CA it cannot install',
    );
    assert.ok((await agent.metric('meshhub_cert_agent_actions_total', { action: 'request', result: 'failed' })) >= 1);
    assertNoSecretsLogged(agent);
  });
});

describe('cert agent least privilege on a real API server', () => {
  it('evicts through the Eviction API: a PodDisruptionBudget that blocks leaves the pod, and the status says why', async (t) => {
    const { kube, namespaces, agent } = await setUp(t, ['agent', 'istio']);
    const [agentNs = '', istioNs = ''] = namespaces;
    const hosts = [`spiffe://cluster.local/ns/${istioNs}/sa/istiod`];
    await createPod(kube, istioNs, 'istiod-1', 'istiod');
    await markReady(kube, istioNs, 'istiod-1');
    await kube.request('POST', `/apis/policy/v1/namespaces/${istioNs}/poddisruptionbudgets`, {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'istiod', namespace: istioNs },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'istiod' } } },
    });
    await kube.apply({
      apiVersion: GROUP,
      kind: 'PodBounceDirective',
      metadata: { name: 'mesh', namespace: agentNs },
      spec: { podsToBounce: [{ namespace: istioNs, labels: { app: 'istiod' }, waitForReplicas: 1 }] },
    });
    await kube.apply(issuedCertificate('mesh', agentNs, istioNs, true));
    await waitFor(
      'the CertificateRequest',
      async () => (await kube.get(CERTIFICATE_REQUEST, 'mesh', agentNs)) !== undefined,
    );
    await sign(kube, 'mesh', agentNs, await generateRootCa({ rsaKeySizeBytes: 2048, ttlDays: 2 }), hosts);
    await waitFor('the PodBounceDirective waiting on the budget', async () => {
      const directive = (await kube.get(POD_BOUNCE_DIRECTIVE, 'mesh', agentNs)) as DirectiveObject;
      return directive.status?.waiting !== undefined;
    });
    const waiting = (await kube.get(POD_BOUNCE_DIRECTIVE, 'mesh', agentNs)) as DirectiveObject;
    assert.match(
      waiting.status?.waiting ?? '',
      new RegExp(`PodDisruptionBudget refuses evicting pod ${istioNs}/istiod-1`),
    );
    assert.deepEqual(waiting.status?.pendingPods, ['istiod-1']);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.ok(await podExists(kube, istioNs, 'istiod-1'), 'nothing deleted past the budget');
    assert.equal((await stateOf(kube, 'mesh', agentNs))?.state, 'ISSUED');

    // A second replica makes room in the budget: the pending pod is evicted, its replacement never.
    await createPod(kube, istioNs, 'istiod-2', 'istiod');
    await markReady(kube, istioNs, 'istiod-2');
    await waitFor('istiod-1 evicted', async () => !(await podExists(kube, istioNs, 'istiod-1')), 60_000);
    await waitFor('FINISHED', async () => (await stateOf(kube, 'mesh', agentNs))?.state === 'FINISHED');
    const finished = (await kube.get(POD_BOUNCE_DIRECTIVE, 'mesh', agentNs)) as DirectiveObject;
    const { podsBounced, waiting: reason, pendingPods } = finished.status ?? {};
    assert.deepEqual(podsBounced, [{ bouncedPods: ['istiod-1'] }]);
    assert.equal(reason, undefined);
    assert.equal(pendingPods, undefined);
    assert.ok(await podExists(kube, istioNs, 'istiod-2'));
    assertNoSecretsLogged(agent);
  });

  it("refuses the agent's token anything beyond its roles: Secrets elsewhere, deletes, pods without eviction", async (t) => {
    const { kube, namespaces, agentClient } = await setUp(t, ['agent', 'istio', 'other']);
    const [agentNs = '', istioNs = '', otherNs = ''] = namespaces;
    const secret = (namespace: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'planted', namespace },
      type: 'Opaque',
      data: { x: Buffer.from('y').toString('base64') },
    });
    assert.equal(await statusOfCall(() => agentClient.create(secret(otherNs))), 403, 'Secret in a non-mesh namespace');
    assert.equal(await statusOfCall(() => agentClient.list(SECRET, { namespace: otherNs })), 403);
    assert.equal(await statusOfCall(() => agentClient.list(SECRET, {})), 403, 'no cluster-wide Secret list');
    // Allowed where registration put its roles, but never a delete.
    assert.equal(await statusOfCall(() => agentClient.create(secret(istioNs))), 0);
    assert.equal(await statusOfCall(() => agentClient.create(secret(agentNs))), 0);
    assert.equal(await statusOfCall(() => agentClient.delete(SECRET, 'planted', istioNs)), 403);
    assert.equal(await statusOfCall(() => agentClient.delete(SECRET, 'planted', agentNs)), 403);
    await createPod(kube, otherNs, 'victim', 'web');
    assert.equal(await statusOfCall(() => agentClient.delete(POD, 'victim', otherNs)), 403, 'no pod delete');
    assert.ok(await podExists(kube, otherNs, 'victim'));
  });
});

function assertNoSecretsLogged(agent: RunningCertAgent): void {
  assert.doesNotMatch(agent.log(), /PRIVATE KEY|BEGIN CERTIFICATE|MII[A-Za-z0-9+/]{20}/);
}
