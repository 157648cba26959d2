// `meshctl explain request`: how one hypothetical request would be routed and authorized, evaluated
// on the objects generated for the Destination's mesh (of the live estate, or of an input folder
// rendered with --input).
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { explainRequest, ExplainError, type HypotheticalRequest } from '../../explain/explain-request.ts';
import { renderedEstate } from '../../explain/estate-objects.ts';
import { formatExplanation } from '../../explain/format-explanation.ts';
import { render } from '../../pipeline/render.ts';
import { loadInputTree } from '../../snapshot/load.ts';
import { managementClient, namespaceOption } from '../clients.ts';
import { CommandError, type CommandIO, type GlobalOptions } from '../context.ts';
import { readLiveSnapshot } from '../live-snapshot.ts';
import { printResult } from '../output.ts';

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

interface ExplainFlags {
  readonly to: string;
  readonly from?: string;
  readonly method?: string;
  readonly path?: string;
  readonly header: string[];
  readonly input?: string;
  readonly namespace: string;
}

function parseHeaders(values: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new CommandError(`--header ${value}: expected NAME=VALUE`, 2);
    headers[value.slice(0, eq).toLowerCase()] = value.slice(eq + 1);
  }
  return headers;
}

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
    .action(async (flags: ExplainFlags) => {
      const g = globals();
      const request: HypotheticalRequest = {
        to: flags.to,
        ...(flags.from === undefined ? {} : { from: flags.from }),
        ...(flags.method === undefined ? {} : { method: flags.method.toUpperCase() }),
        ...(flags.path === undefined ? {} : { path: flags.path }),
        headers: parseHeaders(flags.header),
      };
      let estate;
      if (flags.input !== undefined) {
        const snapshot = loadInputTree(resolve(flags.input), { installNamespace: flags.namespace });
        estate = renderedEstate(snapshot, render(snapshot));
      } else {
        const live = await readLiveSnapshot(managementClient(g), flags.namespace);
        for (const warning of live.warnings) io.stderr(`warning: ${warning}\n`);
        estate = renderedEstate(live.snapshot, render(live.snapshot, live.options));
      }
      let answer;
      try {
        answer = explainRequest(estate, request);
      } catch (error) {
        if (error instanceof ExplainError) throw new CommandError(error.message);
        throw error;
      }
      printResult(io, g.outputFormat, answer, () => formatExplanation(answer));
    });
}
