// Builds (once per machine) the kube-testenv binary from tools/kube-testenv: real kube-apiserver,
// kube-controller-manager, etcd and kubectl from their Go modules, cached outside the work tree.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const KUBERNETES_VERSION = 'v1.37.2';
const MIN_GO = [1, 26] as const;
const moduleDir = join(import.meta.dirname, '..', '..', 'tools', 'kube-testenv');

export function cacheRoot(): string {
  return process.env.MESHHUB_TESTENV_CACHE ?? join(homedir(), '.cache', 'mesh-hub');
}

/** The Go toolchain's version, or a clear error when it is missing or too old. */
export function checkGo(): string {
  let out: string;
  try {
    out = execFileSync('go', ['version'], { encoding: 'utf8', env: { ...process.env, GOTOOLCHAIN: 'local' } });
  } catch {
    throw new Error(
      `Go is not on the PATH. The test environment builds Kubernetes ${KUBERNETES_VERSION} from source and needs Go >= ${MIN_GO.join('.')} (https://go.dev/dl).`,
    );
  }
  const match = /go(\d+)\.(\d+)/.exec(out);
  const major = Number(match?.[1]);
  const minor = Number(match?.[2]);
  if (!(major > MIN_GO[0] || (major === MIN_GO[0] && minor >= MIN_GO[1]))) {
    throw new Error(
      `${out.trim()} is too old: building Kubernetes ${KUBERNETES_VERSION} needs Go >= ${MIN_GO.join('.')}.`,
    );
  }
  return out.trim();
}

function sourceHash(): string {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum', 'main.go']) hash.update(readFileSync(join(moduleDir, file)));
  return hash.digest('hex').slice(0, 16);
}

export interface BuildResult {
  readonly binary: string;
  readonly built: boolean;
  readonly seconds: number;
}

