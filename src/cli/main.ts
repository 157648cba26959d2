// meshctl: the command-line interface of Mesh Hub. Each command is declared (name, options, help) in
// declarations/<name>.ts and acts in commands/<name>.ts, which is imported only when the command runs
// (declarations/lazy-action.ts): help, completion and `--version` load no Kubernetes client, YAML or schema.
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, Help, Option } from 'commander';
import { CommandError, GlobalOptions, OUTPUT_FORMATS, type CommandIO } from './context.ts';
import { registerCheck } from './declarations/check.ts';
import { registerCluster_ } from './declarations/cluster.ts';
import { registerCompletion } from './declarations/completion.ts';
import { registerCreate } from './declarations/create.ts';
import { registerDashboard } from './declarations/dashboard.ts';
import { registerDebug } from './declarations/debug.ts';
import { registerDemo } from './declarations/demo.ts';
import { registerDescribe } from './declarations/describe.ts';
import { registerDiff } from './declarations/diff.ts';
import { registerExplain } from './declarations/explain.ts';
import { registerInstall } from './declarations/install.ts';
import { registerRbac } from './declarations/rbac.ts';
import { registerRender } from './declarations/render.ts';
import { registerTop } from './declarations/top.ts';
import { registerVersion } from './declarations/version.ts';
import { addExamples } from './examples.ts';
import { legacyHint } from './legacy-hints.ts';
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
        .choices(OUTPUT_FORMATS)
        .default('table'),
    )
    .addOption(
      new Option('-v, --verbose', 'print more detail, including stack traces of internal errors').default(false),
    )
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showSuggestionAfterError(true)
    .exitOverride();
  program.configureHelp({
    sortSubcommands: true,
    // --version is handled before parsing (see topLevelVersion); listed here so help shows it.
    visibleOptions(cmd: Command): Option[] {
      const options = Help.prototype.visibleOptions.call(this, cmd);
      if (cmd !== program) return options;
      const help = options.findIndex((o) => o.long === '--help');
      options.splice(help === -1 ? options.length : help, 0, VERSION_OPTION);
      return options;
    },
  });
  registerRender(program, io, globals);
  registerInstall(program, io, globals);
  registerCluster_(program, io, globals);
  registerCheck(program, io, globals);
  registerCreate(program, io, globals);
  registerDescribe(program, io, globals);
  registerRbac(program, io, globals);
  registerDebug(program, io, globals);
  registerDiff(program, io, globals);
  registerExplain(program, io, globals);
  registerDashboard(program, io, globals);
  registerDemo(program, io);
  registerTop(program, io, globals);
  registerVersion(program, io, globals);
  registerCompletion(program, io);
  addExamples(program);
  return program;
}

const VERSION_OPTION = new Option('--version', 'print the client version (only before the command)');

/**
 * Whether `--version` is among the global flags before the command. Commander's program-level
 * `.version()` would take `--version` anywhere on the line, swallowing a command's own `--version`
 * (`meshctl install --version 1.2.0`); here it only counts before the first command word.
 */
export function topLevelVersion(program: Command, argv: readonly string[]): boolean {
  const takesValue = new Set(program.options.filter((o) => o.required || o.optional).flatMap((o) => [o.long, o.short]));
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? '';
    if (token === '--version') return true;
    if (token === '--' || !token.startsWith('-')) return false;
    if (takesValue.has(token)) i++;
  }
  return false;
}

/** Runs meshctl with the given arguments (without `node meshctl`); returns the exit code. */
export async function runMeshctl(argv: readonly string[], io: CommandIO): Promise<number> {
  const code = await runProgram(argv, io);
  if (code === USAGE_EXIT_CODE) io.stderr(legacyHint(argv));
  return code;
}

async function runProgram(argv: readonly string[], io: CommandIO): Promise<number> {
  const program = buildProgram(io);
  if (argv.length === 0) {
    io.stdout(program.helpInformation());
    return 0;
  }
  if (topLevelVersion(program, argv)) {
    io.stdout(`${clientVersion()}\n`);
    return 0;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its one-line message; help and --version are not failures.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.help') {
        return 0;
      }
      return USAGE_EXIT_CODE;
    }
    if (error instanceof CommandError) {
      if (error.message !== '') io.stderr(`error: ${error.message}\n`);
      return error.exitCode;
    }
    // Imported here, not at the top: only a failing command needs them, and it has loaded them already.
    const [{ InputError }, { asClusterFailure }] = await Promise.all([
      import('../snapshot/yaml.ts'),
      import('./cluster-failure.ts'),
    ]);
    if (error instanceof InputError) {
      io.stderr(`error: ${error.message}\n`);
      return 1;
    }
    // A cluster that failed a call is for the user to fix, not a bug (commands name it more precisely).
    const failure = asClusterFailure(error, []);
    if (failure instanceof CommandError) {
      io.stderr(`error: ${failure.message}\n`);
      return failure.exitCode;
    }
    const verbose = program.opts<{ verbose?: boolean }>().verbose === true;
    io.stderr(`internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    if (verbose && error instanceof Error && error.stack !== undefined) io.stderr(`${error.stack}\n`);
    else io.stderr('(run again with --verbose for the stack trace, and please report it)\n');
    return 1;
  }
}

/**
 * A reader that stops early (`meshctl install --dry-run | head -1`) closes the pipe; the next write
 * fails with EPIPE. That is the reader's choice, not an error: stop quietly, as `cat` and `kubectl` do.
 */
function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

/** The process entry point: real stdout/stderr, exit code on the process. */
export async function main(): Promise<void> {
  exitQuietlyOnClosedPipe(process.stdout);
  exitQuietlyOnClosedPipe(process.stderr);
  const io: CommandIO = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    colour: process.stdout.isTTY && process.env.NO_COLOR === undefined,
  };
  process.exitCode = await runMeshctl(process.argv.slice(2), io);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
