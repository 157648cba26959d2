// `meshctl explain request`: how one hypothetical request would be routed and authorized, evaluated
// on the objects generated for the Destination's mesh (of the live estate, or of an input folder
// rendered with --input).
import { resolve } from 'node:path';
import { explainRequest, ExplainError, type HypotheticalRequest } from '../../explain/explain-request.ts';
import { renderedEstate } from '../../explain/estate-objects.ts';
import { formatExplanation } from '../../explain/format-explanation.ts';
import { render } from '../../pipeline/render.ts';
import { loadInputTree } from '../../snapshot/load.ts';
import { managementClient } from '../clients.ts';
import { CommandError, type CommandIO, type GlobalOptions } from '../context.ts';
import { readLiveSnapshot } from '../live-snapshot.ts';
import { printResult } from '../output.ts';

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

export function explainRequestAction(io: CommandIO, globals: () => GlobalOptions) {
  return async (flags: ExplainFlags) => {
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
  };
}
