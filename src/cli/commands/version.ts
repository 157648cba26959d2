import type { Command } from 'commander';
import type { CommandIO, GlobalOptions } from '../context.ts';
import { formatData } from '../output.ts';
import { clientVersion } from '../version.ts';

export function registerVersion(program: Command, io: CommandIO, globals: () => GlobalOptions): void {
  program
    .command('version')
    .description('Print the meshctl client version (and the management plane version once one is installed)')
    .action(() => {
      const data = { client: { version: clientVersion() } };
      io.stdout(
        formatData(globals().outputFormat, data, () => ({
          headers: ['COMPONENT', 'VERSION'],
          rows: [['client', data.client.version]],
        })),
      );
    });
}
