// `meshctl explain request`: how one hypothetical request would be routed and authorized, evaluated
// on the generated Istio objects (of the live estate, or of an input folder rendered with --input).
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { explainRequest, ExplainError, type HypotheticalRequest } from '../../explain/explain-request.ts';
import { formatExplanation } from '../../explain/format-explanation.ts';
import { render } from '../../pipeline/render.ts';
import { loadInputTree } from '../../snapshot/load.ts';
import { managementClient, namespaceOption } from '../clients.ts';
import { CommandError, type CommandIO, type GlobalOptions } from '../context.ts';
import { readLiveSnapshot } from '../live-snapshot.ts';
import { printResult } from '../output.ts';

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
      let output;
      if (flags.input !== undefined) {
        output = render(loadInputTree(resolve(flags.input), { installNamespace: flags.namespace }));
      } else {
        const live = await readLiveSnapshot(managementClient(g), flags.namespace);
        for (const warning of live.warnings) io.stderr(`warning: ${warning}\n`);
        output = render(live.snapshot, live.options);
      }
      let answer;
      try {
        answer = explainRequest(output, request);
      } catch (error) {
        if (error instanceof ExplainError) throw new CommandError(error.message);
        throw error;
      }
      printResult(io, g.outputFormat, answer, () => formatExplanation(answer));
    });
}
