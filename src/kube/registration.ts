// Registering a workload cluster with the management cluster, and removing it again.
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { DISCOVERY_CLUSTER_LABEL, DISCOVERY_OWNER_LABEL, OWNER_LABEL } from '../api/labels.ts';
import type { KubeObject } from '../api/meta.ts';
import { describeObject } from '../snapshot/input.ts';
import { meshHubCrds } from '../install/crd-files.ts';
import {
  CERT_AGENT_NAME,
  CERT_AGENT_ROLE,
  certAgentClusterRoleName,
  certAgentMeshRoleName,
  metricsReaderRoleName,
  REGISTERED_AS_LABEL,
  REMOTE_SERVICE_ACCOUNT,
  REMOTE_TOKEN_ROLE,
  remoteClusterRoleName,
  remoteRegistrationObjects,
} from '../install/manifests.ts';
import { KUBECONFIG_SECRET_TYPE } from '../reconcile/registered-clusters.ts';
import { KubeApiError, type KubeClient } from './client.ts';
import { ownedBy, readIdentity } from './ownership.ts';
import {
  CLUSTER_ROLE,
  CLUSTER_ROLE_BINDING,
  CRD,
  DEPLOYMENT,
  DESTINATION,
  ISSUED_CERTIFICATE,
  WORKLOAD_OUTPUT_TYPES,
  KUBERNETES_CLUSTER,
  MESH,
  NAMESPACE,
  ROLE,
  ROLE_BINDING,
  SECRET,
  SERVICE_ACCOUNT,
  WORKLOAD,
  resourcePath,
  type ResourceType,
} from './resources.ts';

/** Default lifetime of a registration token; the management plane renews it when a third is left. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 30 * 24 * 3600;

export interface RegisterOptions {
  readonly cluster: string;
  readonly installNamespace: string;
  readonly mgmt: KubeClient;
  /** Admin access to the workload cluster (only used during registration). */
  readonly remote: KubeClient;
  /** The API server address the management plane should use; the remote kubeconfig's by default. */
  readonly apiServerAddress?: string;
  readonly clusterDomain: string;
  readonly tokenLifetimeSeconds: number;
  /** The cert agent's image (`repository:tag`); undefined: no cert agent is installed there. */
  readonly certAgentImage?: string;
  /** Istio control-plane namespaces: the cert agent's `cacerts`, the Prometheus Service (default: istio-system). */
  readonly meshNamespaces?: readonly string[];
  /** Grant reading the meshes' Prometheus Services through the service proxy (default true). */
  readonly metricsAccess?: boolean;
}

export interface RegisterResult {
  readonly cluster: string;
  readonly server: string;
  readonly remoteObjects: readonly string[];
  readonly managementObjects: readonly string[];
  /** Objects not applied, with why (a metrics Role whose namespace does not exist yet). */
  readonly skippedObjects: readonly string[];
  readonly tokenExpires: string;
}

/** The CA bundle of the remote cluster, base64 PEM, inlined so the kubeconfig works anywhere. */
export function certificateAuthority(client: KubeClient): string | undefined {
  const cluster = client.kubeConfig.getCurrentCluster();
  if (cluster?.caData !== undefined && cluster.caData !== '') return cluster.caData;
  if (cluster?.caFile !== undefined && cluster.caFile !== '') return readFileSync(cluster.caFile).toString('base64');
  return undefined;
}

/** A kubeconfig that authenticates as the registered ServiceAccount. */
export function registrationKubeconfig(
  cluster: string,
  server: string,
  caData: string | undefined,
  token: string,
): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: cluster,
        cluster: { server, ...(caData === undefined ? {} : { 'certificate-authority-data': caData }) },
      },
    ],
    users: [{ name: `${cluster}-${REMOTE_SERVICE_ACCOUNT}`, user: { token } }],
    contexts: [{ name: cluster, context: { cluster, user: `${cluster}-${REMOTE_SERVICE_ACCOUNT}` } }],
    'current-context': cluster,
  });
}

