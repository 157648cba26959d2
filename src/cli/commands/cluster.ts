// `meshctl cluster register|deregister|list`.
import { DISCOVERY_CLUSTER_LABEL } from '../../api/labels.ts';
import { KubeApiError, clientFromKubeconfigText, type KubeClient } from '../../kube/client.ts';
import { DEFAULT_TOKEN_LIFETIME_SECONDS, deregisterCluster, registerCluster } from '../../kube/registration.ts';
import { CRD, DEPLOYMENT, KUBERNETES_CLUSTER, MESH, NAMESPACE, SECRET } from '../../kube/resources.ts';
import { kubeconfigFromSecret } from '../../reconcile/registered-clusters.ts';
import { managementClient, remoteClient } from '../clients.ts';
import { CommandError, type CommandIO, type GlobalOptions } from '../context.ts';
import { formatData } from '../output.ts';
import { CONTROLLER_NAME, DEFAULT_IMAGE, remoteRegistrationObjects } from '../../install/manifests.ts';
import { toCanonicalYamlStream } from '../../snapshot/yaml.ts';
import { explainClusterFailure, reportingClusterFailures, whereOf } from '../cluster-failure.ts';
import { progressOn, type Progress } from '../progress.ts';
import { parseNamespaceList } from './install.ts';
import { clientVersion } from '../version.ts';
import { askRegistration, registeredClusterNames } from '../register-guide.ts';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `720h`, `30d`, `3600s` or plain seconds. */
export function parseLifetime(value: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(value.trim());
  if (match === null) throw new CommandError(`--token-lifetime ${value}: use a number with s, m, h or d (e.g. 720h)`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  const seconds = Number(match[1]) * unit;
  if (seconds < 600) throw new CommandError(`--token-lifetime ${value}: the API server requires at least 10m`);
  return seconds;
}

export interface ClusterReachability {
  readonly reachable: boolean;
  readonly message: string;
}

/** Probes a registered cluster with its own registration credentials. */
export async function probeRegisteredCluster(
  mgmt: KubeClient,
  namespace: string,
  cluster: string,
  secretName: string,
): Promise<{ client?: KubeClient; result: ClusterReachability }> {
  const secret = await mgmt.get(SECRET, secretName, namespace);
  if (secret === undefined)
    return { result: { reachable: false, message: `Secret ${namespace}/${secretName} not found` } };
  const text = kubeconfigFromSecret(secret, cluster);
  if (text === undefined)
    return { result: { reachable: false, message: `Secret ${namespace}/${secretName} holds no kubeconfig` } };
  let client: KubeClient;
  try {
    client = clientFromKubeconfigText(cluster, text);
  } catch (error) {
    return { result: { reachable: false, message: error instanceof Error ? error.message : String(error) } };
  }
  try {
    await client.request('GET', '/version', undefined, 'application/json', 5000);
    return { client, result: { reachable: true, message: client.server } };
  } catch (error) {
    const message = explainClusterFailure(error, whereOf(client)) ?? String(error);
    return { client, result: { reachable: false, message } };
  }
}

/** The image of the management plane's Deployment, if it runs as one (it may run elsewhere). */
export async function managementPlaneImage(mgmt: KubeClient, namespace: string): Promise<string | undefined> {
  const deployment = (await mgmt.get(DEPLOYMENT, CONTROLLER_NAME, namespace)) as
    { spec?: { template?: { spec?: { containers?: { name?: string; image?: string }[] } } } } | undefined;
  const containers = deployment?.spec?.template?.spec?.containers ?? [];
  return (containers.find((c) => c.name === 'controller') ?? containers[0])?.image;
}

/** Before anything is written: both clusters answer, and Mesh Hub is installed on the management cluster. */
async function checkBeforeRegistering(
  mgmt: KubeClient,
  remote: KubeClient,
  namespace: string,
  progress: Progress,
): Promise<void> {
  for (const client of [mgmt, remote]) {
    const where = whereOf(client);
    const role = client === mgmt ? 'management cluster' : `cluster ${remote.cluster}`;
    await progress.step(`Connecting to the ${role}: \`${where.name}\` (${where.server})`, async () => {
      await client.request('GET', '/version', undefined, 'application/json', 10_000);
    });
  }
  if ((await mgmt.get(CRD, 'kubernetesclusters.multicluster.solo.io')) === undefined)
    throw new CommandError(
      `Mesh Hub is not installed on the management cluster \`${whereOf(mgmt).name}\` (${mgmt.server}): run \`meshctl install\` first`,
    );
  if ((await mgmt.get(NAMESPACE, namespace)) === undefined)
    throw new CommandError(
      `the install namespace ${namespace} does not exist on the management cluster: run \`meshctl install -n ${namespace}\``,
    );
}

/**
 * On a terminal, asks for what `cluster register` was not given (the workload cluster's context, its
 * name); without one, a missing name is the usage error it always was.
 */
async function guideRegistration(
  name: string | undefined,
  flags: { remoteContext?: string; remoteKubeconfig?: string; namespace: string },
  globals: () => GlobalOptions,
): Promise<{ name: string; remoteContext: string | undefined }> {
  const askContext = flags.remoteContext === undefined && flags.remoteKubeconfig === undefined;
  if ((name !== undefined && !askContext) || !process.stdin.isTTY || !process.stdout.isTTY) {
    if (name === undefined) throw new CommandError("missing required argument 'name'", 2);
    return { name, remoteContext: flags.remoteContext };
  }
  const g = globals();
  return askRegistration({
    name,
    remoteContext: flags.remoteContext,
    askContext,
    kubeconfigPath: flags.remoteKubeconfig ?? g.kubeconfig,
    managementContext: g.context,
    registered: name === undefined ? await registeredClusterNames(managementClient(g), flags.namespace) : [],
  });
}

export function clusterRegisterAction(io: CommandIO, globals: () => GlobalOptions) {
  return async (
    givenName: string | undefined,
    givenFlags: {
      dryRun?: boolean;
      remoteContext?: string;
      remoteKubeconfig?: string;
      apiServerAddress?: string;
      clusterDomain: string;
      tokenLifetime: string;
      certAgentImage?: string;
      certAgent: boolean;
      metricsAccess: boolean;
      meshNamespaces: string;
      namespace: string;
    },
  ) => {
    if (givenFlags.dryRun === true) {
      if (givenName === undefined)
        throw new CommandError(
          'cluster register --dry-run: name the workload cluster (cluster register NAME --dry-run)',
        );
      const name = givenName;
      const flags = givenFlags;
      const meshNamespaces = parseNamespaceList('--mesh-namespaces', flags.meshNamespaces);
      io.stdout(
        toCanonicalYamlStream(
          remoteRegistrationObjects({
            cluster: name,
            namespace: flags.namespace,
            meshNamespaces,
            metricsAccess: flags.metricsAccess,
            ...(flags.certAgent
              ? { certAgentImage: flags.certAgentImage ?? `${DEFAULT_IMAGE}:${clientVersion()}` }
              : {}),
          }),
        ),
      );
      return;
    }
    const guided = await guideRegistration(givenName, givenFlags, globals);
    const name = guided.name;
    const flags = {
      ...givenFlags,
      ...(guided.remoteContext === undefined ? {} : { remoteContext: guided.remoteContext }),
    };
    if (flags.remoteContext === undefined && flags.remoteKubeconfig === undefined)
      throw new CommandError(
        `cluster register ${name}: name the workload cluster with --remote-context CONTEXT or --remote-kubeconfig FILE ` +
          '(the current context is never assumed: it is usually the management cluster)',
        2,
      );
    const meshNamespaces = parseNamespaceList('--mesh-namespaces', flags.meshNamespaces);
    if ((flags.certAgent || flags.metricsAccess) && meshNamespaces.length === 0)
      throw new CommandError('--mesh-namespaces: name at least one namespace (e.g. istio-system)', 2);
    if (!DNS_LABEL.test(name) || name.length > 63) {
      throw new CommandError(
        `cluster name ${JSON.stringify(name)} is not a DNS label (lower-case letters, digits, '-')`,
        2,
      );
    }
    const lifetime = parseLifetime(flags.tokenLifetime);
    const g = globals();
    const mgmt = managementClient(g);
    const remote = remoteClient(name, flags, g);
    const progress = progressOn(io);
    const result = await reportingClusterFailures([mgmt, remote], async () => {
      await checkBeforeRegistering(mgmt, remote, flags.namespace, progress);
      // The cert agent runs the management plane's version unless told otherwise.
      const installed = await managementPlaneImage(mgmt, flags.namespace).catch((error: unknown) => {
        if (error instanceof KubeApiError && error.status === 403) return undefined; // may not read Deployments
        throw error;
      });
      const certAgentImage = flags.certAgentImage ?? installed ?? `${DEFAULT_IMAGE}:${clientVersion()}`;
      const there = flags.certAgent ? 'ServiceAccount, roles and cert agent' : 'ServiceAccount and roles';
      return progress.step(`Registering ${name}: ${there} there, its Secret here`, () =>
        registerCluster({
          cluster: name,
          installNamespace: flags.namespace,
          mgmt,
          remote,
          ...(flags.apiServerAddress === undefined ? {} : { apiServerAddress: flags.apiServerAddress }),
          clusterDomain: flags.clusterDomain,
          tokenLifetimeSeconds: lifetime,
          meshNamespaces,
          metricsAccess: flags.metricsAccess,
          ...(flags.certAgent ? { certAgentImage } : {}),
        }),
      );
    });
    io.stdout(
      formatData(g.outputFormat, result, () => ({
        headers: ['CLUSTER', 'WHERE', 'OBJECT'],
        rows: [
          ...result.remoteObjects.map((o) => [name, name, o]),
          ...result.managementObjects.map((o) => [name, 'mgmt', o]),
          ...result.skippedObjects.map((o) => [name, name, `skipped: ${o}`]),
        ],
      })),
    );
    if (g.outputFormat === 'table') {
      io.stdout(`registered ${name} (${result.server}); token valid until ${result.tokenExpires}\n`);
    }
  };
}

export function clusterDeregisterAction(io: CommandIO, globals: () => GlobalOptions) {
  return async (name: string, flags: { remoteContext?: string; remoteKubeconfig?: string; namespace: string }) => {
    const g = globals();
    const mgmt = managementClient(g);
    const remote = remoteClient(name, flags, g);
    const result = await reportingClusterFailures([mgmt, remote], () =>
      deregisterCluster({ cluster: name, installNamespace: flags.namespace, mgmt, remote }),
    );
    io.stdout(
      formatData(g.outputFormat, result, () => ({
        headers: ['WHERE', 'DELETED'],
        rows: [
          ...result.deletedOutputs.map((o) => [name, o]),
          ...result.keptOutputs.map((o) => [name, `kept (not written by this management plane): ${o}`]),
          ...result.deletedRemote.map((o) => [name, o]),
          ...result.deletedManagement.map((o) => ['mgmt', o]),
        ],
      })),
    );
  };
}

export function clusterListAction(io: CommandIO, globals: () => GlobalOptions) {
  return async (flags: { namespace: string }) => {
    const g = globals();
    const mgmt = managementClient(g);
    const rows = await reportingClusterFailures([mgmt], () => listClusters(mgmt, flags.namespace));
    io.stdout(
      formatData(g.outputFormat, { clusters: rows }, () => ({
        headers: ['NAME', 'REACHABLE', 'STATE', 'MESHES', 'DETAIL'],
        rows: rows.map((r) => [r.name, r.reachable ? 'yes' : 'no', r.state, r.meshes.join(',') || '-', r.detail]),
      })),
    );
  };
}

interface ClusterRow {
  readonly name: string;
  readonly reachable: boolean;
  readonly detail: string;
  readonly state: string;
  readonly meshes: readonly string[];
}

async function listClusters(mgmt: KubeClient, namespace: string): Promise<ClusterRow[]> {
  let clusters;
  try {
    clusters = await mgmt.list(KUBERNETES_CLUSTER, { namespace: namespace });
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) {
      throw new CommandError('Mesh Hub is not installed on the management cluster: run `meshctl install`');
    }
    throw error;
  }
  const meshes = await mgmt.list(MESH, { namespace: namespace });
  const rows = await Promise.all(
    clusters.items.map(async (object): Promise<ClusterRow> => {
      const name = object.metadata.name;
      const secretName = (object as { spec?: { secretName?: string } }).spec?.secretName ?? name;
      const { result } = await probeRegisteredCluster(mgmt, namespace, name, secretName);
      const state = (object as { status?: { status?: { state?: string }[] } }).status?.status?.[0]?.state ?? 'UNKNOWN';
      return {
        name,
        reachable: result.reachable,
        detail: result.message,
        state,
        meshes: meshes.items
          .filter((mesh) => mesh.metadata.labels?.[DISCOVERY_CLUSTER_LABEL] === name)
          .map((mesh) => mesh.metadata.name)
          .sort(),
      };
    }),
  );
  return rows.sort((a, b) => (a.name < b.name ? -1 : 1));
}

export { DEFAULT_TOKEN_LIFETIME_SECONDS };
