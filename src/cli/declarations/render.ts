// `meshctl render`: its declaration (options, help); the action is commands/render.ts.
import type { Command } from 'commander';
import { DEFAULT_INSTALL_NAMESPACE } from '../../api/labels.ts';
import type { CommandIO, GlobalOptions } from '../context.ts';
import { diffExitCodesHelp } from '../diff-exit-codes.ts';
import { lazyAction } from './lazy-action.ts';

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
    .action(
      lazyAction(
        () => import('../commands/render.ts'),
        (m) => m.renderAction(io, globals),
      ),
    );
}
