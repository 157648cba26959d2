// `meshctl dashboard`: serves the web dashboard on this machine against the current kubeconfig's
// management cluster (read with the user's own credentials) until interrupted. It prints the URL and
// opens a browser only when asked (--open).
import { spawn } from 'node:child_process';
import { startLocalDashboard } from '../../dashboard/in-cluster.ts';
import { managementClient } from '../clients.ts';
import { CommandError, type CommandIO, type GlobalOptions } from '../context.ts';

export function dashboardAction(io: CommandIO, globals: () => GlobalOptions) {
  return async (flags: { namespace: string; port: number; address: string; open: boolean }) => {
    const mgmt = managementClient(globals());
    let running;
    try {
      running = await startLocalDashboard({
        mgmt,
        installNamespace: flags.namespace,
        host: flags.address,
        port: flags.port,
      });
    } catch (error) {
      throw new CommandError(
        `cannot serve the dashboard on ${flags.address}:${String(flags.port)}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    io.stdout(`Mesh Hub dashboard for ${mgmt.server} at ${running.url}\nPress Ctrl-C to stop.\n`);
    if (flags.open) {
      const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
      spawn(opener, [running.url], { stdio: 'ignore', detached: true })
        .on('error', () => {
          io.stderr(`could not open a browser (${opener}); open ${running.url} yourself\n`);
        })
        .unref();
    }
    await new Promise<void>((resolve) => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const)
        process.once(signal, () => {
          resolve();
        });
    });
    await running.stop();
  };
}
