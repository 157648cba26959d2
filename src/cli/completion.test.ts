// `meshctl completion bash|zsh|fish`, run as a child process; the bash script is loaded into a real bash
// and asked for completions as bash's programmable completion would ask.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Command } from 'commander';
import { DESCRIBE_KINDS, KIND_NAMES } from './describe-model.ts';
import { buildProgram } from './main.ts';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'meshctl.js');

function script(shell: string): string {
  const run = spawnSync(process.execPath, [bin, 'completion', shell], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stderr, '');
  return run.stdout;
}

function saved(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'meshctl-completion-')), 'script');
  writeFileSync(path, text);
  return path;
}

function hasShell(shell: string): boolean {
  return spawnSync(shell, ['-c', 'true']).status === 0;
}

/** Every command of the tree with its path and its options' flags, as commander holds them. */
function commands(command: Command, path: string[] = []): { path: string[]; flags: string[] }[] {
  return command.commands.flatMap((sub) => [
    {
      path: [...path, sub.name()],
      flags: sub.options.flatMap((o) => [o.short, o.long]).filter((f): f is string => f !== undefined),
    },
    ...commands(sub, [...path, sub.name()]),
  ]);
}

const program = buildProgram({ stdout: () => undefined, stderr: () => undefined });

describe('meshctl completion bash', () => {
  const bash = script('bash');
  const file = saved(bash);

  /** What bash would offer for the words typed so far (the last one being completed). */
  function complete(...words: string[]): string[] {
    const run = spawnSync(
      'bash',
      [
        '-c',
        'source "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _meshctl; printf "%s\\n" "${COMPREPLY[@]}"',
        file,
        ...words,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(run.stderr, '');
    return run.stdout.split('\n').filter((w) => w !== '');
  }

  it('is valid bash', () => {
    const run = spawnSync('bash', ['-n', file], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
  });

  it('names every command, subcommand and flag', () => {
    for (const { path, flags } of commands(program)) {
      const line = bash.split('\n').find((l) => l.trimStart().startsWith(`"/${path.join('/')}")`));
      assert.ok(line !== undefined, `meshctl ${path.join(' ')}`);
      const words = /words="([^"]*)"/.exec(line)?.[1]?.split(' ') ?? [];
      for (const flag of flags) assert.ok(words.includes(flag), `meshctl ${path.join(' ')} ${flag}`);
    }
  });

  it('completes commands, subcommands, flag values and describe kinds', () => {
    assert.deepEqual(complete('meshctl', 'de'), ['describe', 'debug', 'demo']);
    assert.deepEqual(complete('meshctl', '--context', 'mgmt', 'cluster', 're'), ['register']);
    assert.deepEqual(complete('meshctl', 'version', '-o', ''), ['table', 'json', 'yaml']);
    assert.deepEqual(complete('meshctl', 'install', '--dry'), ['--dry-run']);
    assert.deepEqual(complete('meshctl', 'create', 'v'), ['virtualmesh']);
    assert.deepEqual(complete('meshctl', 'create', 'virtualmesh', '--def'), ['--default-deny']);
    const kinds = DESCRIBE_KINDS.flatMap((k) => [k, ...KIND_NAMES[k].aliases]);
    assert.deepEqual(complete('meshctl', 'describe', ''), [
      ...complete('meshctl', 'describe', '-').filter((w) => w.startsWith('-')),
      ...kinds,
    ]);
    assert.deepEqual(complete('meshctl', 'describe', 't'), ['trafficpolicy', 'trafficpolicies', 'tp']);
    // After the kind comes a name: no kinds again.
    assert.deepEqual(complete('meshctl', 'describe', 'tp', 't'), []);
  });
});

describe('meshctl completion zsh and fish', () => {
  it('zsh: the bash completion through zsh’s emulation, valid zsh', (t) => {
    const zsh = script('zsh');
    assert.match(zsh, /^#compdef meshctl\n/);
    assert.match(zsh, /bashcompinit/);
    assert.match(zsh, /complete -F _meshctl meshctl\n$/);
    if (!hasShell('zsh')) {
      t.skip('zsh is not installed');
      return;
    }
    const run = spawnSync('zsh', ['-n', saved(zsh)], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
  });

  it('fish: every command and flag, valid fish', (t) => {
    const fish = script('fish');
    for (const { path, flags } of commands(program)) {
      const name = path.at(-1) ?? '';
      assert.match(fish, new RegExp(` -a ${name} -d `), `meshctl ${path.join(' ')}`);
      for (const flag of flags) {
        const spelled = flag.startsWith('--') ? `-l ${flag.slice(2)}` : `-s ${flag.slice(1)}`;
        assert.ok(fish.includes(spelled), `meshctl ${path.join(' ')} ${flag}`);
      }
    }
    if (!hasShell('fish')) {
      t.skip('fish is not installed');
      return;
    }
    const file = saved(fish);
    const run = spawnSync('fish', ['--no-execute', file], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const offered = (line: string) =>
      spawnSync('fish', ['-c', 'source $argv[1]; complete -C $argv[2]', file, line], { encoding: 'utf8' })
        .stdout.split('\n')
        .map((l) => l.split('\t')[0])
        .filter((w) => w !== '');
    assert.deepEqual(offered('meshctl cluster ').sort(), ['deregister', 'list', 'register']);
    assert.deepEqual(offered('meshctl describe t').sort(), ['tp', 'trafficpolicies', 'trafficpolicy']);
    // install's own --version (the image tag), not the program's.
    assert.deepEqual(offered('meshctl install --vers'), ['--version']);
  });

  it('rejects another shell with a usage error', () => {
    const run = spawnSync(process.execPath, [bin, 'completion', 'powershell'], { encoding: 'utf8' });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /bash, zsh, fish/);
  });
});
