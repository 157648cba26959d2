// `meshctl diff -f FILE|DIR|-`: what applying policy files to the management cluster would change in
// every cluster, from the live snapshot (or an input folder with --input), without writing anything.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { diffOverlay } from '../../diff/overlay.ts';
import { loadInputTree } from '../../snapshot/load.ts';
import { managementClient, namespaceOption } from '../clients.ts';
import type { CommandIO, GlobalOptions } from '../context.ts';
import { asDiffCommand, diffExitCodesHelp, printDiff } from '../diff-output.ts';
import { readLiveSnapshot } from '../live-snapshot.ts';
import { readOverlayFiles } from '../overlay-files.ts';

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

interface DiffFlags {
  readonly filename: string[];
  readonly input?: string;
  readonly namespace: string;
}

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
    .action((flags: DiffFlags) =>
      asDiffCommand(async () => {
        const g = globals();
        const files = readOverlayFiles(flags.filename, flags.namespace, () => readFileSync(0, 'utf8'));
        if (flags.input !== undefined) {
          const snapshot = loadInputTree(resolve(flags.input), { installNamespace: flags.namespace });
          printDiff(io, g.outputFormat, diffOverlay(snapshot, files));
          return;
        }
        const live = await readLiveSnapshot(managementClient(g), flags.namespace);
        for (const warning of live.warnings) io.stderr(`warning: ${warning}\n`);
        printDiff(io, g.outputFormat, diffOverlay(live.snapshot, files, live.options));
      }),
    );
}
