// `meshctl diff`: its declaration (options, help); the action is commands/diff.ts.
import type { Command } from 'commander';
import type { CommandIO, GlobalOptions } from '../context.ts';
import { diffExitCodesHelp } from '../diff-exit-codes.ts';
import { namespaceOption } from './options.ts';
import { lazyAction } from './lazy-action.ts';

const help = `
Renders the estate twice with the same pure core as the management plane, once as it is and once
with the files applied (an object of the same kind, namespace and name is replaced, others are
added), and prints what would differ: per cluster the objects created (+), updated (~, field by
field) and deleted (-), then every policy whose status would change (ACCEPTED, INVALID with the
field named, conflicts with named policies). An invalid policy is not an error here: it is shown
with the INVALID status it would get. Nothing is written anywhere.

Without --input it reads the management cluster (--context) and every registered cluster with its
registration credentials; an unreachable cluster is warned about and stands in with its last
discovered objects. With --input DIR it reads a folder in the render input layout instead.
${diffExitCodesHelp}`;

export function registerDiff(program: Command, io: CommandIO, globals: () => GlobalOptions): void {
  program
    .command('diff')
    .description('Show what applying policy files would change in every cluster, writing nothing')
    .requiredOption(
      '-f, --filename <path>',
      'policy file, folder of files, or - for stdin (repeatable)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--input <dir>', 'compare against an input folder in the render layout instead of the live clusters')
    .option(...namespaceOption)
    .addHelpText('after', help)
    .action(
      lazyAction(
        () => import('../commands/diff.ts'),
        (m) => m.diffAction(io, globals),
      ),
    );
}
