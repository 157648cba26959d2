// `meshhub controller`: runs the management plane against the management cluster (in a cluster, or
// locally with a kubeconfig), with leader election, health endpoints, metrics and JSON logs.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { pino, type Logger } from 'pino';
import { clientForServer, KubeApiError } from '../kube/client.ts';
import { LeaderElector } from '../kube/lease.ts';
import { Controller } from '../reconcile/controller.ts';
import { createMetrics } from '../reconcile/metrics.ts';
import { startHttpServer } from './http.ts';
import { startRbacWebhook } from './rbac-webhook.ts';
import { startInClusterDashboard } from '../dashboard/in-cluster.ts';
import { LEASE_NAME } from '../install/defaults.ts';
export { LEASE_NAME };

export interface ControllerCommandOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace: string;
  readonly listen: string;
  /** Address of the dashboard, or 'off'. */
  readonly dashboardListen?: string;
  readonly leaseDurationSeconds: number;
  readonly debounceMs: number;
  readonly renewTokensAt: number;
  readonly clusterSyncTimeoutMs?: number;
  readonly clusterApplyDeadlineMs?: number;
  readonly logLevel: string;
  /** Serve the role-based API's admission webhook on this address (docs/role-based-api.md). */
  readonly rbacWebhookListen?: string;
}

/** How long shutdown lets a running reconcile finish before abandoning it. */
const SHUTDOWN_GRACE_MS = 10_000;

export function parseListen(listen: string): { host: string; port: number } {
  const colon = listen.lastIndexOf(':');
  const host = colon <= 0 ? '0.0.0.0' : listen.slice(0, colon);
  const port = Number(listen.slice(colon + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--listen ${listen}: not HOST:PORT`);
  return { host, port };
}

export async function runController(options: ControllerCommandOptions, logger?: Logger): Promise<() => Promise<void>> {
  const log = logger ?? pino({ level: options.logLevel, base: { component: 'mesh-hub-controller' } });
  const mgmt = clientForServer('mgmt', options.kubeconfig, options.context);
  const metrics = createMetrics();
  const identity = `${hostname()}-${String(process.pid)}-${randomBytes(3).toString('hex')}`;
  // The controller checks the elector before every write; the elector is made just below.
  const lease: { elector?: LeaderElector } = {};
  const controller = new Controller({
    mgmt,
    installNamespace: options.namespace,
    logger: log,
    metrics,
    debounceMs: options.debounceMs,
    renewTokensAt: options.renewTokensAt,
    ...(options.clusterSyncTimeoutMs === undefined ? {} : { clusterSyncTimeoutMs: options.clusterSyncTimeoutMs }),
    ...(options.clusterApplyDeadlineMs === undefined ? {} : { clusterApplyDeadlineMs: options.clusterApplyDeadlineMs }),
    stillLeading: () => lease.elector?.stillLeading() === true,
  });
  const { host, port } = parseListen(options.listen);
  const http = await startHttpServer({ host, port, ready: () => controller.ready(), registry: metrics.registry });
  log.info({ address: `${host}:${String(http.port)}` }, 'serving /healthz, /readyz and /metrics');
  // Every replica answers admission reviews (not only the Lease holder): the webhook writes nothing
  // but its own certificate Secret and the caBundle, both idempotently.
  const webhookAddress = options.rbacWebhookListen === undefined ? undefined : parseListen(options.rbacWebhookListen);
  // A webhook that cannot start (no Secret rights, port taken) must not stop the management plane:
  // the API server then applies the configuration's failure policy, and `meshctl check` reports it.
  const webhook =
    webhookAddress === undefined
      ? undefined
      : await startRbacWebhook({ mgmt, namespace: options.namespace, ...webhookAddress, log }).catch(
          (error: unknown) => {
            log.error(
              { error: error instanceof Error ? error.message : String(error) },
              'the role-based API webhook did not start',
            );
            return undefined;
          },
        );
  const leaseElector = new LeaderElector(mgmt, {
    name: LEASE_NAME,
    namespace: options.namespace,
    identity,
    leaseDurationSeconds: options.leaseDurationSeconds,
    onStartedLeading: () => {
      controller.setLeading(true);
    },
    onStoppedLeading: () => {
      controller.setLeading(false);
    },
    log: (message, fields) => {
      log.info({ identity, ...fields }, message);
    },
  });
  lease.elector = leaseElector;
  const dashboard =
    options.dashboardListen === undefined || options.dashboardListen === 'off'
      ? undefined
      : await startInClusterDashboard({
          mgmt,
          installNamespace: options.namespace,
          ...parseListen(options.dashboardListen),
          logger: log,
        }).catch((error: unknown) => {
          // Like the webhook: a dashboard that cannot start (port taken) must not stop the management plane.
          log.error(
            { address: options.dashboardListen, error: error instanceof Error ? error.message : String(error) },
            'the dashboard did not start',
          );
          return undefined;
        });
  if (dashboard !== undefined) log.info({ address: dashboard.url }, 'serving the dashboard');
  controller.start();
  leaseElector.start();
  let stopping: Promise<void> | undefined;
  return async () => {
    stopping ??= (async () => {
      log.info('stopping');
      // Finish (or abandon) the running reconcile while still holding the Lease, then release it:
      // a standby that takes over at once never overlaps with this replica's writes.
      await controller.stop(SHUTDOWN_GRACE_MS);
      await leaseElector.stop();
      await webhook?.stop();
      await dashboard?.stop();
      await new Promise<void>((resolve) =>
        http.server.close(() => {
          resolve();
        }),
      );
      http.server.closeAllConnections();
    })();
    return stopping;
  };
}

export function describeStartupError(error: unknown): string {
  if (error instanceof KubeApiError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
