import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_INSTALL_NAMESPACE } from '../../api/labels.ts';
import { render } from '../../pipeline/render.ts';
import { loadInputTree } from '../../snapshot/load.ts';
import { layoutOutputStream } from '../../snapshot/output.ts';
import { OutputError, prepareOutputFolder, writeOutputTree } from '../../snapshot/write.ts';
import type { CommandIO } from '../context.ts';
import { CommandError } from '../context.ts';

const layoutHelp = `
Input layout (--input DIR):
  DIR/mgmt/**/*.yaml               objects on the management cluster (VirtualMesh, TrafficPolicy,
                                   AccessPolicy, VirtualDestination, Settings, KubernetesCluster)
  DIR/clusters/<cluster>/**/*.yaml objects read from each registered cluster

Output layout (--output OUT; without it, one YAML stream on stdout, each object annotated
with meshhub.dev/cluster):
  OUT/mgmt/*.yaml                  discovered objects and every input policy with its computed status
  OUT/clusters/<cluster>/*.yaml    the objects to apply to that cluster

Exit codes: 0 when rendering ran (invalid policies are reported in their status); 1 when the
input cannot be read (the message names file, document and field); 2 for usage errors.`;

export function registerRender(program: Command, io: CommandIO): void {
  program
    .command('render')
    .description('Run discovery, validation and translation on files, with no cluster')
    .requiredOption('--input <dir>', 'input folder in the render layout')
    .option('--output <dir>', 'write the output tree here instead of one stream on stdout')
    .option('--namespace <ns>', 'install namespace of Mesh Hub on the management cluster', DEFAULT_INSTALL_NAMESPACE)
    .addHelpText('after', layoutHelp)
    .action((options: { input: string; output?: string; namespace: string }) => {
      // A folder that cannot be written fails before the input is read and rendered, not after.
      if (options.output !== undefined) checkOutput(options.output, options.input);
      const snapshot = loadInputTree(resolve(options.input), { installNamespace: options.namespace });
      const output = render(snapshot);
      for (const warning of output.warnings) {
        const where = warning.source?.file === undefined ? '' : ` (${warning.source.file})`;
        io.stderr(
          `warning: ${warning.cluster === undefined ? '' : `${warning.cluster}: `}${warning.object}${where}: ${warning.message}\n`,
        );
      }
      if (options.output === undefined) {
        io.stdout(layoutOutputStream(output));
        return;
      }
      let files: string[];
      try {
        files = writeOutputTree(options.output, output, options.input);
      } catch (error) {
        if (error instanceof OutputError) throw new CommandError(error.message);
        throw error;
      }
      io.stderr(`wrote ${files.length} files to ${options.output}\n`);
    });
}

function checkOutput(output: string, input: string): void {
  try {
    prepareOutputFolder(output, input);
  } catch (error) {
    if (error instanceof OutputError) throw new CommandError(error.message);
    throw error;
  }
}
