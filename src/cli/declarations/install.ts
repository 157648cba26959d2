// `meshctl install` and `meshctl uninstall`: the declarations (options, help); the actions are
// commands/install.ts.
import { Option, type Command } from 'commander';
import { DEFAULT_IMAGE } from '../../install/defaults.ts';
import type { CommandIO, GlobalOptions } from '../context.ts';
import { clientVersion } from '../version.ts';
import { lazyAction } from './lazy-action.ts';
import { namespaceOption } from './options.ts';

export function registerInstall(program: Command, io: CommandIO, globals: () => GlobalOptions): void {
  program
    .command('install')
    .description(
      'Install Mesh Hub on the management cluster: CRDs, namespace, RBAC, default Settings, the management plane; then wait until it is ready',
    )
    .option(...namespaceOption)
    .option('--image <repository>', 'image repository of the management plane', DEFAULT_IMAGE)
    .option('--version <tag>', 'Mesh Hub version to install (the image tag of the management plane)', clientVersion())
    .option('--replicas <n>', 'management-plane replicas (one reconciles, the others stand by)', '1')
    .option(
      '--root-ca-namespaces <a,b>',
      'namespaces besides the install namespace where VirtualMeshes may name a root CA Secret (read access there; a root elsewhere is refused)',
    )
    .option('--wait [bool]', 'wait until the management plane is ready (--wait=false: return once applied)', true)
    .option('--timeout <duration>', 'how long --wait waits (e.g. 90s, 5m)', '5m')
    .addOption(
      new Option('--rbac-mode <mode>', 'role-based API: permissive (log, never deny) or enforcing')
        .choices(['permissive', 'enforcing'])
        .default('permissive'),
    )
    .addOption(
      new Option(
        '--rbac-failure-policy <policy>',
        'when the role-based API webhook cannot be reached: Fail (the API server denies policy writes) or Ignore (allows them unchecked); default Ignore when permissive, Fail when enforcing',
      ).choices(['Fail', 'Ignore']),
    )
    .option(
      '--rbac-webhook-url <url>',
      'the URL the API server calls for the role-based API webhook, for a management plane outside the cluster (default: the Service)',
    )
    .option('--dry-run', 'print the manifests instead of applying them')
    .action(
      lazyAction(
        () => import('../commands/install.ts'),
        (m) => m.installAction(io, globals),
      ),
    );

  program
    .command('uninstall')
    .description(
      'Remove Mesh Hub from the management cluster (CRDs, and with them all policies, only with --remove-crds)',
    )
    .option(...namespaceOption)
    .option('--remove-crds', 'also delete the CRDs, which deletes every Mesh Hub object of every namespace')
    .action(
      lazyAction(
        () => import('../commands/install.ts'),
        (m) => m.uninstallAction(io, globals),
      ),
    );
}
