// meshhub: the server-side processes of Mesh Hub. `meshhub controller` is the management plane;
// `meshhub cert-agent` runs on each workload cluster for VirtualMesh shared trust.
import { pathToFileURL } from 'node:url';
import { Command, Option } from 'commander';
import { DEFAULT_INSTALL_NAMESPACE } from '../api/labels.ts';
import { runCertAgent } from './cert-agent-command.ts';
import { describeStartupError, runController } from './controller-command.ts';

function positiveInt(name: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed <= 0) throw new Error(`${name} must be a positive integer, got ${value}`);
    return parsed;
  };
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const program = new Command('meshhub').description('Mesh Hub server processes').showSuggestionAfterError(true);
  program
    .command('controller')
    .description('run the management plane: discovery, translation, apply and status for every registered cluster')
    .addOption(
      new Option('--kubeconfig <path>', 'kubeconfig of the management cluster (default: in-cluster or $KUBECONFIG)'),
    )
    .addOption(new Option('--context <name>', 'kubeconfig context of the management cluster'))
    .addOption(new Option('-n, --namespace <ns>', 'install namespace').default(DEFAULT_INSTALL_NAMESPACE))
    .addOption(new Option('--listen <host:port>', 'address of /healthz, /readyz and /metrics').default('0.0.0.0:9091'))
    .addOption(
      new Option(
        '--dashboard-listen <host:port>',
        "address of the dashboard and its API (each request is checked with the user's own token); 'off' disables it",
      ).default('127.0.0.1:8090'),
    )
    .addOption(
      new Option('--lease-duration <seconds>', 'how long a Lease holder may go without renewing')
        .argParser(positiveInt('--lease-duration'))
        .default(15),
    )
    .addOption(
      new Option('--debounce <ms>', 'quiet time after a change before reconciling')
        .argParser(positiveInt('--debounce'))
        .default(50),
    )
    .addOption(
      new Option(
        '--renew-tokens-at <fraction>',
        'renew a registration token once this fraction of its lifetime has passed (0 renews at once)',
      )
        .argParser((value: string) => {
          const parsed = Number(value);
          if (!(parsed >= 0 && parsed <= 1)) throw new Error(`--renew-tokens-at must be from 0 to 1, got ${value}`);
          return parsed;
        })
        .default(2 / 3),
    )
    .addOption(
      new Option(
        '--cluster-sync-timeout <seconds>',
        'how long the first reconcile waits for a registered cluster to list (then it counts as unreachable, its last state kept)',
      )
        .argParser(positiveInt('--cluster-sync-timeout'))
        .default(30),
    )
    .addOption(
      new Option(
        '--cluster-apply-deadline <seconds>',
        'overall deadline of one cluster apply (then it is abandoned and the cluster counts as unreachable)',
      )
        .argParser(positiveInt('--cluster-apply-deadline'))
        .default(20),
    )
    .addOption(
      new Option('--rbac-webhook-listen <host:port>', "address of the role-based API's admission webhook (HTTPS)"),
    )
    .addOption(
      new Option('--log-level <level>', 'log level').choices(['debug', 'info', 'warn', 'error']).default('info'),
    )
    .action(async (flags: Record<string, unknown>) => {
      let stop: () => Promise<void>;
      try {
        stop = await runController({
          ...(typeof flags.rbacWebhookListen === 'string' ? { rbacWebhookListen: flags.rbacWebhookListen } : {}),
          ...(typeof flags.kubeconfig === 'string' ? { kubeconfig: flags.kubeconfig } : {}),
          ...(typeof flags.context === 'string' ? { context: flags.context } : {}),
          namespace: String(flags.namespace),
          listen: String(flags.listen),
          dashboardListen: String(flags.dashboardListen),
          leaseDurationSeconds: Number(flags.leaseDuration),
          debounceMs: Number(flags.debounce),
          renewTokensAt: Number(flags.renewTokensAt),
          clusterSyncTimeoutMs: Number(flags.clusterSyncTimeout) * 1000,
          clusterApplyDeadlineMs: Number(flags.clusterApplyDeadline) * 1000,
          logLevel: String(flags.logLevel),
        });
      } catch (error) {
        process.stderr.write(`meshhub controller: ${describeStartupError(error)}\n`);
        process.exit(1);
      }
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, () => {
          void stop().finally(() => process.exit(0));
        });
      }
    });
  program
    .command('cert-agent')
    .description(
      "run a workload cluster's cert agent: intermediate CA keys and CSRs for VirtualMesh shared trust, Istio's cacerts, pod restarts",
    )
    .addOption(
      new Option('--kubeconfig <path>', 'kubeconfig of this workload cluster (default: in-cluster or $KUBECONFIG)'),
    )
    .addOption(new Option('--context <name>', 'kubeconfig context of this workload cluster'))
    .addOption(
      new Option('-n, --namespace <ns>', 'the agent namespace, where IssuedCertificates arrive').default(
        DEFAULT_INSTALL_NAMESPACE,
      ),
    )
    .addOption(
      new Option(
        '--mesh-namespaces <a,b>',
        "Istio control-plane namespaces where the agent may write `cacerts` (its only Secret access besides its namespace's)",
      ).default('istio-system'),
    )
    .addOption(new Option('--listen <host:port>', 'address of /healthz, /readyz and /metrics').default('0.0.0.0:9092'))
    .addOption(
      new Option('--debounce <ms>', 'quiet time after a change before acting')
        .argParser(positiveInt('--debounce'))
        .default(50),
    )
    .addOption(
      new Option('--log-level <level>', 'log level').choices(['debug', 'info', 'warn', 'error']).default('info'),
    )
    .action(async (flags: Record<string, unknown>) => {
      let stop: () => Promise<void>;
      try {
        stop = await runCertAgent({
          ...(typeof flags.kubeconfig === 'string' ? { kubeconfig: flags.kubeconfig } : {}),
          ...(typeof flags.context === 'string' ? { context: flags.context } : {}),
          namespace: String(flags.namespace),
          meshNamespaces: String(flags.meshNamespaces)
            .split(',')
            .map((name) => name.trim())
            .filter((name) => name !== ''),
          listen: String(flags.listen),
          debounceMs: Number(flags.debounce),
          logLevel: String(flags.logLevel),
        });
      } catch (error) {
        process.stderr.write(`meshhub cert-agent: ${describeStartupError(error)}\n`);
        process.exit(1);
      }
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, () => {
          void stop().finally(() => process.exit(0));
        });
      }
    });
  await program.parseAsync([...argv], { from: 'user' });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
