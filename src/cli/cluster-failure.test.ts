import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubeApiError } from '../kube/client.ts';
import { createClusterPki } from '../testenv/pki.ts';
import { connectionFailureText, explainClusterFailure } from './cluster-failure.ts';
import { runMeshctl } from './main.ts';

const bin = new URL('../../bin/meshctl.js', import.meta.url).pathname;
const TOKEN = 'tok-3f9a1c-never-printed';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** meshctl as the user runs it: a child process (asynchronous, so this process's servers keep answering). */
function meshctl(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

/** The same, in this process (faster; for the commands beyond the first). */
async function meshctlHere(args: readonly string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runMeshctl(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

function listen(server: Server | https.Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve((server.address() as AddressInfo).port);
    });
  });
}

describe('failures to reach a cluster: the words', () => {
  const where = { name: 'prod-east', server: 'https://api.prod-east.example:6443' };
  const network = (code: string, reason = 'Unreachable') =>
    new KubeApiError('mgmt', 0, reason, `cluster mgmt: GET /version: ${code}: boom`, code);

  it('names the context, the address and the cause for each kind of connection failure', () => {
    const cases: [string, RegExp][] = [
      ['ECONNREFUSED', /connection refused/],
      ['ENOTFOUND', /host name api\.prod-east\.example not found \(DNS\)/],
      ['ETIMEDOUT', /timed out/],
      ['EHOSTUNREACH', /no route to host/],
      ['ECONNRESET', /connection was reset/],
      ['DEPTH_ZERO_SELF_SIGNED_CERT', /not signed by the certificate authority of the kubeconfig/],
      ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', /not signed by the certificate authority of the kubeconfig/],
      ['CERT_HAS_EXPIRED', /certificate has expired/],
      ['ERR_TLS_CERT_ALTNAME_INVALID', /not valid for the host api\.prod-east\.example/],
      ['ERR_SSL_WRONG_VERSION_NUMBER', /TLS handshake failed/],
    ];
    for (const [code, cause] of cases) {
      const text = explainClusterFailure(network(code), where) ?? '';
      assert.ok(text.startsWith('cannot reach cluster `prod-east` at https://api.prod-east.example:6443: '), text);
      assert.match(text, cause, code);
      assert.doesNotMatch(text, /cluster mgmt:/, 'the client-internal name is replaced by the context');
    }
    assert.equal(connectionFailureText('EWHATEVER', where.server), undefined);
  });

  it('401 and 403 say what was refused, never the token', () => {
    const unauthorized = new KubeApiError('mgmt', 401, 'Unauthorized', 'cluster mgmt: GET /api: 401 Unauthorized');
    assert.match(
      explainClusterFailure(unauthorized, where) ?? '',
      /^cluster `prod-east` at https:\/\/api\.prod-east\.example:6443 rejected the credentials \(401 Unauthorized\)/,
    );
    const forbidden = new KubeApiError(
      'mgmt',
      403,
      'Forbidden',
      'cluster mgmt: GET /api/v1/namespaces: 403 namespaces is forbidden: User "alice" cannot list resource "namespaces"',
    );
    assert.equal(
      explainClusterFailure(forbidden, where),
      'cluster `prod-east` at https://api.prod-east.example:6443: forbidden (403): namespaces is forbidden: User "alice" cannot list resource "namespaces"',
    );
    assert.equal(explainClusterFailure(new Error('a bug'), where), undefined);
  });
});

