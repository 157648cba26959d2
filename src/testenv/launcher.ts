// Starts real Kubernetes control planes on loopback: per cluster an etcd, a kube-apiserver and a
// kube-controller-manager from the kube-testenv binary, one kubeconfig with a context per cluster,
// and the mesh CRDs installed and Established. Only the processes started here are ever stopped.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ensureKubeBinary } from './build.ts';
import { crdSets } from './crds.ts';
import { freePort } from './free-port.ts';
import { createClusterPki } from './pki.ts';

export const DEFAULT_CLUSTERS = ['mgmt', 'cluster-1', 'cluster-2'] as const;

export interface ClusterInfo {
  readonly name: string;
  readonly server: string;
  /** Path of the PEM CA file that signs the API server's serving certificate. */
  readonly caFile: string;
  readonly pids: readonly number[];
  readonly logDir: string;
}

export interface TestEnvState {
  readonly stateDir: string;
  readonly kubeconfigPath: string;
  readonly binary: string;
  readonly clusters: readonly ClusterInfo[];
}

export interface StartOptions {
  readonly clusters?: readonly string[];
  /** Where certificates, data and logs go; a fresh temp folder by default. */
  readonly stateDir?: string;
  readonly log?: (line: string) => void;
  readonly readyTimeoutMs?: number;
  /**
   * An audit policy (YAML): each API server then writes its audit log as JSON lines to
   * `<logDir>/audit.log`. Off by default; tests that need a witness of who wrote what turn it on.
   */
  readonly auditPolicy?: string;
}

function writeSecret(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
}

