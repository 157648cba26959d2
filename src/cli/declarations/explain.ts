// `meshctl explain request`: its declaration (options, help); the action is commands/explain.ts.
import type { Command } from 'commander';
import type { CommandIO, GlobalOptions } from '../context.ts';
import { namespaceOption } from './options.ts';
import { lazyAction } from './lazy-action.ts';

const help = `
The request goes from the Workload named by --from to the Destination named by --to, and is
evaluated on the objects Mesh Hub generates for the Destination's mesh, the way that mesh does:
- Istio: the first matching http route of the VirtualService of the host the client calls (uri,
  method, headers exact/prefix/regex, source labels and namespace), then the AuthorizationPolicies
  (DENY first; no ALLOW policy: allowed; an empty one, a VirtualMesh's default deny, allows nothing);
- Linkerd: the best-matching rule of the HTTPRoutes on the Service (longest path match, then more
  headers, then a method), its timeout, retry annotations and weighted backends (other clusters
  through Linkerd's mirror Services), then the Server on the pod port, its HTTPRoutes and the
  AuthorizationPolicies whose MeshTLSAuthentications name the source's identity;
- Open Service Mesh: the TrafficSplit of the Service (no matches), the Retry for the source's service
  account, and the TrafficTargets naming it with a matching HTTPRouteGroup (OSM's MeshConfig decides
  whether Retries are read and whether TrafficTargets are enforced).
Regexes are evaluated as JavaScript RegExp the way each proxy anchors them (same result as RE2 and
Rust's regex on their common subset). The answer names the TrafficPolicies behind the route and the
AccessPolicy that allows the request, or says that none does; what cannot be decided is UNKNOWN,
with a note. -o json prints the answer with every object it used (cluster, kind, namespace, name,
rule index).`;

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
