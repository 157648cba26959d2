// `meshctl dashboard`: its declaration (options, help); the action is commands/dashboard.ts.
import { Option, type Command } from 'commander';
import { CommandError, type CommandIO, type GlobalOptions } from '../context.ts';
import { namespaceOption } from './options.ts';
import { lazyAction } from './lazy-action.ts';

function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535)
    throw new CommandError(`--port ${value}: not a port`, 2);
  return parsed;
}

export function registerDashboard(program: Command, io: CommandIO, globals: () => GlobalOptions): void {
  program
    .command('dashboard')
    .description('Serve the Mesh Hub dashboard locally against the management cluster of the current kubeconfig')
    .option(...namespaceOption)
    .addOption(new Option('--port <port>', 'local port (0 picks a free one)').argParser(port).default(8090))
    .addOption(
      new Option(
        '--address <host>',
        'address to listen on; anything but loopback lets others on the network read it',
      ).default('127.0.0.1'),
    )
    .option('--open', 'open the dashboard in the default browser', false)
    .action(
      lazyAction(
        () => import('../commands/dashboard.ts'),
        (m) => m.dashboardAction(io, globals),
      ),
    );
}
