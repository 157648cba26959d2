import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_INSTALL_NAMESPACE } from '../../api/labels.ts';
import { render } from '../../pipeline/render.ts';
import { summarizeRender } from '../../pipeline/render-summary.ts';
import { withRecordedStatus } from '../../diff/overlay.ts';
import { diffRenders } from '../../diff/render-diff.ts';
import { loadOutputTree } from '../../snapshot/read-output.ts';
import type { Warning } from '../../snapshot/input.ts';
import { loadInputTree } from '../../snapshot/load.ts';
import { layoutOutputList, layoutOutputStream, toCanonicalJson } from '../../snapshot/output.ts';
import { OutputError, prepareOutputFolder, writeOutputTree } from '../../snapshot/write.ts';
import type { CommandIO, GlobalOptions } from '../context.ts';
import { CommandError } from '../context.ts';
import { asDiffCommand, diffExitCodesHelp, printDiff } from '../diff-output.ts';

const layoutHelp = `
Input layout (--input DIR; files ending in .yaml, .yml or .json, read as YAML):
  DIR/mgmt/**                      objects on the management cluster (VirtualMesh, TrafficPolicy,
                                   AccessPolicy, VirtualDestination, Settings, KubernetesCluster)
  DIR/clusters/<cluster>/**        objects read from each registered cluster (Mesh Hub's management
                                   kinds found here are ignored, with a warning naming the file)
  An object (API group, kind, namespace, name) is defined once per cluster: a second definition,
  even an identical one, is an error naming both places.

Output (--output OUT; without it, one stream on stdout, each object annotated with meshhub.dev/cluster,
as YAML, or as one JSON List with -o json):
  OUT/mgmt/*.yaml                  discovered objects and every input policy with its computed status
  OUT/clusters/<cluster>/*.yaml    the objects to apply to that cluster
  OUT may not be the input folder, hold it, or lie inside its mgmt/ or clusters/ (by any path,
  symlinks included).

After every render a short summary goes to stderr: the objects read, TrafficPolicies,
AccessPolicies, VirtualMeshes and VirtualDestinations per state, and the first few that are not
ACCEPTED with their first error and their file.

Exit codes:
  0  rendering ran (objects that are INVALID or FAILED are reported in their status and the summary)
  1  the input cannot be read (the message names file, document and field), the output cannot be
     written, or with --strict: a TrafficPolicy, AccessPolicy, VirtualMesh or VirtualDestination
     is not ACCEPTED (the output is still written)
  2  usage error

With --diff-against OTHER (a folder an earlier \`render --output\` wrote), stdout gets what changed
from OTHER to this render instead of the output stream, in the format of \`meshctl diff\` (-o json
for tools); --output still writes the new tree. Policies keep the statuses recorded in OTHER (an
ACCEPTED policy keeps its fields against a newer one, as on the clusters). Exit codes are then those of \`meshctl diff\`:
${diffExitCodesHelp.trim()}`;

interface RenderFlags {
  readonly input: string;
  readonly output?: string;
  readonly namespace: string;
  readonly strict: boolean;
  readonly diffAgainst?: string;
}

export function registerRender(program: Command, io: CommandIO, globals: () => GlobalOptions): void {
  program
    .command('render')
    .description('Run discovery, validation and translation on files, with no cluster')
    .requiredOption('--input <dir>', 'input folder in the render layout')
    .option('--output <dir>', 'write the output tree here instead of one stream on stdout')
    .option('--namespace <ns>', 'install namespace of Mesh Hub on the management cluster', DEFAULT_INSTALL_NAMESPACE)
    .option('--strict', 'exit 1 when any policy, VirtualMesh or VirtualDestination is not ACCEPTED', false)
    .option('--diff-against <dir>', 'print what changed since an earlier --output folder (exit 0: none, 1: some)')
    .addHelpText('after', layoutHelp)
    .action((options: RenderFlags) => {
      if (options.diffAgainst !== undefined) return renderDiff(options, options.diffAgainst, io, globals);
      const format = globals().outputFormat;
      // A folder that cannot be written fails before the input is read and rendered, not after.
      if (options.output !== undefined) checkOutput(options.output, options.input);
      const timings = phaseTimer(process.env.MESHHUB_RENDER_TIMINGS === '1');
      const snapshot = loadInputTree(resolve(options.input), { installNamespace: options.namespace });
      timings.lap('read');
      const output = render(snapshot);
      timings.lap('render');
      for (const warning of [...snapshot.warnings, ...output.warnings]) io.stderr(formatWarning(warning));
      if (options.output === undefined) {
        io.stdout(format === 'json' ? toCanonicalJson(layoutOutputList(output)) : layoutOutputStream(output));
      } else {
        let files: string[];
        try {
          files = writeOutputTree(options.output, output, options.input);
        } catch (error) {
          if (error instanceof OutputError) throw new CommandError(error.message);
          throw error;
        }
        io.stderr(`wrote ${String(files.length)} files to ${options.output}\n`);
      }
      timings.lap('write');
      timings.report(io);
      const summary = summarizeRender(snapshot, output.mgmt);
      io.stderr(summary.lines.map((line) => `${line}\n`).join(''));
      if (options.strict && summary.notAccepted > 0) {
        throw new CommandError(
          `--strict: ${String(summary.notAccepted)} ${summary.notAccepted === 1 ? 'object is' : 'objects are'} not ACCEPTED`,
        );
      }
    });
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
function renderDiff(options: RenderFlags, against: string, io: CommandIO, globals: () => GlobalOptions) {
  return asDiffCommand(() => {
    const format = globals().outputFormat;
    if (options.output !== undefined) checkOutput(options.output, options.input);
    const before = loadOutputTree(resolve(against));
    const loaded = loadInputTree(resolve(options.input), { installNamespace: options.namespace });
    // The statuses in OTHER are what the management plane would have written: policies accepted
    // there keep their fields against newer ones, as they would on the clusters.
    const snapshot = { ...withRecordedStatus(loaded, before.mgmt), warnings: loaded.warnings };
    const output = render(snapshot);
    for (const warning of [...snapshot.warnings, ...output.warnings]) io.stderr(formatWarning(warning));
    if (options.output !== undefined) {
      const files = writeOutputTree(options.output, output, options.input);
      io.stderr(`wrote ${String(files.length)} files to ${options.output}\n`);
    }
    const summary = summarizeRender(snapshot, output.mgmt);
    io.stderr(summary.lines.map((line) => `${line}\n`).join(''));
    printDiff(io, format, diffRenders(before, output));
  });
}
