// meshctl's command-line conventions, driven as the user drives it: `node bin/meshctl.js …` in a child
// process, with real pipes. Nothing here needs a cluster; where a command would contact one, the
// kubeconfig points at a closed port.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from './main.ts';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'meshctl.js');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function meshctl(...args: string[]): Run {
  const run = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A kubeconfig whose only cluster is a port nothing listens on. */
function unreachableKubeconfig(): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-conv-'));
  const path = join(dir, 'kubeconfig');
  writeFileSync(
    path,
    `apiVersion: v1
kind: Config
clusters: [{name: nowhere, cluster: {server: "https://127.0.0.1:1"}}]
contexts: [{name: nowhere, context: {cluster: nowhere, user: nobody}}]
users: [{name: nobody, user: {token: not-a-secret}}]
current-context: nowhere
`,
  );
  return path;
}

function allCommands(command: Command, path: string[] = []): { path: string[]; command: Command }[] {
  return command.commands.flatMap((sub) => [
    { path: [...path, sub.name()], command: sub },
    ...allCommands(sub, [...path, sub.name()]),
  ]);
}

describe('meshctl --version is a top-level flag only', () => {
  it('prints the client version before the command, also after other global flags', () => {
    for (const args of [['--version'], ['--context', 'x', '--version'], ['-o', 'json', '--version']]) {
      const run = meshctl(...args);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, `${pkg.version}\n`);
    }
  });

  it("reaches a command's own --version: install --version X installs X", () => {
    const run = meshctl('install', '--version', '9.8.7', '--dry-run');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /image: ghcr\.io\/mesh-hub\/mesh-hub:9\.8\.7\n/);
    assert.doesNotMatch(run.stdout, new RegExp(`^${pkg.version.replaceAll('.', '\\.')}\\n$`));
  });
});

describe('meshctl version', () => {
  it('says the server is not reachable, naming why, and still prints the client version', () => {
    const kubeconfig = unreachableKubeconfig();
    const table = meshctl('--kubeconfig', kubeconfig, 'version');
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`^client: ${pkg.version.replaceAll('.', '\\.')}\n`));
    assert.match(table.stdout, /\nserver: not reachable \(.*127\.0\.0\.1:1.*\)\n$/);
    const json = meshctl('--kubeconfig', kubeconfig, 'version', '-o', 'json');
    const data = JSON.parse(json.stdout) as { client: { version: string }; server: { state: string; error: string } };
    assert.equal(data.client.version, pkg.version);
    assert.equal(data.server.state, 'not reachable');
    assert.match(data.server.error, /ECONNREFUSED/);
  });
});

describe('meshctl describe: kinds as kubectl reads them', () => {
  it('accepts any case, plural, short and group-qualified kinds', () => {
    const kubeconfig = unreachableKubeconfig();
    for (const kind of ['TrafficPolicy', 'tp', 'trafficpolicies', 'trafficpolicy.networking.mesh.gloo.solo.io', 'VM']) {
      const run = meshctl('--kubeconfig', kubeconfig, 'describe', kind, 'x');
      // Past argument parsing: the failure is the unreachable management cluster, not the kind.
      assert.equal(run.code, 1, `${kind}: ${run.stderr}`);
      assert.match(run.stderr, /cannot reach cluster .*127\.0\.0\.1:1.*connection refused/, kind);
    }
  });

  it('rejects an unknown kind with a usage error listing the kinds and their short names', () => {
    const run = meshctl('describe', 'policy', 'x');
    assert.equal(run.code, 2);
    assert.match(run.stderr, /'policy'.*trafficpolicy \(tp\), accesspolicy \(ap\), virtualmesh \(vm\)/);
  });
});

describe('meshctl writing into a closed pipe', () => {
  for (const command of ['install --dry-run', 'render --input examples/bookinfo']) {
    it(`exits quietly: meshctl ${command} | head -1`, () => {
      // bash with pipefail reports meshctl's exit status, not head's.
      const stderrFile = join(mkdtempSync(join(tmpdir(), 'meshctl-pipe-')), 'stderr');
      const run = spawnSync(
        'bash',
        [
          '-o',
          'pipefail',
          '-c',
          `"$0" bin/meshctl.js ${command} 2>"$1" | head -1; echo "exit=$?"`,
          process.execPath,
          stderrFile,
        ],
        { cwd: root, encoding: 'utf8', timeout: 60_000 },
      );
      const stderr = readFileSync(stderrFile, 'utf8');
      const lines = run.stdout.trimEnd().split('\n');
      assert.equal(lines.length, 2, run.stdout);
      assert.equal(lines[1], 'exit=0');
      assert.doesNotMatch(stderr, /EPIPE|Error|at /);
    });
  }
});

describe('Gloo Mesh 1.x habits get a hint', () => {
  const cases: { args: string[]; hint: RegExp; instead: string }[] = [
    {
      args: ['cluster', 'register', 'community', 'c1', '--remote-context', 'kind-c1'],
      hint: /no community edition/,
      instead: 'meshctl cluster register c1 --remote-context kind-c1',
    },
    {
      args: ['cluster', 'register', 'community', 'c1'],
      hint: /no community edition/,
      instead: 'meshctl cluster register c1 --remote-context CONTEXT',
    },
    {
      args: ['--mgmt-context', 'kind-mgmt', 'check'],
      hint: /--mgmt-context: .*--context/,
      instead: 'meshctl --context kind-mgmt check',
    },
    {
      args: ['check', '--kubecontext=kind-mgmt'],
      hint: /--kubecontext: .*--context/,
      instead: 'meshctl check --context=kind-mgmt',
    },
    {
      args: ['check', '--remote-context', 'kind-c1'],
      hint: /--remote-context names a workload cluster .* use --context/,
      instead: 'meshctl check --context kind-c1',
    },
    {
      args: ['cluster', 'register', '--cluster-name', 'c1', '--remote-context', 'kind-c1'],
      hint: /--cluster-name: the cluster name is the argument/,
      instead: 'meshctl cluster register c1 --remote-context kind-c1',
    },
  ];
  for (const { args, hint, instead } of cases) {
    it(`meshctl ${args.join(' ')}`, () => {
      const run = meshctl(...args);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /^error: /);
      assert.match(run.stderr, hint);
      assert.ok(run.stderr.endsWith(`hint: try: ${instead}\n`), run.stderr);
    });
  }

  it('adds nothing to other usage errors', () => {
    const run = meshctl('describe', 'tp');
    assert.equal(run.code, 2);
    assert.doesNotMatch(run.stderr, /hint:/);
  });
});

describe('meshctl -n', () => {
  it('means the namespace on every command that takes one, and nothing else', () => {
    const program = buildProgram({ stdout: () => undefined, stderr: () => undefined });
    const namespaced: string[] = [];
    for (const { path, command } of allCommands(program)) {
      for (const option of command.options) {
        if (option.short === '-n') assert.equal(option.long, '--namespace', `meshctl ${path.join(' ')}: -n`);
        // render takes --namespace without -n until its owner adds it (see the item 6).
        if (option.long === '--namespace' && path.join(' ') !== 'render') {
          assert.equal(option.short, '-n', `meshctl ${path.join(' ')}: --namespace has no -n`);
          namespaced.push(path.join(' '));
        }
      }
    }
    for (const command of ['describe', 'version', 'debug snapshot', 'install', 'check', 'cluster list']) {
      assert.ok(namespaced.includes(command), `meshctl ${command} takes -n`);
    }
  });
});
