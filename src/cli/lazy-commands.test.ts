// meshctl declares every command cheaply and imports a command's action only when it runs
// (declarations/lazy-action.ts). These runs record every module a real meshctl process loads, so a
// declaration that starts importing the Kubernetes client, a YAML parser or an action fails here.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const main = join(import.meta.dirname, 'main.ts');

/** Prints, at exit, the URL of every module the process loaded (Node's synchronous module hooks). */
const recorder = `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from 'node:module';
const loaded = [];
registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
process.on('exit', () => process.stderr.write('\\nLOADED ' + JSON.stringify(loaded) + '\\n'));
`)}`;

function loadedBy(...args: string[]): { code: number | null; modules: string[] } {
  const run = spawnSync(process.execPath, ['--import', recorder, main, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, KUBECONFIG: join(mkdtempSync(join(tmpdir(), 'meshctl-lazy-')), 'none') },
  });
  const line = run.stderr.split('\n').find((l) => l.startsWith('LOADED '));
  assert.ok(line !== undefined, `no module list from meshctl ${args.join(' ')}: ${run.stderr}`);
  return { code: run.status, modules: JSON.parse(line.slice('LOADED '.length)) as string[] };
}

/** Packages only actions need; each takes from tens to hundreds of milliseconds to load. */
const HEAVY = [
  '@kubernetes/client-node',
  'yaml',
  'js-yaml',
  'pino',
  'prom-client',
  '@inquirer/prompts',
  '@peculiar/x509',
  'undici',
];

function heavyIn(modules: readonly string[]): string[] {
  return modules.filter(
    (url) =>
      HEAVY.some((name) => url.includes(`/node_modules/${name}/`)) ||
      // The actions themselves, and the modules only they reach.
      /\/src\/cli\/commands\//.test(url) ||
      /\/src\/(kube|pipeline|networking\/translate|snapshot)\//.test(url),
  );
}

describe('meshctl loads a command only when it runs', () => {
  for (const args of [['--help'], ['install', '--help'], ['describe', '--help'], ['cluster', 'register', '--help']]) {
    it(`meshctl ${args.join(' ')} loads no action and no heavy package`, () => {
      const { code, modules } = loadedBy(...args);
      assert.equal(code, 0);
      assert.ok(
        modules.some((url) => url.endsWith('/src/cli/declarations/install.ts')),
        'the declarations are loaded',
      );
      assert.deepEqual(heavyIn(modules), []);
    });
  }

  it('meshctl completion loads its own action only', () => {
    const { code, modules } = loadedBy('completion', 'bash');
    assert.equal(code, 0);
    assert.deepEqual(
      heavyIn(modules).map((url) => url.slice(url.indexOf('/src/'))),
      ['/src/cli/commands/completion.ts'],
    );
  });

  it('a command that runs imports its action and what it needs', () => {
    // An input folder that exists: a missing one is refused before the render is loaded.
    const input = mkdtempSync(join(tmpdir(), 'meshctl-lazy-input-'));
    mkdirSync(join(input, 'mgmt'));
    const { code, modules } = loadedBy('render', '--input', input);
    assert.equal(code, 0);
    assert.ok(modules.some((url) => url.endsWith('/src/cli/commands/render.ts')));
    assert.ok(modules.some((url) => url.endsWith('/src/pipeline/render.ts')));
  });
});
