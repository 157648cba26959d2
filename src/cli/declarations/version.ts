// `meshctl version`: its declaration (options, help); the action is commands/version.ts.
import type { Command } from 'commander';
import { CONTROLLER_NAME } from '../../install/defaults.ts';
import type { CommandIO, GlobalOptions } from '../context.ts';
import { namespaceOption } from './options.ts';
import { lazyAction } from './lazy-action.ts';

export function registerVersion(program: Command, io: CommandIO, globals: () => GlobalOptions): void {
  program
    .command('version')
    .description('Print the meshctl client version and the version of the management plane it talks to')
    .option('--client', 'print only the client version (do not contact the management cluster)')
    .option(...namespaceOption)
    .addHelpText(
      'after',
      `
The server version is the image tag of the management plane's Deployment (${CONTROLLER_NAME}) in the
install namespace on the management cluster (--context). When it cannot be read, the server line says
why; the exit code is still 0, as the client version was printed.`,
    )
    .action(
      lazyAction(
        () => import('../commands/version.ts'),
        (m) => m.versionAction(io, globals),
      ),
    );
}
