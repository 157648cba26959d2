// The generated CLI reference covers every command, flag, default and example, and every example is a
// command line meshctl accepts. (That docs/reference/cli.md matches is `node scripts/generate.ts --check`.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Command } from 'commander';
import { EXAMPLES, commandTree } from './examples.ts';
import { buildProgram } from './main.ts';
import { cliReferenceMarkdown } from './reference.ts';

const program = buildProgram({ stdout: () => undefined, stderr: () => undefined });
const reference = cliReferenceMarkdown();

/** The options a command accepts: its own and the program's (taken anywhere on the line). */
function accepted(command: Command): Set<string> {
  const flags = new Set(['-h', '--help']);
  for (let c: Command | null = command; c !== null; c = c.parent) {
    for (const option of c.options) {
      if (option.short !== undefined) flags.add(option.short);
      if (option.long !== undefined) flags.add(option.long);
    }
  }
  return flags;
}

/**
 * Checks one example line against the command definitions: the command words name a command, every
 * flag is one it takes, and the arguments are as many as it declares. Returns the command path.
 */
function checkExample(line: string): string {
  const tokens = line.split('#')[0]?.trim().split(/\s+/) ?? [];
  assert.equal(tokens[0], 'meshctl', line);
  let command: Command = program;
  let path = '';
  const operands: string[] = [];
  for (let i = 1; i < tokens.length; i++) {
    const token = tokens[i] ?? '';
    if (token === '>' || token === '|') break;
    if (token.startsWith('-')) {
      const flag = token.split('=')[0] ?? token;
      const option = [
        ...(function* () {
          for (let c: Command | null = command; c !== null; c = c.parent) yield* c.options;
        })(),
      ].find((o) => o.short === flag || o.long === flag);
      assert.ok(
        accepted(command).has(flag) && option !== undefined,
        `${line}: ${flag} is not a flag of meshctl ${path}`,
      );
      if ((option.required || option.optional) && !token.includes('=')) i++;
      continue;
    }
    const sub = operands.length === 0 ? command.commands.find((c) => c.name() === token) : undefined;
    if (sub !== undefined) {
      command = sub;
      path = path === '' ? token : `${path} ${token}`;
    } else {
      operands.push(token);
    }
  }
  const declared = command.registeredArguments;
  assert.ok(operands.length >= declared.filter((a) => a.required).length, `${line}: missing arguments`);
  assert.ok(operands.length <= declared.length, `${line}: too many arguments`);
  for (const [i, argument] of declared.entries()) {
    const value = operands[i];
    if (value !== undefined && argument.argChoices !== undefined) assert.ok(argument.argChoices.includes(value), line);
  }
  return path;
}

describe('meshctl CLI reference', () => {
  it('has every command with its flags, defaults and arguments', () => {
    for (const { path, command } of commandTree(program)) {
      assert.ok(reference.includes(`\n## meshctl ${path}\n`), `meshctl ${path}`);
      const section = reference.split(`\n## meshctl ${path}\n`)[1]?.split('\n## ')[0] ?? '';
      for (const option of command.options) {
        assert.ok(section.includes(`| \`${option.flags}\` |`), `meshctl ${path} ${option.flags}`);
        const value: unknown = option.defaultValue;
        if (typeof value === 'string')
          assert.ok(section.includes(`| \`${value}\` |`), `${path} ${option.flags} default`);
      }
      for (const argument of command.registeredArguments) {
        assert.ok(section.includes(argument.name()), `meshctl ${path} <${argument.name()}>`);
      }
    }
    for (const option of program.options) assert.ok(reference.includes(`| \`${option.flags}\` |`), option.flags);
  });

  it('has examples for every command that runs something', () => {
    for (const { path, command } of commandTree(program)) {
      if (command.commands.length > 0) continue;
      const section = reference.split(`\n## meshctl ${path}\n`)[1]?.split('\n## ')[0] ?? '';
      assert.match(section, /\nExamples:\n {2}\S/, `meshctl ${path} has no examples`);
    }
  });

  it('gives only examples meshctl accepts, each listed under its own command', () => {
    const paths = new Set(commandTree(program).map((c) => c.path));
    for (const [path, lines] of Object.entries(EXAMPLES)) {
      assert.ok(paths.has(path), `examples for ${path}, which is not a command`);
      // The first line of each is an example of that command; later ones may show what follows it.
      const [first = '', ...rest] = lines;
      assert.equal(checkExample(first), path, first);
      for (const line of rest) checkExample(line);
    }
  });

  it('is what docs/reference/cli.md holds (else run npm run generate)', () => {
    const file = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'reference', 'cli.md'), 'utf8');
    assert.equal(file, reference);
  });

  it('rejects an example with an unknown flag or a missing argument (the check itself can fail)', () => {
    assert.throws(() => checkExample('meshctl install --frobnicate'), /--frobnicate is not a flag/);
    assert.throws(() => checkExample('meshctl cluster deregister --remote-context x'), /missing arguments/);
    assert.throws(() => checkExample('meshctl describe tp'), /missing arguments/);
  });
});
