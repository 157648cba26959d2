// meshctl: the command-line interface of Mesh Hub. Each command lives in commands/<name>.ts.
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { InputError } from '../snapshot/yaml.ts';
import { registerCheck } from './commands/check.ts';
import { registerCluster_ } from './commands/cluster.ts';
import { registerDebug } from './commands/debug.ts';
import { registerDescribe } from './commands/describe.ts';
import { registerDemo } from './commands/demo.ts';
import { registerInstall } from './commands/install.ts';
import { registerRender } from './commands/render.ts';
import { registerVersion } from './commands/version.ts';
import { CommandError, GlobalOptions, type CommandIO } from './context.ts';
import { clientVersion } from './version.ts';

/** Exit code for usage errors: unknown command, unknown flag, missing or malformed argument. */
export const USAGE_EXIT_CODE = 2;

export function buildProgram(io: CommandIO): Command {
  const program = new Command('meshctl');
  const globals = () => GlobalOptions.parse(program.opts());
  program
    .description('Mesh Hub: one management plane for the service meshes of many Kubernetes clusters')
    .addOption(new Option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)'))
    .addOption(new Option('--context <name>', 'kubeconfig context of the management cluster'))
    .addOption(
      new Option('-o, --output-format <format>', 'output format for command results')
        .choices(['table', 'json', 'yaml'])
        .default('table'),
    )
    .addOption(
      new Option('-v, --verbose', 'print more detail, including stack traces of internal errors').default(false),
    )
    .version(clientVersion(), '--version', 'print the client version')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showSuggestionAfterError(true)
    .exitOverride();
  program.configureHelp({ sortSubcommands: true });
  registerRender(program, io, globals);
  registerInstall(program, io, globals);
  registerCluster_(program, io, globals);
  registerCheck(program, io, globals);
  registerDescribe(program, io, globals);
  registerDebug(program, io, globals);
  registerDemo(program, io);
  registerVersion(program, io, globals);
  return program;
}

/** Runs meshctl with the given arguments (without `node meshctl`); returns the exit code. */
export async function runMeshctl(argv: readonly string[], io: CommandIO): Promise<number> {
  const program = buildProgram(io);
  if (argv.length === 0) {
    io.stdout(program.helpInformation());
    return 0;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its one-line message; help and --version are not failures.
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.help' ||
        error.code === 'commander.version'
      ) {
        return 0;
      }
      return USAGE_EXIT_CODE;
    }
    if (error instanceof InputError) {
      io.stderr(`error: ${error.message}\n`);
      return 1;
    }
    if (error instanceof CommandError) {
      io.stderr(`error: ${error.message}\n`);
      return error.exitCode;
    }
    const verbose = program.opts<{ verbose?: boolean }>().verbose === true;
    io.stderr(`internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    if (verbose && error instanceof Error && error.stack !== undefined) io.stderr(`${error.stack}\n`);
    else io.stderr('(run again with --verbose for the stack trace, and please report it)\n');
    return 1;
  }
}

/** The process entry point: real stdout/stderr, exit code on the process. */
export async function main(): Promise<void> {
  const io: CommandIO = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  };
  process.exitCode = await runMeshctl(process.argv.slice(2), io);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
