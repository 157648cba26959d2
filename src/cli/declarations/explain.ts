// `meshctl explain request`: its declaration (options, help); the action is commands/explain.ts.
import type { Command } from 'commander';
import type { CommandIO, GlobalOptions } from '../context.ts';
import { namespaceOption } from './options.ts';
import { lazyAction } from './lazy-action.ts';

const help = `
The request goes from the Workload named by --from (its cluster's sidecar routes it) to the
Destination named by --to. The answer: which route of which VirtualService matches (first match wins;
uri, method and headers exact/prefix/regex, source labels and namespace; regexes are evaluated as
JavaScript RegExp on the anchored pattern, which agrees with Istio's RE2 on the common subset), the
TrafficPolicies that contributed to it, its timeout, retries, fault and mirror, the weighted backends
(across clusters through federation), and whether the AuthorizationPolicies allow it (DENY first;
with no ALLOW policy selecting the destination everything is allowed; an empty one, a VirtualMesh's
default deny, allows nothing), naming the AccessPolicy that allows it or saying that none does.
-o json prints the answer with every object it used (cluster, kind, namespace, name, route index).
Istio only: the Linkerd and Open Service Mesh equivalents are not evaluated yet.`;

export function registerExplain(program: Command, io: CommandIO, globals: () => GlobalOptions): void {
  const explain = program.command('explain').description('Explain how Mesh Hub configuration treats a request');
  explain
    .command('request')
    .description('How one hypothetical request would be routed and authorized, and by which objects')
    .requiredOption('--to <destination>', 'Destination name, e.g. reviews-bookinfo-cluster-1')
    .option('--from <workload>', 'Workload name of the client, e.g. productpage-v1-bookinfo-cluster-1-deployment')
    .option('--method <method>', 'HTTP method (default GET)')
    .option('--path <path>', 'request path (default /)')
    .option(
      '--header <name=value>',
      'request header (repeatable)',
      (v: string, p: string[] | undefined) => [...(p ?? []), v],
      [],
    )
    .option('--input <dir>', 'render this input folder instead of reading the live clusters')
    .option(...namespaceOption)
    .addHelpText('after', help)
    .action(
      lazyAction(
        () => import('../commands/explain.ts'),
        (m) => m.explainRequestAction(io, globals),
      ),
    );
}
