// `meshctl debug snapshot`: its declaration (options, help); the action is commands/debug.ts.
import type { Command } from 'commander';
import type { CommandIO, GlobalOptions } from '../context.ts';
import { namespaceOption } from './options.ts';
import { lazyAction } from './lazy-action.ts';

export function registerDebug(program: Command, io: CommandIO, globals: () => GlobalOptions): void {
  const debug = program.command('debug').description('Collect what is needed to report a problem');
  debug
    .command('snapshot')
    .description(
      "Write the management plane's current input and output as files in the render layout (Secret values redacted), replayable with `meshctl render`",
    )
    .requiredOption('--output <dir>', 'folder to create (must not exist, or be empty)')
    .option(...namespaceOption)
    .action(
      lazyAction(
        () => import('../commands/debug.ts'),
        (m) => m.debugSnapshotAction(io, globals),
      ),
    );
}