describe('failures to reach a cluster: meshctl as a child process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-unreachable-'));
  const kubeconfig = join(dir, 'kubeconfig');
  const sockets = new Set<Socket>();
  // Accepts connections and never answers: a firewall that drops, as the client sees it.
  const silent = createServer((socket) => {
    sockets.add(socket);
  });
  let tlsServer: https.Server | undefined;
  let refusedPort = 0;

  before(async () => {
    // A port that was just free and is closed again: connection refused.
    const probe = createServer();
    refusedPort = await listen(probe);
    await new Promise((resolve) => probe.close(resolve));
    const silentPort = await listen(silent);
    const pki = await createClusterPki('tls-test');
    tlsServer = https.createServer({ cert: pki.servingCert, key: pki.servingKey }, (_request, response) => {
      response.end('{}');
    });
    const tlsPort = await listen(tlsServer);
    const cluster = (name: string, server: string) => `- name: ${name}\n  cluster: {server: "${server}"}\n`;
    const context = (name: string) => `- name: ${name}\n  context: {cluster: ${name}, user: u}\n`;
    const names = {
      'prod-east': `https://127.0.0.1:${String(refusedPort)}`,
      'no-such-host': 'https://api.no-such-host.invalid:6443',
      silent: `https://127.0.0.1:${String(silentPort)}`,
      'untrusted-tls': `https://127.0.0.1:${String(tlsPort)}`,
    };
    writeFileSync(
      kubeconfig,
      'apiVersion: v1\nkind: Config\nclusters:\n' +
        Object.entries(names)
          .map(([name, server]) => cluster(name, server))
          .join('') +
        `users:\n- name: u\n  user: {token: "${TOKEN}"}\ncontexts:\n` +
        Object.keys(names).map(context).join('') +
        'current-context: prod-east\n',
    );
  });

  after(() => {
    for (const socket of sockets) socket.destroy();
    silent.close();
    tlsServer?.close();
  });

  const assertNamed = (run: Run, context: string, cause: RegExp) => {
    assert.equal(run.code, 1, run.stderr);
    assert.doesNotMatch(run.stderr, /internal error|please report/);
    assert.match(run.stdout + run.stderr, new RegExp(`cannot reach cluster \`${context}\` at https://`));
    assert.match(run.stdout + run.stderr, cause);
    assert.ok(!(run.stdout + run.stderr).includes(TOKEN), 'the token is never printed');
  };

  it('install (as a child process), uninstall, cluster list, register and deregister name the context and its address', async () => {
    const base = ['--kubeconfig', kubeconfig, '--context', 'prod-east'];
    const install = await meshctl([...base, 'install']);
    assertNamed(install, 'prod-east', /: connection refused/);
    assert.match(
      install.stderr,
      /^error: cannot reach cluster `prod-east` at https:\/\/127\.0\.0\.1:\d+: connection refused/m,
    );
    for (const args of [
      ['uninstall'],
      ['cluster', 'list'],
      ['cluster', 'register', 'c1', '--remote-context', 'no-such-host'],
      ['cluster', 'deregister', 'c1', '--remote-context', 'no-such-host'],
    ]) {
      assertNamed(await meshctlHere([...base, ...args]), 'prod-east', /: connection refused/);
    }
  });

  it('check reports an unknown host, a silent address and an untrusted certificate as FAIL lines', async () => {
    const [dns, silentRun, tls] = await Promise.all([
      meshctl(['--kubeconfig', kubeconfig, '--context', 'no-such-host', 'check']),
      meshctlHere(['--kubeconfig', kubeconfig, '--context', 'silent', 'check']),
      meshctlHere(['--kubeconfig', kubeconfig, '--context', 'untrusted-tls', 'check', '--pre']),
    ]);
    assertNamed(
      dns,
      'no-such-host',
      /FAIL {2}management cluster: .*host name api\.no-such-host\.invalid not found \(DNS\)/,
    );
    assertNamed(silentRun, 'silent', /FAIL {2}management cluster: .*timed out/);
    assertNamed(
      tls,
      'untrusted-tls',
      /FAIL {2}management cluster: .*TLS: the server's certificate is not signed by the certificate authority of the kubeconfig/,
    );
  });

  it('register on the remote side: the workload cluster is named by its context', async () => {
    // The management cluster answers TLS but is untrusted; the remote one is unknown: the first failure is reported.
    const run = await meshctlHere([
      '--kubeconfig',
      kubeconfig,
      '--context',
      'no-such-host',
      'cluster',
      'register',
      'c1',
      '--remote-context',
      'prod-east',
    ]);
    assertNamed(run, 'no-such-host', /not found \(DNS\)/);
    assert.match(run.stderr, /Connecting to the management cluster: `no-such-host`/);
  });
});

describe('cluster register needs the workload cluster named', () => {
  it('exits 2 without --remote-context or --remote-kubeconfig, before contacting anything', async () => {
    const run = await meshctl(['--kubeconfig', '/nonexistent/kubeconfig', 'cluster', 'register', 'cluster-1']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--remote-context CONTEXT or --remote-kubeconfig FILE/);
    assert.equal(run.stdout, '');
  });
});