function startProcess(binary: string, args: readonly string[], logFile: string): number {
  const fd = openSync(logFile, 'a', 0o600);
  // Own process group: stopping kills the whole group, and a Ctrl-C in the terminal does not.
  const child = spawn(binary, args, { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${args[0] ?? binary}; see ${logFile}`);
  return child.pid;
}

function lastLines(file: string, count = 20): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').trim().split('\n').slice(-count).join('\n');
}

async function waitReady(server: string, token: string, ca: string, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const https = await import('node:https');
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolveProbe) => {
      const request = https.get(
        `${server}/readyz`,
        { ca, headers: { Authorization: `Bearer ${token}` }, timeout: 2000 },
        (response) => {
          response.resume();
          resolveProbe(response.statusCode === 200);
        },
      );
      request.on('error', () => {
        resolveProbe(false);
      });
      request.on('timeout', () => {
        request.destroy();
        resolveProbe(false);
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `the API server at ${server} was not ready within ${timeoutMs / 1000} s; last lines of ${logFile}:\n${lastLines(logFile)}`,
  );
}

/** Whether a process is running; a zombie (exited, not yet reaped by its parent) counts as stopped. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no procfs: trust the signal check
  }
}

/** Stops the given process groups: SIGTERM, then SIGKILL for any still alive after a grace period. */
export async function stopProcesses(pids: readonly number[], graceMs = 5000): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + graceMs;
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const stubborn = pids.filter(isAlive);
  for (const pid of stubborn) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const killDeadline = Date.now() + 2000;
  while (stubborn.some(isAlive) && Date.now() < killDeadline) await new Promise((r) => setTimeout(r, 50));
}

interface ClusterStart {
  info: ClusterInfo;
  token: string;
}

async function startCluster(
  binary: string,
  name: string,
  index: number,
  stateDir: string,
  options: StartOptions,
): Promise<ClusterStart> {
  const dir = join(stateDir, name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pki = await createClusterPki(name);
  const file = (n: string) => join(dir, n);
  writeFileSync(file('ca.crt'), pki.caCert);
  writeSecret(file('ca.key'), pki.caKey);
  writeFileSync(file('serving.crt'), pki.servingCert);
  writeSecret(file('serving.key'), pki.servingKey);
  writeSecret(file('sa.key'), pki.serviceAccountKey);
  writeFileSync(file('sa.pub'), pki.serviceAccountPublicKey);
  const token = randomBytes(24).toString('hex');
  // Besides the admin: users authenticated by the API server itself, for tests of the role-based API.
  const userToken = () => randomBytes(24).toString('hex');
  writeSecret(
    file('tokens.csv'),
    [
      `${token},admin,admin,system:masters`,
      `${userToken()},alice,alice`,
      `${userToken()},bob,bob`,
      `${userToken()},mesh-admin,mesh-admin,mesh-admins`,
      '',
    ].join('\n'),
  );
  const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
  const server = `https://127.0.0.1:${apiPort}`;
  const pids: number[] = [];
  try {
    pids.push(
      startProcess(
        binary,
        [
          'etcd',
          '--name=default',
          `--data-dir=${file('etcd')}`,
          `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
          `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
          `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
          `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
          `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
          '--unsafe-no-fsync',
          '--log-level=warn',
        ],
        file('etcd.log'),
      ),
    );
    const apiServerArgs = [
      'kube-apiserver',
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      '--endpoint-reconciler-type=none',
      `--tls-cert-file=${file('serving.crt')}`,
      `--tls-private-key-file=${file('serving.key')}`,
      `--client-ca-file=${file('ca.crt')}`,
      `--token-auth-file=${file('tokens.csv')}`,
      '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${file('sa.pub')}`,
      `--service-account-signing-key-file=${file('sa.key')}`,
      `--service-cluster-ip-range=10.${96 + index}.0.0/16`,
      '--allow-privileged=true',
      '--enable-priority-and-fairness=false',
      '--profiling=false',
      '--v=1',
    ];
    if (options.auditPolicy !== undefined) {
      writeFileSync(file('audit-policy.yaml'), options.auditPolicy);
      apiServerArgs.push(
        `--audit-policy-file=${file('audit-policy.yaml')}`,
        `--audit-log-path=${file('audit.log')}`,
        '--audit-log-format=json',
        '--audit-log-mode=blocking',
        '--audit-log-maxsize=0',
      );
    }
    // Kept so that a test can stop this API server and start it again as it was.
    writeFileSync(file('kube-apiserver.args.json'), JSON.stringify({ args: apiServerArgs, server, token }));
    pids.push(startProcess(binary, apiServerArgs, file('kube-apiserver.log')));
    const timeout = options.readyTimeoutMs ?? 90_000;
    await waitReady(server, token, pki.caCert, file('kube-apiserver.log'), timeout);
    writeSecret(
      file('kcm.kubeconfig'),
      stringify(kubeconfigFor([{ name, server, caFile: file('ca.crt'), token }], name)),
    );
    pids.push(
      startProcess(
        binary,
        [
          'kube-controller-manager',
          `--kubeconfig=${file('kcm.kubeconfig')}`,
          `--authentication-kubeconfig=${file('kcm.kubeconfig')}`,
          `--authorization-kubeconfig=${file('kcm.kubeconfig')}`,
          '--controllers=*,-nodeipam,-nodelifecycle,-persistentvolume-binder,-attachdetach',
          '--use-service-account-credentials',
          `--root-ca-file=${file('ca.crt')}`,
          `--service-account-private-key-file=${file('sa.key')}`,
          `--cluster-signing-cert-file=${file('ca.crt')}`,
          `--cluster-signing-key-file=${file('ca.key')}`,
          '--leader-elect=false',
          '--bind-address=127.0.0.1',
          `--secure-port=${await freePort()}`,
          '--concurrent-namespace-syncs=5',
          '--v=1',
        ],
        file('kube-controller-manager.log'),
      ),
    );
  } catch (error) {
    await stopProcesses(pids);
    throw error;
  }
  options.log?.(`cluster ${name} ready at ${server}`);
  return { info: { name, server, caFile: file('ca.crt'), pids, logDir: dir }, token };
}

interface KubeconfigEntry {
  name: string;
  server: string;
  caFile: string;
  token: string;
}

function kubeconfigFor(entries: readonly KubeconfigEntry[], current: string) {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': current,
    clusters: entries.map((e) => ({ name: e.name, cluster: { server: e.server, 'certificate-authority': e.caFile } })),
    users: entries.map((e) => ({ name: `${e.name}-admin`, user: { token: e.token } })),
    contexts: entries.map((e) => ({ name: e.name, context: { cluster: e.name, user: `${e.name}-admin` } })),
  };
}

/** Runs the built kubectl against one context of the kubeconfig; throws with its output on failure. */
export function kubectl(
  state: Pick<TestEnvState, 'binary' | 'kubeconfigPath'>,
  context: string,
  args: readonly string[],
  input?: string,
): string {
  const result = spawnSync(
    state.binary,
    ['kubectl', `--kubeconfig=${state.kubeconfigPath}`, `--context=${context}`, ...args],
    {
      input,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (result.status !== 0)
    throw new Error(`kubectl ${args.join(' ')} (context ${context}) failed: ${result.stderr || result.stdout}`);
  return result.stdout;
}

function installCrds(state: TestEnvState, log: (line: string) => void): void {
  const sets = crdSets();
  const stream = sets
    .flatMap((set) => set.crds)
    .map((crd) => `---\n${stringify(crd)}`)
    .join('');
  for (const cluster of state.clusters) {
    kubectl(state, cluster.name, ['apply', '--server-side', '--force-conflicts', '-f', '-'], stream);
    kubectl(state, cluster.name, ['wait', '--for=condition=Established', 'crd', '--all', '--timeout=120s']);
  }
  log(
    `installed CRDs in ${state.clusters.length} clusters: ${sets.map((s) => `${s.name} (${s.crds.length})`).join(', ')}`,
  );
}

export async function startTestEnv(options: StartOptions = {}): Promise<TestEnvState> {
  const log = options.log ?? (() => undefined);
  const { binary } = await ensureKubeBinary(log);
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'mesh-hub-testenv-'));
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const names = options.clusters ?? DEFAULT_CLUSTERS;
  const settled = await Promise.allSettled(names.map((name, i) => startCluster(binary, name, i, stateDir, options)));
  const started = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failure = settled.find((s) => s.status === 'rejected');
  if (failure !== undefined) {
    await stopProcesses(started.flatMap((s) => s.info.pids));
    throw failure.reason;
  }
  const kubeconfigPath = join(stateDir, 'kubeconfig');
  writeSecret(
    kubeconfigPath,
    stringify(
      kubeconfigFor(
        started.map((s) => ({ name: s.info.name, server: s.info.server, caFile: s.info.caFile, token: s.token })),
        started[0]?.info.name ?? '',
      ),
    ),
  );
  const state: TestEnvState = { stateDir, kubeconfigPath, binary, clusters: started.map((s) => s.info) };
  writeFileSync(join(stateDir, 'state.json'), JSON.stringify(state, null, 2));
  try {
    installCrds(state, log);
  } catch (error) {
    await stopTestEnv(state);
    throw error;
  }
  return state;
}

export async function stopTestEnv(state: TestEnvState, options: { removeState?: boolean } = {}): Promise<void> {
  await stopProcesses(state.clusters.flatMap((c) => c.pids));
  if (options.removeState === true) rmSync(state.stateDir, { recursive: true, force: true });
}

/** Stops one cluster's API server (etcd and the controller manager keep running): an outage. */
export async function stopApiServer(state: TestEnvState, cluster: string): Promise<void> {
  const info = state.clusters.find((c) => c.name === cluster);
  const pid = info?.pids[1];
  if (pid === undefined) throw new Error(`no cluster ${cluster} in the test environment`);
  await stopProcesses([pid], 2000);
}

/**
 * Starts a stopped API server again with its original flags and port, and waits until it is ready.
 * Returns the state with the new process id (also written to state.json).
 */
export async function restartApiServer(state: TestEnvState, cluster: string): Promise<TestEnvState> {
  const info = state.clusters.find((c) => c.name === cluster);
  if (info === undefined) throw new Error(`no cluster ${cluster} in the test environment`);
  const saved = JSON.parse(readFileSync(join(info.logDir, 'kube-apiserver.args.json'), 'utf8')) as {
    args: string[];
    server: string;
    token: string;
  };
  const logFile = join(info.logDir, 'kube-apiserver.log');
  const pid = startProcess(state.binary, saved.args, logFile);
  await waitReady(saved.server, saved.token, readFileSync(info.caFile, 'utf8'), logFile, 90_000);
  const pids = [...info.pids];
  pids[1] = pid;
  const next: TestEnvState = {
    ...state,
    clusters: state.clusters.map((c) => (c.name === cluster ? { ...c, pids } : c)),
  };
  writeFileSync(join(state.stateDir, 'state.json'), JSON.stringify(next, null, 2));
  return next;
}

export function clusterProcessesAlive(cluster: ClusterInfo): boolean {
  return cluster.pids.every(isAlive);
}
