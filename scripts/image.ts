// `npm run image`: the Mesh Hub container image, built FROM scratch out of what this checkout already
// has — the Node binary the project installs, the shared libraries it links (from this machine's
// Debian filesystem), the compiled dist/ and the production node_modules — with podman. No base
// image is pulled. The same inputs give the same image ID: every file's time is SOURCE_DATE_EPOCH
// (`podman build --timestamp`), the file set is sorted and owned by root, and the OCI archive is
// re-packed with sorted names and fixed times.
//   npm run image                        build ghcr.io/mesh-hub/mesh-hub:<version>, write out/image/…oci.tar
//   npm run image -- --tag NAME:TAG      another tag;  --output FILE  the archive elsewhere
//   npm run image -- --skip-build        reuse dist/ as it is (`npm run build` already ran)
import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_IMAGE } from '../src/install/manifests.ts';

export const root = join(import.meta.dirname, '..');
/** The repository `meshctl install` and the charts name by default: `podman load` gives the image that name. */
export const IMAGE_REPOSITORY = DEFAULT_IMAGE;
export const SOURCE_URL = 'https://github.com/mesh-hub/mesh-hub';
/** The image's user: not root, and the same number the Deployments run as. */
export const IMAGE_UID = 65532;
/** Flags every podman call needs on this project's machines (crun fails on hybrid cgroups). */
export const PODMAN_RUN_FLAGS = ['--runtime', 'runc', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];

export interface ImageOptions {
  readonly tag?: string;
  /** Where the OCI archive goes (default out/image/mesh-hub-<version>.oci.tar); null: none is written. */
  readonly archive?: string | null;
  /** Reuse dist/ instead of running `npm run build`. */
  readonly skipBuild?: boolean;
  readonly log?: (line: string) => void;
}

export interface ImageResult {
  readonly tag: string;
  /** The image ID: the digest of its configuration, which names every layer's content digest. */
  readonly id: string;
  readonly version: string;
  readonly revision: string;
  readonly created: string;
  readonly sizeBytes: number;
  readonly archive: string | undefined;
  readonly archiveSha256: string | undefined;
  readonly seconds: number;
}

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

/** SOURCE_DATE_EPOCH when set, else the time of the checked-out commit: the same commit, the same image. */
export function sourceDateEpoch(): number {
  const fromEnv = process.env.SOURCE_DATE_EPOCH;
  if (fromEnv !== undefined && fromEnv !== '') {
    const value = Number(fromEnv);
    if (!Number.isInteger(value) || value < 0)
      throw new Error(`SOURCE_DATE_EPOCH must be whole seconds, got ${fromEnv}`);
    return value;
  }
  return Number(git('log', '-1', '--format=%ct'));
}

/** The checked-out commit, with `-dirty` when tracked files differ from it. */
export function sourceRevision(): string {
  const head = git('rev-parse', 'HEAD');
  const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
  return dirty ? `${head}-dirty` : head;
}

/** The real Node binary the project runs on (node_modules/.bin/node is the npm package's launcher). */
export function nodeBinary(): string {
  const candidates = [join(root, 'node_modules', 'node', 'bin', 'node'), process.execPath];
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    const major = Number(execFileSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' }).split('.')[0]);
    if (major >= 22) return candidate;
  }
  throw new Error('no Node >= 22 binary found (node_modules/node/bin/node or the running node)');
}

/** The shared libraries (and the dynamic loader) a binary needs, as ldd resolves them on this machine. */
export function sharedLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const paths = new Set<string>();
  for (const line of out.split('\n')) {
    const resolved = /=>\s+(\/\S+)\s+\(/.exec(line)?.[1] ?? /^\s*(\/\S+)\s+\(/.exec(line)?.[1];
    if (resolved !== undefined) paths.add(resolved);
    else if (/=>\s+not found/.test(line))
      throw new Error(`${binary} needs a library this machine lacks: ${line.trim()}`);
  }
  return [...paths].sort();
}

/**
 * The packages `npm ci --omit=dev` would install, found in the installed tree the way Node resolves
 * them: from package.json's dependencies, each package's dependencies, optional and peer
 * dependencies (those installed), looked up in the nearest node_modules upwards. No registry needed.
 */
export function productionPackages(): string[] {
  const found = new Set<string>();
  const manifest = (dir: string) =>
    JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
    };
  const resolve = (fromDir: string, name: string): string | undefined => {
    // fromDir is '' (the project) or node_modules/a[/node_modules/b…]: try each node_modules upwards.
    let dir = fromDir;
    for (;;) {
      const candidate = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
      if (existsSync(join(root, candidate, 'package.json'))) return candidate;
      if (dir === '') return undefined;
      const at = dir.lastIndexOf('/node_modules/');
      dir = at === -1 ? '' : dir.slice(0, at);
    }
  };
  const visit = (fromDir: string, names: Record<string, string> | undefined, required: boolean) => {
    for (const name of Object.keys(names ?? {}).sort()) {
      const dir = resolve(fromDir, name);
      if (dir === undefined) {
        if (required) throw new Error(`${name} (needed by ${fromDir || 'package.json'}) is not installed: run npm ci`);
        continue;
      }
      if (found.has(dir)) continue;
      found.add(dir);
      const pkg = manifest(dir);
      visit(dir, pkg.dependencies, true);
      visit(dir, pkg.optionalDependencies, false);
      visit(dir, pkg.peerDependencies, false);
    }
  };
  const project = manifest('');
  visit('', project.dependencies, true);
  visit('', project.optionalDependencies, false);
  return [...found].sort();
}