/** Runs `go` with its output into `logPath` (not the terminal: a cold build prints thousands of lines). */
async function runGo(
  args: readonly string[],
  cwd: string,
  env: Readonly<Record<string, string>>,
  logPath: string,
): Promise<number | null> {
  const out = createWriteStream(logPath);
  const code = await new Promise<number | null>((resolveBuild) => {
    const child = spawn('go', args, {
      cwd,
      env: { ...process.env, CGO_ENABLED: '0', GOTOOLCHAIN: 'local', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Both streams write the one log: neither may end it, or the other's last lines (the error) are lost.
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.on('close', resolveBuild);
  });
  // Flushed before returning, so a failure's error can quote the log's last lines.
  await new Promise<void>((resolveFlush) => {
    out.end(resolveFlush);
  });
  return code;
}

/** A failed build's error: the exit code, where the full log is, and its last lines. */
function buildFailure(name: string, code: number | null, logPath: string): Error {
  const tail = existsSync(logPath) ? readFileSync(logPath, 'utf8').trim().split('\n').slice(-15).join('\n') : '';
  return new Error(`building ${name} failed (exit ${code}); full log: ${logPath}\n${tail}`);
}

/** Returns the cached binary, building it first when the module's sources changed. */
export async function ensureKubeBinary(log: (line: string) => void = () => undefined): Promise<BuildResult> {
  const started = performance.now();
  const dir = join(cacheRoot(), 'kube-testenv', sourceHash());
  const binary = join(dir, 'kube-testenv');
  if (existsSync(binary)) return { binary, built: false, seconds: (performance.now() - started) / 1000 };
  const go = checkGo();
  mkdirSync(dir, { recursive: true });
  const logPath = join(dir, 'build.log');
  log(
    `building kube-testenv (Kubernetes ${KUBERNETES_VERSION}) with ${go}; a cold build takes ~7 min on 2 cores; log: ${logPath}`,
  );
  const ldflags = [
    '-s -w',
    `-X k8s.io/component-base/version.gitVersion=${KUBERNETES_VERSION}`,
    `-X k8s.io/component-base/version.gitMajor=${KUBERNETES_VERSION.split('.')[0]?.slice(1) ?? ''}`,
    `-X k8s.io/component-base/version.gitMinor=${KUBERNETES_VERSION.split('.')[1] ?? ''}`,
    '-X k8s.io/component-base/version.gitTreeState=clean',
  ].join(' ');
  const partial = `${binary}.partial`;
  const code = await runGo(
    ['build', '-trimpath', '-ldflags', ldflags, '-o', partial, '.'],
    moduleDir,
    { GOFLAGS: '-mod=mod' },
    logPath,
  );
  if (code !== 0) throw buildFailure('kube-testenv', code, logPath);
  renameSync(partial, binary);
  return { binary, built: true, seconds: (performance.now() - started) / 1000 };
}

/** The folder of a Go module from the module proxy (downloaded into the Go module cache once). */
export function goModuleDir(modulePath: string, version: string): string {
  const out = execFileSync('go', ['mod', 'download', '-json', `${modulePath}@${version}`], {
    encoding: 'utf8',
    env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' },
    cwd: moduleDir,
  });
  const dir = (JSON.parse(out) as { Dir?: string; Error?: string }).Dir;
  if (dir === undefined) throw new Error(`could not download Go module ${modulePath}@${version}: ${out}`);
  return dir;
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const result = await ensureKubeBinary((line) => {
    console.log(line);
  });
  console.log(`${result.built ? 'built' : 'cached'}: ${result.binary} (${result.seconds.toFixed(1)} s)`);
}

/** istioctl from Istio's Go module. `istio.io/istio` is served only at pseudo-versions, not release tags. */
export const ISTIOCTL_MODULE_VERSION = 'v0.0.0-20260827124520-eed52ebb66ad';

/** Returns the cached istioctl (for `istioctl analyze` on golden cases), building it first if needed (~3 min cold). */
export async function ensureIstioctl(log: (line: string) => void = () => undefined): Promise<string> {
  return ensureGoTool(
    {
      name: 'istioctl',
      module: 'istio.io/istio',
      command: 'istio.io/istio/istioctl/cmd/istioctl',
      version: ISTIOCTL_MODULE_VERSION,
      ldflags: '-s -w',
    },
    log,
  );
}

/** Helm from its Go module, for the package tier's chart tests (`helm lint/template/install/upgrade`). */
export const HELM_VERSION = 'v4.3.2';

/** Returns the cached helm, building it first if needed (~10 min cold on a loaded 2-core machine, downloads included). */
export async function ensureHelm(log: (line: string) => void = () => undefined): Promise<string> {
  return ensureGoTool(
    {
      name: 'helm',
      module: 'helm.sh/helm/v4',
      command: 'helm.sh/helm/v4/cmd/helm',
      version: HELM_VERSION,
      ldflags: `-s -w -X helm.sh/helm/v4/internal/version.version=${HELM_VERSION}`,
    },
    log,
  );
}

/** A Go command built with `go install` at a pinned version of its module. */
interface GoTool {
  /** The binary's name, and its cache folder's. */
  readonly name: string;
  readonly module: string;
  /** The package of the command, inside `module`. */
  readonly command: string;
  readonly version: string;
  readonly ldflags: string;
}

/** Returns the tool's cached binary (`<cache>/<name>/<version>/<name>`), building it there first if needed. */
async function ensureGoTool(tool: GoTool, log: (line: string) => void): Promise<string> {
  const dir = join(cacheRoot(), tool.name, tool.version);
  const binary = join(dir, tool.name);
  if (existsSync(binary)) return binary;
  const go = checkGo();
  mkdirSync(dir, { recursive: true });
  const logPath = join(dir, 'build.log');
  log(`building ${tool.name} (${tool.module}@${tool.version}) with ${go}; log: ${logPath}`);
  const code = await runGo(
    ['install', '-trimpath', '-ldflags', tool.ldflags, `${tool.command}@${tool.version}`],
    dir,
    { GOBIN: dir, GOFLAGS: '' },
    logPath,
  );
  if (code !== 0 || !existsSync(binary)) throw buildFailure(tool.name, code, logPath);
  return binary;
}
