// `meshctl cluster register|deregister|list`: the declarations (options, help); the actions are commands/cluster.ts.
import type { Command } from 'commander';
import { DEFAULT_IMAGE, DEFAULT_MESH_NAMESPACES } from '../../install/defaults.ts';
import type { CommandIO, GlobalOptions } from '../context.ts';
import { clientVersion } from '../version.ts';
import { namespaceOption } from './options.ts';
import { lazyAction } from './lazy-action.ts';

export function registerCluster_(program: Command, io: CommandIO, globals: () => GlobalOptions): void {
  const cluster = program.command('cluster').description('Register, deregister and list workload clusters');

  cluster
    .command('register')
    .description(
      'Register a workload cluster: a least-privilege ServiceAccount there, its kubeconfig Secret and a KubernetesCluster here',
    )
    .argument('[name]', 'the name Mesh Hub will know the cluster by (DNS label; asked on a terminal when left out)')
    .option(
      '--remote-context <context>',
      'kubeconfig context of the workload cluster (admin access, used only now); this or --remote-kubeconfig is required',
    )
    .option(
      '--remote-kubeconfig <path>',
      'kubeconfig file of the workload cluster (its current context unless --remote-context; default file: the --kubeconfig one)',
    )
    .option(
      '--api-server-address <url>',
      "API server address the management plane should use (default: the remote context's)",
    )
    .option('--cluster-domain <domain>', 'DNS domain of the workload cluster', 'cluster.local')
    .option(
      '--token-lifetime <duration>',
      'lifetime of the ServiceAccount token; the management plane renews it when a third is left',
      '720h',
    )
    .option(
      '--cert-agent-image <image>',
      `image (repository:tag) of the cert agent installed there for shared trust (default: the management plane's image, the same version; without its Deployment ${DEFAULT_IMAGE}:${clientVersion()})`,
    )
    .option('--no-cert-agent', 'do not install the cert agent (VirtualMesh shared trust then cannot issue there)')
    .option(
      '--mesh-namespaces <a,b>',
      "Istio control-plane namespaces: the cert agent may write `cacerts` there (its only Secret access besides its own namespace's), the management plane may read their prometheus:9090 Service",
      DEFAULT_MESH_NAMESPACES.join(','),
    )
    .option(
      '--no-metrics-access',
      "grant no reading of the meshes' Prometheus Services through the API server (metrics then come only from a prometheus-url annotation)",
    )
    .option(...namespaceOption)
    .option(
      '--dry-run',
      'print what registration applies to the workload cluster (with --cert-agent-image or its default) and contact no cluster',
    )
    .action(
      lazyAction(
        () => import('../commands/cluster.ts'),
        (m) => m.clusterRegisterAction(io, globals),
      ),
    );

  cluster
    .command('deregister')
    .description('Remove a cluster: every object Mesh Hub wrote there, its registration objects there and here')
    .argument('<name>', 'registered cluster name')
    .option('--remote-context <context>', 'kubeconfig context of the workload cluster (admin access, to remove RBAC)')
    .option('--remote-kubeconfig <path>', 'kubeconfig file of the workload cluster (default: the --kubeconfig file)')
    .option(...namespaceOption)
    .action(
      lazyAction(
        () => import('../commands/cluster.ts'),
        (m) => m.clusterDeregisterAction(io, globals),
      ),
    );

  cluster
    .command('list')
    .description('List registered clusters with their reachability and meshes')
    .option(...namespaceOption)
    .action(
      lazyAction(
        () => import('../commands/cluster.ts'),
        (m) => m.clusterListAction(io, globals),
      ),
    );
}
