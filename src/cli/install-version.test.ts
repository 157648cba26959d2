import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { Command, CommanderError } from 'commander';
import { parseAllDocuments } from 'yaml';
import { registerInstall } from './declarations/install.ts';
import { CommandError, GlobalOptions } from './context.ts';

/** The install command alone (without meshctl's global flags), as its module defines it. */
async function install(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: (t: string) => (stdout += t), stderr: (t: string) => (stderr += t) };
  const program = new Command('meshctl').exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  registerInstall(program, io, () => GlobalOptions.parse({ outputFormat: 'table', verbose: false }));
  try {
    await program.parseAsync(['install', ...args], { from: 'user' });
    return { code: 0, stdout, stderr };
  } catch (error) {
    if (error instanceof CommandError) return { code: error.exitCode, stdout, stderr: stderr + error.message };
    if (error instanceof CommanderError) return { code: 2, stdout, stderr };
    throw error;
  }
}

function deploymentImages(yaml: string): string[] {
  return parseAllDocuments(yaml)
    .map(
      (doc) => doc.toJS() as { kind?: string; spec?: { template?: { spec?: { containers?: { image: string }[] } } } },
    )
    .filter((object) => object.kind === 'Deployment')
    .flatMap((object) => object.spec?.template?.spec?.containers?.map((c) => c.image) ?? []);
}

describe('meshctl install --version', () => {
  it('sets the image tag of the management plane; --dry-run shows it', async () => {
    const run = await install(['--version', '2.3.4', '--dry-run']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(deploymentImages(run.stdout), ['ghcr.io/mesh-hub/mesh-hub:2.3.4']);
    const custom = await install(['--version', 'v1.0.0-rc.1', '--image', 'registry.example:5000/hub', '--dry-run']);
    assert.deepEqual(deploymentImages(custom.stdout), ['registry.example:5000/hub:v1.0.0-rc.1']);
  });

  it('refuses a version that is not an image tag (usage error)', async () => {
    const run = await install(['--version', '1.0 beta', '--dry-run']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--version "1\.0 beta": not an image tag/);
  });

  it('refuses --wait with a value other than true or false', async () => {
    const run = await install(['--wait=soon', '--dry-run']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--wait=soon: use --wait=true or --wait=false/);
  });

  // Through the whole CLI: the global --version flag counts only before the command name.
  it('works from the CLI: meshctl install --version X --dry-run', () => {
    const bin = new URL('../../bin/meshctl.js', import.meta.url).pathname;
    const run = spawnSync(process.execPath, [bin, 'install', '--version', '2.3.4', '--dry-run'], {
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(deploymentImages(run.stdout), ['ghcr.io/mesh-hub/mesh-hub:2.3.4']);
  });
});
