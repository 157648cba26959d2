import { resolve } from 'node:path';
import type { Warning } from '../../snapshot/input.ts';
import { OutputError, prepareOutputFolder } from '../../snapshot/output-folder.ts';
import { readInputTree } from '../../snapshot/parallel-load.ts';
import type { CommandIO, GlobalOptions } from '../context.ts';
import { CommandError } from '../context.ts';

interface RenderFlags {
  readonly input: string;
  readonly output?: string;
  readonly namespace: string;
  readonly strict: boolean;
  readonly diffAgainst?: string;
}

export function renderAction(io: CommandIO, globals: () => GlobalOptions) {
  return async (options: RenderFlags) => {
    if (options.diffAgainst !== undefined) return renderDiff(options, options.diffAgainst, io, globals);
    const format = globals().outputFormat;
    // A folder that cannot be written fails before the input is read and rendered, not after.
    if (options.output !== undefined) checkOutput(options.output, options.input);
    const timings = phaseTimer(process.env.MESHHUB_RENDER_TIMINGS === '1');
    // Reading starts first: the worker reads the files while this thread loads the render.
    // One Promise.all: a bad input fails at once, and its rejection is never left unhandled meanwhile.
    const [snapshot, { render }, { summarizeRender }, output, write] = await Promise.all([
      readInputTree(resolve(options.input), { installNamespace: options.namespace }),
      import('../../pipeline/render.ts'),
      import('../../pipeline/render-summary.ts'),
      import('../../snapshot/output.ts'),
      import('../../snapshot/write.ts'),
    ]);
    timings.lap('read');
    const rendered = render(snapshot);
    timings.lap('render');
    for (const warning of [...snapshot.warnings, ...rendered.warnings]) io.stderr(formatWarning(warning));
    if (options.output === undefined) {
      io.stdout(
        format === 'json'
          ? output.toCanonicalJson(output.layoutOutputList(rendered))
          : output.layoutOutputStream(rendered),
      );
    } else {
      let files: string[];
      try {
        files = write.writeOutputTree(options.output, rendered, options.input);
      } catch (error) {
        if (error instanceof OutputError) throw new CommandError(error.message);
        throw error;
      }
      io.stderr(`wrote ${String(files.length)} files to ${options.output}\n`);
    }
    timings.lap('write');
    timings.report(io);
    const summary = summarizeRender(snapshot, rendered.mgmt);
    io.stderr(summary.lines.map((line) => `${line}\n`).join(''));
    if (options.strict && summary.notAccepted > 0) {
      throw new CommandError(
        `--strict: ${String(summary.notAccepted)} ${summary.notAccepted === 1 ? 'object is' : 'objects are'} not ACCEPTED`,
      );
    }
  };
}

function formatWarning(warning: Warning): string {
  const where =
    warning.source?.file === undefined
      ? ''
      : ` (${warning.source.file}${warning.source.document === undefined ? '' : `, document ${String(warning.source.document)}`})`;
  return `warning: ${warning.cluster === undefined ? '' : `${warning.cluster}: `}${warning.object}${where}: ${warning.message}\n`;
}

function checkOutput(output: string, input: string): void {
  try {
    prepareOutputFolder(output, input);
  } catch (error) {
    if (error instanceof OutputError) throw new CommandError(error.message);
    throw error;
  }
}

/**
 * With MESHHUB_RENDER_TIMINGS=1 (bench/render-cli.ts sets it), one stderr line with the wall time of
 * reading, rendering and writing; otherwise nothing.
 */
function phaseTimer(enabled: boolean): { lap: (phase: string) => void; report: (io: CommandIO) => void } {
  const laps: string[] = [];
  let start = performance.now();
  return {
    lap(phase) {
      if (!enabled) return;
      const now = performance.now();
      laps.push(`${phase} ${(now - start).toFixed(0)} ms`);
      start = now;
    },
    report(io) {
      if (enabled) io.stderr(`timings: ${laps.join(', ')}\n`);
    },
  };
}

/** `render --diff-against`: the new render compared with an earlier output tree, through the diff engine. */
async function renderDiff(options: RenderFlags, against: string, io: CommandIO, globals: () => GlobalOptions) {
  const { asDiffCommand, printDiff } = await import('../diff-output.ts');
  await asDiffCommand(async () => {
    const format = globals().outputFormat;
    if (options.output !== undefined) checkOutput(options.output, options.input);
    const [
      { render },
      { summarizeRender },
      { asApplied, withRecordedStatus },
      { diffRenders },
      readOutput,
      load,
      write,
    ] = await Promise.all([
      import('../../pipeline/render.ts'),
      import('../../pipeline/render-summary.ts'),
      import('../../diff/overlay.ts'),
      import('../../diff/render-diff.ts'),
      import('../../snapshot/read-output.ts'),
      import('../../snapshot/load.ts'),
      import('../../snapshot/write.ts'),
    ]);
    const before = readOutput.loadOutputTree(resolve(against));
    const loaded = load.loadInputTree(resolve(options.input), { installNamespace: options.namespace });
    // The statuses in OTHER are what the management plane would have written: policies accepted
    // there keep their fields against newer ones, as they would on the clusters.
    const snapshot = { ...withRecordedStatus(loaded, before.mgmt), warnings: loaded.warnings };
    const output = render(snapshot);
    for (const warning of [...snapshot.warnings, ...output.warnings]) io.stderr(formatWarning(warning));
    if (options.output !== undefined) {
      const files = write.writeOutputTree(options.output, output, options.input);
      io.stderr(`wrote ${String(files.length)} files to ${options.output}\n`);
    }
    const summary = summarizeRender(snapshot, output.mgmt);
    io.stderr(summary.lines.map((line) => `${line}\n`).join(''));
    // Compared as the management plane would apply it: outputs of policies turned INVALID are kept.
    printDiff(io, format, diffRenders(before, asApplied(before, output)));
  });
}
