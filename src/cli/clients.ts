// Clients for the clusters a command talks to, from the global flags and the command's own.
import { clientFromKubeconfigFile, type KubeClient } from '../kube/client.ts';
import { CommandError, type GlobalOptions } from './context.ts';

export const MANAGEMENT = 'mgmt';

export function managementClient(globals: GlobalOptions): KubeClient {
  try {
    return clientFromKubeconfigFile(MANAGEMENT, globals.kubeconfig, globals.context);
  } catch (error) {
    throw new CommandError(`management cluster: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function remoteClient(
  cluster: string,
  flags: { remoteKubeconfig?: string | undefined; remoteContext?: string | undefined },
  globals: GlobalOptions,
): KubeClient {
  try {
    return clientFromKubeconfigFile(cluster, flags.remoteKubeconfig ?? globals.kubeconfig, flags.remoteContext);
  } catch (error) {
    throw new CommandError(`cluster ${cluster}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

// Declared with the other options (declarations/options.ts); here too for the commands that import it from here.
export { namespaceOption } from './declarations/options.ts';
