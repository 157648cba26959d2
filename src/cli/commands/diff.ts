// `meshctl diff -f FILE|DIR|-`: what applying policy files to the management cluster would change in
// every cluster, from the live snapshot (or an input folder with --input), without writing anything.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { diffOverlay } from '../../diff/overlay.ts';
import { loadInputTree } from '../../snapshot/load.ts';
import { managementClient } from '../clients.ts';
import type { CommandIO, GlobalOptions } from '../context.ts';
import { asDiffCommand, printDiff } from '../diff-output.ts';
import { readLiveSnapshot } from '../live-snapshot.ts';
import { readOverlayFiles } from '../overlay-files.ts';

interface DiffFlags {
  readonly filename: string[];
  readonly input?: string;
  readonly namespace: string;
}

export function diffAction(io: CommandIO, globals: () => GlobalOptions) {
  return (flags: DiffFlags) =>
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
    });
}