/** A token for the registered ServiceAccount, through the TokenRequest API. */
export async function requestToken(
  client: KubeClient,
  namespace: string,
  lifetimeSeconds: number,
  serviceAccount = REMOTE_SERVICE_ACCOUNT,
): Promise<{ token: string; expires: string }> {
  const response = await client.request<{ status?: { token?: string; expirationTimestamp?: string } }>(
    'POST',
    `${resourcePath(SERVICE_ACCOUNT, namespace, serviceAccount)}/token`,
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: lifetimeSeconds } },
  );
  const token = response.status?.token;
  if (token === undefined || token === '') {
    throw new Error(`cluster ${client.cluster}: the TokenRequest for ${namespace}/${serviceAccount} returned no token`);
  }
  return { token, expires: response.status?.expirationTimestamp ?? '' };
}

export function kubeconfigSecret(
  cluster: string,
  namespace: string,
  kubeconfig: string,
  secretName = cluster,
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: secretName, namespace, labels: { [REGISTERED_AS_LABEL]: cluster } },
    type: KUBECONFIG_SECRET_TYPE,
    data: { kubeconfig: Buffer.from(kubeconfig).toString('base64') },
  };
}

/** A namespace being deleted (e.g. by a deregistration just before) cannot take new objects: wait it out. */
async function waitWhileTerminating(
  client: KubeClient,
  name: string,
  timeoutMs = 120_000,
): Promise<KubeObject | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const namespace = (await client.get(NAMESPACE, name)) as (KubeObject & { status?: { phase?: string } }) | undefined;
    if (namespace?.status?.phase !== 'Terminating') return namespace;
    if (Date.now() > deadline) {
      throw new Error(`cluster ${client.cluster}: namespace ${name} is still being deleted; try again when it is gone`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export async function registerCluster(options: RegisterOptions): Promise<RegisterResult> {
  const { cluster, installNamespace, mgmt, remote } = options;
  // The management cluster must have Mesh Hub installed before anything is written remotely.
  const crd = await mgmt.get(CRD, 'kubernetesclusters.multicluster.solo.io');
  if (crd === undefined) {
    throw new Error(
      `Mesh Hub is not installed on the management cluster (${mgmt.server}): run \`meshctl install\` first`,
    );
  }
  if ((await mgmt.get(NAMESPACE, installNamespace)) === undefined) {
    throw new Error(
      `the install namespace ${installNamespace} does not exist on the management cluster: run \`meshctl install\``,
    );
  }
  // The certificate flow's kinds, for the cert agent and the IssuedCertificates written there.
  const certificateCrds = meshHubCrds().filter((crd) => crd.metadata.name.endsWith(`.${ISSUED_CERTIFICATE.group}`));
  const remoteObjects = [
    ...certificateCrds,
    ...remoteRegistrationObjects({
      cluster,
      namespace: installNamespace,
      ...(options.certAgentImage === undefined ? {} : { certAgentImage: options.certAgentImage }),
      ...(options.meshNamespaces === undefined ? {} : { meshNamespaces: options.meshNamespaces }),
      ...(options.metricsAccess === undefined ? {} : { metricsAccess: options.metricsAccess }),
    }),
  ];
  const certAgentMeshRole = certAgentMeshRoleName(installNamespace);
  const metricsRole = metricsReaderRoleName(installNamespace);
  // The cert agent's Role goes into each mesh namespace, which may not exist before the mesh is
  // installed: create it unlabelled (a mesh installer adopts it; deregistration never deletes it).
  if (options.certAgentImage !== undefined) {
    const roleNamespaces = new Set(
      remoteObjects.flatMap((object) =>
        object.kind === 'Role' && object.metadata.name === certAgentMeshRole ? [object.metadata.namespace ?? ''] : [],
      ),
    );
    for (const name of [...roleNamespaces].sort()) {
      if ((await waitWhileTerminating(remote, name)) === undefined)
        await remote.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    }
  }
  // The metrics Roles go only where the mesh's namespace already is: registration creates no
  // linkerd-viz or osm-system on a cluster without those meshes (registering again adds them later).
  const skippedObjects: string[] = [];
  const absentNamespaces = new Set<string>();
  for (const name of new Set(
    remoteObjects.flatMap((o) => (o.metadata.name === metricsRole ? [o.metadata.namespace ?? ''] : [])),
  )) {
    if ((await waitWhileTerminating(remote, name)) === undefined) absentNamespaces.add(name);
  }
  const skipped = new Set<KubeObject>();
  for (const object of remoteObjects) {
    if (object.metadata.name === metricsRole && absentNamespaces.has(object.metadata.namespace ?? '')) {
      skipped.add(object);
      skippedObjects.push(
        `${describeObject(object)}: namespace ${object.metadata.namespace ?? ''} does not exist (register again once the mesh is installed)`,
      );
      continue;
    }
    // An existing namespace is not Mesh Hub's: leave it unlabelled, so deregistration never deletes it.
    if (object.kind === 'Namespace') {
      const existing = await waitWhileTerminating(remote, object.metadata.name);
      if (existing !== undefined) continue;
    }
    await remote.apply(object);
  }
  const { token, expires } = await requestToken(remote, installNamespace, options.tokenLifetimeSeconds);
  const server = options.apiServerAddress ?? remote.server;
  const kubeconfig = registrationKubeconfig(cluster, server, certificateAuthority(remote), token);
  const secret = kubeconfigSecret(cluster, installNamespace, kubeconfig);
  const registration: KubeObject = {
    apiVersion: 'multicluster.solo.io/v1alpha1',
    kind: 'KubernetesCluster',
    metadata: { name: cluster, namespace: installNamespace },
    spec: { secretName: cluster, clusterDomain: options.clusterDomain },
  };
  await mgmt.apply(secret);
  await mgmt.apply(registration);
  return {
    cluster,
    server,
    remoteObjects: remoteObjects.filter((object) => !skipped.has(object)).map(describeObject),
    managementObjects: [describeObject(secret), describeObject(registration)],
    skippedObjects,
    tokenExpires: expires,
  };
}

export interface DeregisterOptions {
  readonly cluster: string;
  readonly installNamespace: string;
  readonly mgmt: KubeClient;
  /** Admin access to the workload cluster, to remove the registration's RBAC objects. */
  readonly remote: KubeClient;
}

export interface DeregisterResult {
  readonly cluster: string;
  readonly deletedOutputs: readonly string[];
  /**
   * Objects with this install's owner label that another management plane wrote, or that were
   * written before management planes had identities: left in place (see docs/management-plane.md).
   */
  readonly keptOutputs: readonly string[];
  readonly deletedRemote: readonly string[];
  readonly deletedManagement: readonly string[];
}

async function deleteIfPresent(
  client: KubeClient,
  type: ResourceType,
  name: string,
  namespace?: string,
): Promise<boolean> {
  return client.delete(type, name, namespace);
}

/** Every object with the owner label of the install namespace (whichever management plane wrote it). */
export async function ownedOutputs(client: KubeClient, installNamespace: string): Promise<KubeObject[]> {
  const found: KubeObject[] = [];
  for (const type of WORKLOAD_OUTPUT_TYPES) {
    try {
      const list = await client.list(type, { labelSelector: `${OWNER_LABEL}=${installNamespace}` });
      found.push(...list.items);
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) continue; // CRD not installed
      throw error;
    }
  }
  return found;
}

export async function deregisterCluster(options: DeregisterOptions): Promise<DeregisterResult> {
  const { cluster, installNamespace, mgmt, remote } = options;
  // Only what this management plane wrote is deleted: read its identity before anything else.
  const identity = await readIdentity(mgmt, installNamespace);
  const deletedManagement: string[] = [];
  // First the registration, so the management plane stops writing to the cluster …
  if (await deleteIfPresent(mgmt, KUBERNETES_CLUSTER, cluster, installNamespace))
    deletedManagement.push(`KubernetesCluster ${installNamespace}/${cluster}`);
  if (await deleteIfPresent(mgmt, SECRET, cluster, installNamespace))
    deletedManagement.push(`Secret ${installNamespace}/${cluster}`);
  // … then what it wrote there. A reconcile already under way may still land a write: look again.
  const deletedOutputs = new Set<string>();
  const keptOutputs = new Set<string>();
  for (let round = 0; round < 3; round++) {
    const labelled = await ownedOutputs(remote, installNamespace);
    const outputs = labelled.filter((object) => ownedBy(object, installNamespace, identity));
    for (const object of labelled) if (!outputs.includes(object)) keptOutputs.add(describeObject(object));
    if (outputs.length === 0 && round > 0) break;
    for (const object of outputs) {
      const type = WORKLOAD_OUTPUT_TYPES.find(
        (t) => t.kind === object.kind && object.apiVersion.startsWith(`${t.group}/`),
      );
      if (type === undefined) continue;
      if (await remote.delete(type, object.metadata.name, object.metadata.namespace))
        deletedOutputs.add(describeObject(object));
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  // The discovered objects of the cluster (the management plane removes them too; this covers it being down).
  for (const type of [MESH, WORKLOAD, DESTINATION]) {
    const list = await mgmt.list(type, {
      namespace: installNamespace,
      labelSelector: `${DISCOVERY_CLUSTER_LABEL}=${cluster},${DISCOVERY_OWNER_LABEL}=${installNamespace}`,
    });
    for (const object of list.items) {
      if (!ownedBy(object, installNamespace, identity, DISCOVERY_OWNER_LABEL)) continue;
      if (await mgmt.delete(type, object.metadata.name, installNamespace))
        deletedManagement.push(describeObject(object));
    }
  }
  const deletedRemote: string[] = [];
  const remoteDeletes: [ResourceType, string, string | undefined][] = [
    [CLUSTER_ROLE_BINDING, remoteClusterRoleName(installNamespace), undefined],
    [CLUSTER_ROLE, remoteClusterRoleName(installNamespace), undefined],
    [ROLE_BINDING, REMOTE_TOKEN_ROLE, installNamespace],
    [ROLE, REMOTE_TOKEN_ROLE, installNamespace],
    [SERVICE_ACCOUNT, REMOTE_SERVICE_ACCOUNT, installNamespace],
    [DEPLOYMENT, CERT_AGENT_NAME, installNamespace],
    [CLUSTER_ROLE_BINDING, certAgentClusterRoleName(installNamespace), undefined],
    [CLUSTER_ROLE, certAgentClusterRoleName(installNamespace), undefined],
    [ROLE_BINDING, CERT_AGENT_ROLE, installNamespace],
    [ROLE, CERT_AGENT_ROLE, installNamespace],
    [SERVICE_ACCOUNT, CERT_AGENT_NAME, installNamespace],
  ];
  // The agent's Roles in the mesh namespaces, wherever registration put them (found by name and label).
  // So are the metrics Roles next to the meshes' Prometheus Services.
  const namespacedRoles = [certAgentMeshRoleName(installNamespace), metricsReaderRoleName(installNamespace)];
  for (const type of [ROLE_BINDING, ROLE]) {
    const list = await remote.list(type, { labelSelector: `${REGISTERED_AS_LABEL}=${cluster}` });
    for (const object of list.items) {
      if (namespacedRoles.includes(object.metadata.name))
        remoteDeletes.push([type, object.metadata.name, object.metadata.namespace]);
    }
  }
  // The namespace only when registration created it for this cluster (it may hold other things).
  const namespace = await remote.get(NAMESPACE, installNamespace);
  if (namespace?.metadata.labels?.[REGISTERED_AS_LABEL] === cluster)
    remoteDeletes.push([NAMESPACE, installNamespace, undefined]);
  for (const [type, name, namespace] of remoteDeletes) {
    if (await deleteIfPresent(remote, type, name, namespace))
      deletedRemote.push(`${type.kind} ${namespace === undefined ? '' : `${namespace}/`}${name}`);
  }
  return {
    cluster,
    deletedOutputs: [...deletedOutputs].sort(),
    keptOutputs: [...keptOutputs].sort(),
    deletedRemote,
    deletedManagement,
  };
}
