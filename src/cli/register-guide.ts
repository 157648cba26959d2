// Guided `meshctl cluster register`: on a terminal, what the command line left out — which kubeconfig
// context is the workload cluster, and the name Mesh Hub will know it by — is asked instead of refused.
import { input, select } from '@inquirer/prompts';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeApiError, type KubeClient } from '../kube/client.ts';
import { KUBERNETES_CLUSTER } from '../kube/resources.ts';
import { CommandError } from './context.ts';
import { dnsLabelProblem } from './create/questions.ts';

export interface ContextChoice {
  readonly name: string;
  readonly server: string | undefined;
  readonly current: boolean;
}

/** The contexts of a kubeconfig file (the default one when no path), with each one's API server. */
export function kubeconfigContexts(path: string | undefined): ContextChoice[] {
  const config = new KubeConfig();
  if (path === undefined) config.loadFromDefault();
  else config.loadFromFile(path);
  const current = config.getCurrentContext();
  return config.getContexts().map((context) => ({
    name: context.name,
    server: config.getCluster(context.cluster)?.server,
    current: context.name === current,
  }));
}

/** Why a cluster name cannot be used: not a DNS label, or already registered. */
export function clusterNameProblem(name: string, registered: readonly string[]): string | undefined {
  const problem = dnsLabelProblem(name);
  if (problem !== undefined) return problem;
  if (registered.includes(name)) return `a cluster named ${name} is already registered; choose another name`;
  return undefined;
}

/** Names of the clusters registered in the install namespace; unknown (empty) when they cannot be read. */
export async function registeredClusterNames(mgmt: KubeClient, namespace: string): Promise<string[]> {
  try {
    return (await mgmt.list(KUBERNETES_CLUSTER, { namespace })).items.map((o) => o.metadata.name);
  } catch (error) {
    // Not installed or not allowed: the registration's own checks say so with their hint.
    if (error instanceof KubeApiError) return [];
    throw error;
  }
}

function cancelled(error: unknown): never {
  if (error instanceof Error && error.name === 'ExitPromptError') throw new CommandError('cancelled', 130);
  throw error;
}

/** Asks for the workload cluster's context, then its name (suggesting the context's when it is a DNS label). */
export async function askRegistration(options: {
  readonly name: string | undefined;
  /** The context given, or undefined to ask for one. */
  readonly remoteContext: string | undefined;
  readonly askContext: boolean;
  readonly kubeconfigPath: string | undefined;
  readonly managementContext: string | undefined;
  readonly registered: readonly string[];
}): Promise<{ name: string; remoteContext: string | undefined }> {
  try {
    let remoteContext = options.remoteContext;
    if (options.askContext) {
      const contexts = kubeconfigContexts(options.kubeconfigPath);
      if (contexts.length === 0) throw new CommandError('the kubeconfig has no contexts to choose from', 2);
      const management = options.managementContext ?? contexts.find((c) => c.current)?.name;
      remoteContext = await select({
        message: 'Which kubeconfig context is the workload cluster?',
        choices: contexts.map((c) => ({
          value: c.name,
          name: c.name,
          description: `${c.server ?? 'no server'}${c.name === management ? ' (the management cluster)' : ''}`,
        })),
        pageSize: 12,
      });
    }
    const suggested =
      remoteContext !== undefined && dnsLabelProblem(remoteContext) === undefined ? remoteContext : undefined;
    const name =
      options.name ??
      (await input({
        message: 'Name Mesh Hub will know the cluster by',
        ...(suggested === undefined || options.registered.includes(suggested) ? {} : { default: suggested }),
        validate: (value) => clusterNameProblem(value.trim(), options.registered) ?? true,
      }));
    return { name: name.trim(), remoteContext };
  } catch (error) {
    cancelled(error);
  }
}
