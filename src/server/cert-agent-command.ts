// `meshhub cert-agent`: the cert agent on a workload cluster (in the cluster as the Deployment
// `meshctl cluster register` installs, or locally with a kubeconfig), with health endpoints,
// metrics and JSON logs. One per cluster, so no leader election: the Deployment replaces it
// (Recreate) rather than running two that would both request a certificate.
import { pino, type Logger } from 'pino';
import { CertAgent } from '../agent/cert-agent.ts';
import { ClusterCache } from '../kube/cache.ts';
import { clientForServer } from '../kube/client.ts';
import { parseListen } from './controller-command.ts';
import { startHttpServer } from './http.ts';

export interface CertAgentCommandOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace: string;
  /** Mesh control-plane namespaces the agent may write cacerts into. */
  readonly meshNamespaces?: readonly string[];
  readonly listen: string;
  readonly debounceMs: number;
  readonly logLevel: string;
}

export async function runCertAgent(options: CertAgentCommandOptions, logger?: Logger): Promise<() => Promise<void>> {
  const log = logger ?? pino({ level: options.logLevel, base: { component: 'mesh-hub-cert-agent' } });
  const client = clientForServer('local', options.kubeconfig, options.context);
  const agent = new CertAgent({
    client,
    cache: (specs, onChange) => new ClusterCache(client, specs, onChange),
    namespace: options.namespace,
    ...(options.meshNamespaces === undefined ? {} : { meshNamespaces: options.meshNamespaces }),
    logger: log,
    debounceMs: options.debounceMs,
  });
  const { host, port } = parseListen(options.listen);
  const http = await startHttpServer({ host, port, ready: () => agent.ready(), registry: agent.metrics.registry });
  log.info({ address: `${host}:${String(http.port)}` }, 'serving /healthz, /readyz and /metrics');
  agent.start();
  let stopping: Promise<void> | undefined;
  return async () => {
    stopping ??= (async () => {
      log.info('stopping');
      await agent.stop();
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