const PASSWD = `root:x:0:0:root:/root:/sbin/nologin\nmeshhub:x:${String(IMAGE_UID)}:${String(IMAGE_UID)}:Mesh Hub:/home/meshhub:/sbin/nologin\n`;
const GROUP = `root:x:0:\nmeshhub:x:${String(IMAGE_UID)}:\n`;

/** Lays out the image's root filesystem in `rootfs` (a fresh directory). */
export function stageRootfs(rootfs: string, log: (line: string) => void): void {
  const node = nodeBinary();
  const put = (from: string, to: string, mode?: number) => {
    const target = join(rootfs, to);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(from, target);
    if (mode !== undefined) chmodSync(target, mode);
  };
  const write = (to: string, text: string) => {
    const target = join(rootfs, to);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text, { mode: 0o644 });
  };
  put(node, 'usr/local/bin/node', 0o755);
  for (const library of sharedLibraries(node)) put(library, library.slice(1), 0o755);
  write('etc/passwd', PASSWD);
  write('etc/group', GROUP);
  write('etc/nsswitch.conf', 'hosts: files dns\n');
  const caBundle = '/etc/ssl/certs/ca-certificates.crt';
  if (!existsSync(caBundle)) throw new Error(`${caBundle} is missing: install the ca-certificates package`);
  put(caBundle, 'etc/ssl/certs/ca-certificates.crt', 0o644);
  mkdirSync(join(rootfs, 'home', 'meshhub'), { recursive: true });
  chmodSync(join(rootfs, 'home', 'meshhub'), 0o755);
  mkdirSync(join(rootfs, 'tmp'), { recursive: true });
  chmodSync(join(rootfs, 'tmp'), 0o1777);

  const app = join(rootfs, 'app');
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  // Only what running needs: name, version, type (ESM) and the entry points.
  const trimmed = { name: manifest.name, version: manifest.version, type: manifest.type, bin: manifest.bin };
  write('app/package.json', `${JSON.stringify(trimmed, null, 2)}\n`);
  cpSync(join(root, 'bin'), join(app, 'bin'), { recursive: true });
  cpSync(join(root, 'dist'), join(app, 'dist'), {
    recursive: true,
    filter: (source) => statSync(source).isDirectory() || source.endsWith('.js'),
  });
  cpSync(join(root, 'deploy', 'crds'), join(app, 'deploy', 'crds'), { recursive: true });
  // Type declarations, TypeScript sources (never run from node_modules), source maps and docs are
  // not needed to run: a third of the packages' size.
  const packages = productionPackages().filter((dir) => !dir.split('/').includes('@types'));
  for (const dir of packages) {
    const from = join(root, dir);
    cpSync(from, join(app, dir), {
      recursive: true,
      dereference: true,
      // A package's own node_modules holds nested packages, copied on their own when they are production ones.
      filter: (source) =>
        relative(from, source).split('/')[0] !== 'node_modules' && !/\.(?:[mc]?ts|map|md)$/i.test(source),
    });
  }
  log(`staged node ${process.versions.node} from ${node}, ${String(packages.length)} production packages`);
}

/** Runs a command to its end without blocking the event loop (a test's clusters keep being polled meanwhile). */
function runAsync(command: string, args: readonly string[], cwd = root): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => {
      reject(new Error(`${command} is not available: ${error.message}`));
    });
    child.on('close', (code) => {
      if (code === 0) resolve(stdout.trim());
      else
        reject(
          new Error(
            `${command} ${args[0] ?? ''} failed (exit ${String(code)}): ${`${stdout}${stderr}`.trim().slice(-4000)}`,
          ),
        );
    });
  });
}

