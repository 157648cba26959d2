// Starting the dashboard: in the management plane (every request checked with the user's own token)
// or for `meshctl dashboard` (read with the user's own kubeconfig, served on loopback only).
import type { Logger } from 'pino';
import { clientVersion } from '../cli/version.ts';
import type { KubeClient } from '../kube/client.ts';
import type { MetricsProvider } from '../metrics/model.ts';
import { createMetricsProvider } from '../metrics/provider.ts';
import { LOCAL_ACCESS, TokenAccess } from './access.ts';
import { readLiveSnapshot } from '../cli/live-snapshot.ts';
import { EstateCompute } from './estate-compute.ts';
import { EstateSource } from './estate-source.ts';
import { startDashboard, type RunningDashboard } from './server.ts';

export interface DashboardStartOptions {
  readonly mgmt: KubeClient;
  readonly installNamespace: string;
  readonly host: string;
  readonly port: number;
  /** Default: each registered cluster's Prometheus, read as docs/metrics.md says. */
  readonly metrics?: MetricsProvider;
  readonly webRoot?: string;
  readonly logger?: Logger;
}

async function start(options: DashboardStartOptions, local: boolean): Promise<RunningDashboard> {
  const source = new EstateSource({ mgmt: options.mgmt, installNamespace: options.installNamespace });
  const metrics =
    options.metrics ??
    createMetricsProvider({ managementClient: options.mgmt, installNamespace: options.installNamespace });
  source.start();
  try {
    const running = await startDashboard({
      source,
      access: local ? LOCAL_ACCESS : new TokenAccess(options.mgmt),
      host: options.host,
      port: options.port,
      version: clientVersion(),
      metrics,
      compute: new EstateCompute({
        installNamespace: options.installNamespace,
        live: () => readLiveSnapshot(options.mgmt, options.installNamespace),
      }),
      ...(options.webRoot === undefined ? {} : { webRoot: options.webRoot }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
    return {
      ...running,
      async stop() {
        await running.stop();
        source.stop();
      },
    };
  } catch (error) {
    source.stop();
    throw error;
  }
}

/** The management plane's dashboard: each request must carry a token the management cluster accepts. */
export function startInClusterDashboard(options: DashboardStartOptions): Promise<RunningDashboard> {
  return start(options, false);
}

/** `meshctl dashboard`: the data is read with the user's own credentials, so the page shows what they may read. */
export function startLocalDashboard(options: DashboardStartOptions): Promise<RunningDashboard> {
  return start(options, true);
}
