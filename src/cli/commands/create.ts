// `meshctl create trafficpolicy|accesspolicy|virtualmesh`: asks step by step (choices read from the
// management cluster, each answer checked as it is given) or takes every answer as a flag, shows the
// YAML and what it would change, then applies it, writes it to a file or prints it. The questions of
// each kind live in ../create/<kind>.ts.
import { writeFileSync } from 'node:fs';
import type { KubeObject } from '../../api/meta.ts';
import { managementClient } from '../clients.ts';
import { reportingClusterFailures } from '../cluster-failure.ts';
import { CommandError, type CommandIO, type GlobalOptions } from '../context.ts';
import { formatObjects } from '../output.ts';
import { answersFromFlags, buildChecked, missingFlags } from '../create/answers.ts';
import { askConfirm, askQuestions } from '../create/ask.ts';
import { formatPreview } from '../create/preview.ts';
import type { CreateKind } from '../create/questions.ts';
import { readCatalog } from '../create/read-catalog.ts';

export interface CreateFlags extends Record<string, unknown> {
  readonly installNamespace: string;
  readonly output?: string;
  readonly dryRun?: boolean;
}

/** Whether prompts can be shown: stdin is a terminal (never wait for input that cannot come). */
function terminalAttached(): boolean {
  return process.stdin.isTTY && process.stdout.isTTY;
}

async function runCreate(kind: CreateKind, flags: CreateFlags, io: CommandIO, g: GlobalOptions): Promise<void> {
  const given = answersFromFlags(kind, flags);
  const missing = missingFlags(kind, given);
  const interactive = missing.length > 0 && terminalAttached();
  if (missing.length > 0 && !interactive) {
    throw new CommandError(
      `create ${kind.word}: no terminal to ask on, and ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing: give ${missing.length === 1 ? 'it as a flag' : 'them as flags'}`,
      2,
    );
  }
  const mgmt = managementClient(g);
  const catalog = await reportingClusterFailures([mgmt], () => readCatalog(mgmt, flags.installNamespace));
  if (catalog.skipped > 0) {
    io.stderr(
      `note: ${String(catalog.skipped)} objects on the management cluster are not schema-valid and are not offered\n`,
    );
  }
  const answers = interactive ? await askQuestions(kind, given, catalog) : given;
  const built = buildChecked(kind, answers, catalog);
  if (!built.ok) {
    throw new CommandError(
      `${kind.kind} is not valid:\n${built.problems.map((p) => `  ${p}`).join('\n')}`,
      interactive ? 1 : 2,
    );
  }
  const object: KubeObject = built.object;
  const where = `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
  const preview = built.prediction === undefined ? '' : formatPreview(object, built.prediction);
  io.stdout(formatObjects(g.outputFormat, [object]));
  io.stderr(preview);
  if (flags.output !== undefined) {
    // Policies hold no credentials: readable like any manifest.
    writeFileSync(flags.output, formatObjects(g.outputFormat, [object]), { mode: 0o644 });
    io.stderr(`wrote ${kind.kind} ${where} to ${flags.output} (not applied)\n`);
    return;
  }
  if (flags.dryRun === true) return;
  if (interactive && !(await askConfirm(`Apply ${kind.kind} ${where} to the management cluster?`, true))) {
    io.stderr('not applied\n');
    return;
  }
  await reportingClusterFailures([mgmt], () => mgmt.apply(object));
  io.stderr(`${kind.kind} ${where} applied\n`);
}

export function createAction(kind: CreateKind, io: CommandIO, globals: () => GlobalOptions) {
  return async (flags: CreateFlags) => {
    await runCreate(kind, flags, io, globals());
  };
}