/** Builds the image into podman's storage and (by default) writes it as an OCI archive. */
export async function buildImage(options: ImageOptions = {}): Promise<ImageResult> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const version = packageVersion();
  const tag = options.tag ?? `${IMAGE_REPOSITORY}:${version}`;
  const epoch = sourceDateEpoch();
  const created = new Date(epoch * 1000).toISOString().replace('.000Z', 'Z');
  const revision = sourceRevision();
  if (options.skipBuild !== true) {
    log('compiling dist/ (npm run build) and the dashboard UI into dist/web (npm run build:web)');
    rmSync(join(root, 'dist'), { recursive: true, force: true });
    await runAsync('npm', ['run', 'build']);
    await runAsync('npm', ['run', 'build:web']);
  }
  if (!existsSync(join(root, 'dist', 'server', 'main.js')))
    throw new Error('dist/server/main.js is missing: run npm run build');
  if (!existsSync(join(root, 'dist', 'web', 'index.html')))
    throw new Error('dist/web/index.html (the dashboard UI) is missing: run npm run build:web');
  const work = mkdtempSync(join(tmpdir(), 'mesh-hub-image-'));
  try {
    stageRootfs(join(work, 'rootfs'), log);
    const labels: Record<string, string> = {
      'org.opencontainers.image.title': 'Mesh Hub',
      'org.opencontainers.image.description':
        'Mesh Hub management plane (meshhub controller) and cert agent (meshhub cert-agent)',
      'org.opencontainers.image.version': version,
      'org.opencontainers.image.revision': revision,
      'org.opencontainers.image.source': SOURCE_URL,
      'org.opencontainers.image.created': created,
      'org.opencontainers.image.licenses': 'Apache-2.0',
    };
    const containerfile = [
      'FROM scratch',
      'COPY rootfs/ /',
      ...Object.entries(labels).map(([key, value]) => `LABEL ${key}=${JSON.stringify(value)}`),
      'ENV NODE_ENV=production SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt',
      'WORKDIR /app',
      `USER ${String(IMAGE_UID)}:${String(IMAGE_UID)}`,
      'ENTRYPOINT ["/usr/local/bin/node", "/app/bin/meshhub.js"]',
      'CMD ["--help"]',
      '',
    ].join('\n');
    writeFileSync(join(work, 'Containerfile'), containerfile);
    log(`building ${tag} (podman build --timestamp ${String(epoch)})`);
    await runAsync('podman', [
      'build',
      '--runtime',
      'runc',
      '--no-cache',
      '--timestamp',
      String(epoch),
      '--format',
      'oci',
      '--quiet',
      '--tag',
      tag,
      '--file',
      join(work, 'Containerfile'),
      work,
    ]);
    const [id = '', size = '0'] = (
      await runAsync('podman', ['image', 'inspect', tag, '--format', '{{.Id}} {{.Size}}'])
    ).split(' ');
    let archive: string | undefined;
    let archiveSha256: string | undefined;
    if (options.archive !== null) {
      archive = options.archive ?? join(root, 'out', 'image', `mesh-hub-${version}.oci.tar`);
      archiveSha256 = await saveArchive(tag, archive, epoch, work);
      log(`wrote ${relative(process.cwd(), archive) || archive}`);
    }
    return {
      tag,
      id,
      version,
      revision,
      created,
      sizeBytes: Number(size),
      archive,
      archiveSha256,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `podman save --format oci-archive`, re-packed so the archive's bytes depend on the image only. */
async function saveArchive(tag: string, archive: string, epoch: number, work: string): Promise<string> {
  mkdirSync(dirname(archive), { recursive: true });
  const layout = join(work, 'oci-layout');
  await runAsync('podman', ['save', '--format', 'oci-dir', '--output', layout, tag]);
  await runAsync('tar', [
    '--sort=name',
    `--mtime=@${String(epoch)}`,
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--format=posix',
    '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
    '-cf',
    archive,
    '-C',
    layout,
    '.',
  ]);
  return execFileSync('sha256sum', [archive], { encoding: 'utf8' }).split(' ')[0] ?? '';
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const { values } = parseArgs({
    options: { tag: { type: 'string' }, output: { type: 'string' }, 'skip-build': { type: 'boolean' } },
  });
  const result = await buildImage({
    ...(values.tag === undefined ? {} : { tag: values.tag }),
    ...(values.output === undefined ? {} : { archive: values.output }),
    skipBuild: values['skip-build'] === true,
    log: (line) => {
      console.log(line);
    },
  });
  console.log(
    `${result.tag}\n  id       ${result.id}\n  version  ${result.version} (${result.revision}, created ${result.created})\n` +
      `  size     ${(result.sizeBytes / 1e6).toFixed(1)} MB\n` +
      (result.archive === undefined
        ? ''
        : `  archive  ${relative(process.cwd(), result.archive)} (sha256 ${result.archiveSha256 ?? ''})\n`) +
      `  built in ${result.seconds.toFixed(1)} s`,
  );
}
