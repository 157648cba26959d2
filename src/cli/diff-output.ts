// How `meshctl diff` and `meshctl render --diff-against` print a RenderDiff and end: the one text
// format (or the data itself with -o json|yaml), then exit 0 when nothing changes and 1 when
// something does, like `kubectl diff`; every error in these commands exits 2.
import { formatRenderDiff } from '../diff/format-diff.ts';
import type { RenderDiff } from '../diff/render-diff.ts';
import { CommandError, type CommandIO } from './context.ts';
import { DIFF_ERROR_EXIT_CODE } from './diff-exit-codes.ts';
import { formatData, type OutputFormat } from './output.ts';

export { DIFF_ERROR_EXIT_CODE, diffExitCodesHelp } from './diff-exit-codes.ts';

export function printDiff(io: CommandIO, format: OutputFormat, diff: RenderDiff): void {
  io.stdout(
    format === 'table'
      ? formatRenderDiff(diff, { colour: io.colour === true })
      : formatData(format, diff, () => ({ headers: [], rows: [] })),
  );
  if (diff.changed) throw new CommandError('', 1);
}

/** Runs a diff command's work so that any failure exits 2, never 1 (which means "changes"). */
export async function asDiffCommand(work: () => Promise<void> | void): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (error instanceof CommandError && error.message === '') throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new CommandError(message, DIFF_ERROR_EXIT_CODE);
  }
}
