// `meshctl create trafficpolicy|accesspolicy|virtualmesh`: asks step by step (choices read from the
// management cluster, each answer checked as it is given) or takes every answer as a flag, shows the
// YAML and what it would change, then applies it, writes it to a file or prints it. The questions of
// each kind live in ../create/<kind>.ts.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_INSTALL_NAMESPACE } from '../../api/labels.ts';
import type { KubeObject } from '../../api/meta.ts';
import { managementClient } from '../clients.ts';
import { reportingClusterFailures } from '../cluster-failure.ts';
import { CommandError, type CommandIO, type GlobalOptions } from '../context.ts';
import { formatObjects } from '../output.ts';
import { accessPolicyCreate } from '../create/access-policy.ts';
import { answersFromFlags, buildChecked, missingFlags } from '../create/answers.ts';
import { askConfirm, askQuestions } from '../create/ask.ts';
import { formatPreview } from '../create/preview.ts';
import type { CreateKind } from '../create/questions.ts';
import { readCatalog } from '../create/read-catalog.ts';
import { trafficPolicyCreate } from '../create/traffic-policy.ts';
import { virtualMeshCreate } from '../create/virtual-mesh.ts';

export const CREATE_KINDS: readonly CreateKind[] = [trafficPolicyCreate, accessPolicyCreate, virtualMeshCreate];

interface CreateFlags extends Record<string, unknown> {
  readonly installNamespace: string;
  readonly output?: string;
  readonly dryRun?: boolean;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

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

export function registerCreate(program: Command, io: CommandIO, globals: () => GlobalOptions): void {
  const create = program
    .command('create')
    .description(
      'Create a TrafficPolicy, AccessPolicy or VirtualMesh: asked step by step on a terminal, or all from flags',
    );
  for (const kind of CREATE_KINDS) {
    const command = create
      .command(kind.word)
      .alias(kind.alias)
      .description(
        `Create ${/^[AEIOU]/.test(kind.kind) ? 'an' : 'a'} ${kind.kind}: asks what a flag did not answer (choices from the management cluster), shows the YAML and what it would change, then applies it`,
      );
    for (const question of kind.questions) {
      if (question.type === 'multi' || question.type === 'weighted')
        command.option(question.flag, question.help, collect);
      else command.option(question.flag, question.help);
    }
    command
      .option(
        '--install-namespace <ns>',
        'namespace Mesh Hub is installed in (its discovered Meshes, Destinations and Workloads)',
        DEFAULT_INSTALL_NAMESPACE,
      )
      .option('--output <file>', 'write the YAML to this file instead of applying it')
      .option('--dry-run', 'print the YAML and what it would change; apply nothing')
      .action(async (flags: CreateFlags) => {
        await runCreate(kind, flags, io, globals());
      });
  }
}
