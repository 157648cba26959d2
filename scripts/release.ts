// `npm run release`: everything Mesh Hub ships, stamped with package.json's version, in
// release/<version>/ — the npm package (npm pack), the container image as an OCI archive
// (npm run image), both Helm charts (helm package, in charts/: their names would clash with the npm
// package's) and SHA256SUMS over them.
//   npm run release                  writes release/<version>/
//   npm run release -- --output DIR  somewhere else
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { AGENT_CHART, MANAGEMENT_CHART } from '../src/install/helm-charts.ts';
import { ensureHelm } from '../src/testenv/build.ts';
import { buildImage, packageVersion, root } from './image.ts';

export interface ReleaseResult {
  readonly dir: string;
  readonly version: string;
  readonly files: readonly { readonly name: string; readonly sha256: string; readonly bytes: number }[];
  readonly imageId: string;
  readonly seconds: number;
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export async function release(options: { output?: string; log?: (line: string) => void } = {}): Promise<ReleaseResult> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const version = packageVersion();
  const dir = options.output ?? join(root, 'release', version);
  for (const chart of [MANAGEMENT_CHART, AGENT_CHART]) {
    const stamped = parse(readFileSync(join(root, 'deploy', 'helm', chart, 'Chart.yaml'), 'utf8')) as {
      version?: string;
      appVersion?: string;
    };
    if (stamped.version !== version || stamped.appVersion !== version)
      throw new Error(
        `deploy/helm/${chart}/Chart.yaml has version ${String(stamped.version)}, package.json ${version}: run npm run generate`,
      );
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });

  log(`npm pack (compiles dist/) → ${relative(root, dir)}`);
  const pack = spawnSync('npm', ['pack', '--pack-destination', dir], { cwd: root, encoding: 'utf8' });
  if (pack.status !== 0) throw new Error(`npm pack failed:\n${pack.stdout}${pack.stderr}`);

  log('building the image');
  const image = await buildImage({ archive: join(dir, `mesh-hub-${version}.oci.tar`), skipBuild: true, log });

  const helm = await ensureHelm(log);
  mkdirSync(join(dir, 'charts'));
  for (const chart of [MANAGEMENT_CHART, AGENT_CHART]) {
    log(`helm package ${chart}`);
    execFileSync(
      helm,
      [
        'package',
        join(root, 'deploy', 'helm', chart),
        '--version',
        version,
        '--app-version',
        version,
        '--destination',
        join(dir, 'charts'),
      ],
      { encoding: 'utf8' },
    );
  }

  const files = [...readdirSync(dir), ...readdirSync(join(dir, 'charts')).map((name) => `charts/${name}`)]
    .filter((name) => name !== 'SHA256SUMS' && name !== 'charts')
    .sort()
    .map((name) => {
      const path = join(dir, name);
      return { name, sha256: sha256(path), bytes: readFileSync(path).length };
    });
  writeFileSync(join(dir, 'SHA256SUMS'), files.map((file) => `${file.sha256}  ${file.name}\n`).join(''));
  return { dir, version, files, imageId: image.id, seconds: (performance.now() - started) / 1000 };
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const { values } = parseArgs({ options: { output: { type: 'string' } } });
  const result = await release({
    ...(values.output === undefined ? {} : { output: values.output }),
    log: (line) => {
      console.log(line);
    },
  });
  console.log(`Mesh Hub ${result.version} in ${relative(process.cwd(), result.dir) || '.'}:`);
  for (const file of result.files)
    console.log(`  ${file.name}  ${(file.bytes / 1e6).toFixed(1)} MB  sha256 ${file.sha256}`);
  console.log(`  SHA256SUMS; image ID ${result.imageId}; ${result.seconds.toFixed(0)} s`);
}
