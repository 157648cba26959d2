// The objects `meshctl install` and `meshctl cluster register` write. Pure: the same options give the
// same manifests, so `--dry-run` prints exactly what would be applied.
import type { KubeObject } from '../api/meta.ts';
import { CERTIFICATE_REQUEST, TRANSLATION_INPUT_TYPES, WORKLOAD_OUTPUT_TYPES } from '../kube/resources.ts';
import {
  defaultFailurePolicy,
  RBAC_WEBHOOK_PORT,
  rbacWebhookConfigurationName,
  rbacWebhookObjects,
  type FailurePolicy,
  type RbacMode,
} from './rbac-webhook.ts';
import { CONTROLLER_NAME, DEFAULT_IMAGE, DEFAULT_MESH_NAMESPACES } from './defaults.ts';

export { CONTROLLER_NAME, DEFAULT_IMAGE, DEFAULT_MESH_NAMESPACES };

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'mesh-hub';
/** On the objects `meshctl cluster register` writes to a workload cluster: the name it was registered as. */
export const REGISTERED_AS_LABEL = 'meshhub.dev/registered-as';

/** The identity the management plane uses on every workload cluster. */
export const REMOTE_SERVICE_ACCOUNT = 'mesh-hub';
/** Cluster-scoped, so named per install namespace: two installs may manage one workload cluster. */
export function remoteClusterRoleName(installNamespace: string): string {
  return `mesh-hub-${installNamespace}-remote-access`;
}
export const REMOTE_TOKEN_ROLE = 'mesh-hub-token-renewal';
/** The cert agent on a workload cluster: its ServiceAccount and Deployment. */
export const CERT_AGENT_NAME = 'mesh-hub-cert-agent';
export function certAgentClusterRoleName(installNamespace: string): string {
  return `mesh-hub-${installNamespace}-cert-agent`;
}
/** The cert agent's Role in its own namespace (certificate flow objects, its private keys). */
export const CERT_AGENT_ROLE = 'mesh-hub-cert-agent';
/** The cert agent's Role in each mesh namespace (Istio's cacerts); named per install namespace, as two installs may share one. */
export function certAgentMeshRoleName(installNamespace: string): string {
  return `mesh-hub-${installNamespace}-cert-agent-ca`;
}
/**
 * The management plane's Role in each namespace where a mesh's Prometheus Service is (the metrics
 * provider's default source, read through the API server's service proxy); named per install
 * namespace, as two installs may share one.
 */
export function metricsReaderRoleName(installNamespace: string): string {
  return `mesh-hub-${installNamespace}-metrics-reader`;
}
/** The management plane's Role in each namespace the operator allows root CA Secrets in. */
export function rootCaReaderRoleName(installNamespace: string): string {
  return `mesh-hub-${installNamespace}-root-ca-reader`;
}

export const DEFAULT_SETTINGS_NAME = 'settings';
/** The image's own non-root user (scripts/image.ts), which the Deployments run as. */
export const SERVER_UID = 65532;
export const DEFAULT_LOG_LEVEL = 'info';
export const DEFAULT_LEASE_DURATION_SECONDS = 15;

/** A container's resources: what it is scheduled with and where it is stopped. */
export interface ContainerResources {
  readonly requests: Readonly<Record<string, string>>;
  readonly limits: Readonly<Record<string, string>>;
}

// The full render of the 50-cluster reference estate (DESIGN.md §5) peaks at 525–626 MiB resident
// (npm run bench); the caches of that estate live in the same process. The request covers a
// mid-sized estate; the limit leaves ~60 % headroom over the measured peak for the caches, the
// apply and garbage collection, so a leak ends in a restart, never a node OOM.
export const DEFAULT_CONTROLLER_RESOURCES: ContainerResources = {
  requests: { cpu: '100m', memory: '512Mi' },
  limits: { memory: '1Gi' },
};
// A handful of objects and one RSA key generation at a time: about 60 MiB resident; the limit
// leaves room for a 4096-bit key generation and a burst of pod lists.
export const DEFAULT_CERT_AGENT_RESOURCES: ContainerResources = {
  requests: { cpu: '50m', memory: '128Mi' },
  limits: { memory: '256Mi' },
};

function labels(extra: Record<string, string> = {}): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY, ...extra };
}

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

const RBAC = 'rbac.authorization.k8s.io';

/** A (Cluster)Role with its rules and the binding that gives it to one ServiceAccount. */
function roleAndBinding(
  kind: 'Role' | 'ClusterRole',
  metadata: Record<string, unknown>,
  name: string,
  rules: PolicyRule[],
  subject: { kind: string; name: string; namespace: string },
): Record<string, unknown>[] {
  return [
    { apiVersion: `${RBAC}/v1`, kind, metadata, rules },
    {
      apiVersion: `${RBAC}/v1`,
      kind: `${kind}Binding`,
      metadata,
      roleRef: { apiGroup: RBAC, kind, name },
      subjects: [subject],
    },
  ];
}

/** A Mesh Hub server process (`meshhub <command>`): non-root, read-only, probes on its health endpoints. */
function serverDeployment(options: {
  readonly metadata: Record<string, unknown>;
  readonly name: string;
  readonly namespace: string;
  readonly command: 'controller' | 'cert-agent';
  readonly image: string;
  readonly port: number;
  readonly replicas: number;
  readonly strategy?: Record<string, unknown>;
  readonly resources: ContainerResources;
  readonly logLevel: string;
  readonly extraArgs?: readonly string[];
  readonly extraPorts?: readonly { readonly name: string; readonly containerPort: number }[];
}): Record<string, unknown> {
  const podLabels = { app: options.name };
  const probe = (path: string) => ({ httpGet: { path, port: 'http' }, periodSeconds: 10 });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: options.metadata,
    spec: {
      replicas: options.replicas,
      ...(options.strategy === undefined ? {} : { strategy: options.strategy }),
      selector: { matchLabels: podLabels },
      template: {
        metadata: { labels: podLabels },
        spec: {
          serviceAccountName: options.name,
          securityContext: { runAsNonRoot: true, runAsUser: SERVER_UID, runAsGroup: SERVER_UID },
          containers: [
            {
              name: options.command,
              image: options.image,
              args: [
                options.command,
                `--namespace=${options.namespace}`,
                `--listen=0.0.0.0:${String(options.port)}`,
                `--log-level=${options.logLevel}`,
                ...(options.extraArgs ?? []),
              ],
              ports: [{ name: 'http', containerPort: options.port }, ...(options.extraPorts ?? [])],
              readinessProbe: probe('/readyz'),
              livenessProbe: probe('/healthz'),
              resources: { requests: { ...options.resources.requests }, limits: { ...options.resources.limits } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
            },
          ],
        },
      },
    },
  };
}

const READ = ['get', 'list', 'watch'];
const WRITE = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

/**
 * Least privilege on a workload cluster: read what discovery needs, write only the mesh
 * configuration Mesh Hub translates and the certificate flow's requests to the cert agent, sign
 * the agent's CertificateRequests (their status). No Secrets, no RBAC, nothing cluster-admin.
 */
export function remoteAccessRules(): PolicyRule[] {
  const outputGroups = new Map<string, string[]>();
  for (const type of WORKLOAD_OUTPUT_TYPES) {
    outputGroups.set(type.group, [...(outputGroups.get(type.group) ?? []), type.plural]);
  }
  return [
    { apiGroups: [''], resources: ['namespaces', 'nodes', 'pods', 'services', 'endpoints', 'configmaps'], verbs: READ },
    { apiGroups: ['apps'], resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets'], verbs: READ },
    { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: READ },
    ...[...outputGroups.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([group, resources]) => ({ apiGroups: [group], resources: resources.sort(), verbs: WRITE })),
    // What translators read of the mesh's own configuration (the kinds Mesh Hub also writes are above).
    ...TRANSLATION_INPUT_TYPES.filter((type) => !outputGroups.get(type.group)?.includes(type.plural)).map((type) => ({
      apiGroups: [type.group],
      resources: [type.plural],
      verbs: READ,
    })),
    { apiGroups: [CERTIFICATE_REQUEST.group], resources: [CERTIFICATE_REQUEST.plural], verbs: READ },
    {
      apiGroups: [CERTIFICATE_REQUEST.group],
      resources: [`${CERTIFICATE_REQUEST.plural}/status`],
      verbs: ['get', 'patch', 'update'],
    },
  ];
}

const SECRET_WRITE = ['get', 'list', 'watch', 'create', 'update', 'patch'];

/**
 * The cert agent's cluster-wide rights: find the pods a PodBounceDirective selects and restart them
 * through the Eviction API (PodDisruptionBudgets hold), and read the `istio-ca-root-cert`
 * ConfigMaps istiod copies the root into. No delete of anything, no Secrets.
 */
export function certAgentRules(): PolicyRule[] {
  return [
    { apiGroups: [''], resources: ['pods'], verbs: READ },
    { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
    { apiGroups: [''], resources: ['configmaps'], verbs: READ },
  ];
}

/**
 * The cert agent's rights in its own namespace: answer IssuedCertificates with CertificateRequests,
 * follow PodBounceDirectives, keep its private keys (Secrets; removed by garbage collection with
 * their IssuedCertificate, so never deleted by the agent).
 */
export function certAgentNamespaceRules(): PolicyRule[] {
  const group = CERTIFICATE_REQUEST.group;
  const status = ['get', 'patch', 'update'];
  return [
    { apiGroups: [group], resources: ['issuedcertificates', 'podbouncedirectives'], verbs: [...READ, 'patch'] },
    { apiGroups: [group], resources: ['issuedcertificates/status', 'podbouncedirectives/status'], verbs: status },
    { apiGroups: [group], resources: ['certificaterequests'], verbs: SECRET_WRITE },
    { apiGroups: [''], resources: ['secrets'], verbs: SECRET_WRITE },
  ];
}

/** The cert agent's rights in each mesh control-plane namespace: write Istio's `cacerts` there. */
export function certAgentMeshNamespaceRules(): PolicyRule[] {
  return [{ apiGroups: [''], resources: ['secrets'], verbs: SECRET_WRITE }];
}

/**
 * The Prometheus Services the metrics provider reads through the service proxy by default
 * (src/metrics/metrics-sources.ts), by namespace: Istio's `prometheus:9090` in each Istio
 * control-plane namespace, Linkerd's in `linkerd-viz`, OSM's `osm-prometheus:7070` in `osm-system`.
 * Each entry is `NAME:PORT`, the resource name the API server authorizes for
 * `/api/v1/namespaces/NS/services/NAME:PORT/proxy/…` (the name alone or `http:NAME:PORT` are other
 * names, which the provider never uses).
 */
export function prometheusServices(istioNamespaces: readonly string[]): Map<string, string[]> {
  const byNamespace = new Map<string, Set<string>>();
  const add = (namespace: string, service: string) =>
    byNamespace.set(namespace, (byNamespace.get(namespace) ?? new Set()).add(service));
  for (const namespace of istioNamespaces) add(namespace, 'prometheus:9090');
  add('linkerd-viz', 'prometheus:9090');
  add('osm-system', 'osm-prometheus:7070');
  return new Map(
    [...byNamespace.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([ns, names]) => [ns, [...names].sort()]),
  );
}

/** Read one mesh's Prometheus HTTP API through the service proxy: `get` on those Services only. */
export function metricsReaderRules(services: readonly string[]): PolicyRule[] {
  return [{ apiGroups: [''], resources: ['services/proxy'], resourceNames: [...services], verbs: ['get'] }];
}

export interface RemoteOptions {
  readonly cluster: string;
  /** Namespace on the workload cluster for Mesh Hub's ServiceAccount (the install namespace's name). */
  readonly namespace: string;
  /** The cert agent's image (`repository:tag`); undefined: no cert agent is installed. */
  readonly certAgentImage?: string;
  /**
   * Istio control-plane namespaces (default: istio-system): the cert agent may write `cacerts` there,
   * and the management plane may read the Prometheus Service there.
   */
  readonly meshNamespaces?: readonly string[];
  /**
   * Whether the management plane may read the meshes' Prometheus Services through the service proxy
   * (default true): a Role per namespace of `prometheusServices`, Istio's being `meshNamespaces`.
   */
  readonly metricsAccess?: boolean;
  readonly certAgentLogLevel?: string;
  readonly certAgentResources?: ContainerResources;
}

/** What `meshctl cluster register` writes to the workload cluster. */
export function remoteRegistrationObjects(options: RemoteOptions): KubeObject[] {
  const { cluster, namespace } = options;
  const meta = (name: string, ns?: string) => ({
    name,
    ...(ns === undefined ? {} : { namespace: ns }),
    labels: labels({ [REGISTERED_AS_LABEL]: cluster }),
  });
  const subject = { kind: 'ServiceAccount', name: REMOTE_SERVICE_ACCOUNT, namespace };
  const clusterRole = remoteClusterRoleName(namespace);
  const metricsRoleName = metricsReaderRoleName(namespace);
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: meta(namespace) },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(REMOTE_SERVICE_ACCOUNT, namespace) },
    ...roleAndBinding('ClusterRole', meta(clusterRole), clusterRole, remoteAccessRules(), subject),
    // The management plane renews its own token before it expires, and can do nothing else here.
    ...roleAndBinding(
      'Role',
      meta(REMOTE_TOKEN_ROLE, namespace),
      REMOTE_TOKEN_ROLE,
      [
        {
          apiGroups: [''],
          resources: ['serviceaccounts/token'],
          resourceNames: [REMOTE_SERVICE_ACCOUNT],
          verbs: ['create'],
        },
      ],
      subject,
    ),
    ...(options.metricsAccess === false
      ? []
      : [...prometheusServices(options.meshNamespaces ?? DEFAULT_MESH_NAMESPACES).entries()].flatMap(
          ([serviceNamespace, services]) =>
            roleAndBinding(
              'Role',
              meta(metricsRoleName, serviceNamespace),
              metricsRoleName,
              metricsReaderRules(services),
              subject,
            ),
        )),
    ...(options.certAgentImage === undefined
      ? []
      : certAgentObjects(namespace, options.certAgentImage, options.meshNamespaces ?? DEFAULT_MESH_NAMESPACES, meta, {
          logLevel: options.certAgentLogLevel ?? DEFAULT_LOG_LEVEL,
          resources: options.certAgentResources ?? DEFAULT_CERT_AGENT_RESOURCES,
        })),
  ] as KubeObject[];
}

/** The cert agent: ServiceAccount, its roles and bindings, Deployment (one replica, no leader election). */
function certAgentObjects(
  namespace: string,
  image: string,
  meshNamespaces: readonly string[],
  meta: (name: string, ns?: string) => Record<string, unknown>,
  server: { readonly logLevel: string; readonly resources: ContainerResources },
): Record<string, unknown>[] {
  const role = certAgentClusterRoleName(namespace);
  const meshRole = certAgentMeshRoleName(namespace);
  const subject = { kind: 'ServiceAccount', name: CERT_AGENT_NAME, namespace };
  const meshes = [...new Set(meshNamespaces)].sort();
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(CERT_AGENT_NAME, namespace) },
    ...roleAndBinding('ClusterRole', meta(role), role, certAgentRules(), subject),
    ...roleAndBinding('Role', meta(CERT_AGENT_ROLE, namespace), CERT_AGENT_ROLE, certAgentNamespaceRules(), subject),
    ...meshes.flatMap((meshNamespace) =>
      roleAndBinding('Role', meta(meshRole, meshNamespace), meshRole, certAgentMeshNamespaceRules(), subject),
    ),
    serverDeployment({
      metadata: meta(CERT_AGENT_NAME, namespace),
      name: CERT_AGENT_NAME,
      namespace,
      command: 'cert-agent',
      image,
      port: 9092,
      replicas: 1,
      // Never two agents at once: both would request a certificate for the same IssuedCertificate.
      strategy: { type: 'Recreate' },
      ...server,
      extraArgs: [`--mesh-namespaces=${meshes.join(',')}`],
    }),
  ];
}

export interface InstallOptions {
  readonly namespace: string;
  readonly image: string;
  readonly version: string;
  /** The Mesh Hub CRDs (from deploy/crds). */
  readonly crds: readonly KubeObject[];
  readonly replicas: number;
  /** Namespaces besides the install namespace where VirtualMeshes may name a root CA Secret. */
  readonly rootCaNamespaces?: readonly string[];
  /** The role-based API's webhook (docs/role-based-api.md); permissive, failure policy Ignore by default. */
  readonly rbac?: {
    readonly mode: RbacMode;
    readonly failurePolicy: FailurePolicy;
    /** Where the API server calls the webhook when the management plane runs outside the cluster. */
    readonly url?: string;
    /** Bound to the bootstrap admin Role with the group system:masters: the installing identity. */
    readonly adminUsers: readonly string[];
  };
  readonly logLevel?: string;
  /** How long a Lease holder may go without renewing before a standby replica takes over. */
  readonly leaseDurationSeconds?: number;
  readonly resources?: ContainerResources;
}

/** Rules of the management plane on the management cluster. */
export function managementRules(installNamespace: string): PolicyRule[] {
  const networking = 'networking.mesh.gloo.solo.io';
  const enterprise = 'networking.enterprise.mesh.gloo.solo.io';
  const status = ['get', 'patch', 'update'];
  return [
    { apiGroups: [networking], resources: ['trafficpolicies', 'accesspolicies', 'virtualmeshes'], verbs: READ },
    {
      apiGroups: [networking],
      resources: ['trafficpolicies/status', 'accesspolicies/status', 'virtualmeshes/status'],
      verbs: status,
    },
    { apiGroups: [enterprise], resources: ['virtualdestinations'], verbs: READ },
    { apiGroups: [enterprise], resources: ['virtualdestinations/status'], verbs: status },
    // The role-based API webhook keeps its configuration's caBundle in step with its CA; that object only.
    {
      apiGroups: ['admissionregistration.k8s.io'],
      resources: ['validatingwebhookconfigurations'],
      resourceNames: [rbacWebhookConfigurationName(installNamespace)],
      verbs: ['get', 'patch'],
    },
    // Its identity (the install namespace's UID) stamped on every object it writes; that namespace only.
    { apiGroups: [''], resources: ['namespaces'], resourceNames: [installNamespace], verbs: ['get'] },
    // The dashboard checks each user's own token and what that user may read (src/dashboard/access.ts).
    { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
    { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
  ];
}

/**
 * Rules in each namespace the operator allows root CA Secrets in (`--root-ca-namespaces`): read
 * Secrets, nothing else. Root Secret names come from VirtualMeshes, so they cannot be listed here.
 */
export function rootCaNamespaceRules(): PolicyRule[] {
  return [{ apiGroups: [''], resources: ['secrets'], verbs: READ }];
}

/** Rules in the install namespace: registrations, discovered objects, settings, the Lease. */
export function installNamespaceRules(): PolicyRule[] {
  return [
    { apiGroups: ['multicluster.solo.io'], resources: ['kubernetesclusters'], verbs: READ },
    {
      apiGroups: ['multicluster.solo.io'],
      resources: ['kubernetesclusters/status'],
      verbs: ['get', 'patch', 'update'],
    },
    { apiGroups: ['settings.mesh.gloo.solo.io'], resources: ['settings'], verbs: READ },
    { apiGroups: ['settings.mesh.gloo.solo.io'], resources: ['settings/status'], verbs: ['get', 'patch', 'update'] },
    { apiGroups: ['discovery.mesh.gloo.solo.io'], resources: ['meshes', 'workloads', 'destinations'], verbs: WRITE },
    {
      apiGroups: ['discovery.mesh.gloo.solo.io'],
      resources: ['meshes/status', 'workloads/status', 'destinations/status'],
      verbs: ['get', 'patch', 'update'],
    },
    // Registration Secrets: read, and updated when the management plane renews a cluster's token;
    // generated root CAs of VirtualMeshes: created and replaced on rotation.
    { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'] },
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
    // The role-based API webhook's Roles and RoleBindings.
    { apiGroups: ['rbac.enterprise.mesh.gloo.solo.io'], resources: ['roles', 'rolebindings'], verbs: READ },
  ];
}

/** Everything `meshctl install` applies, in apply order (CRDs and namespace first). */
export function installObjects(options: InstallOptions): KubeObject[] {
  const { namespace } = options;
  const meta = (name: string, ns?: string) => ({
    name,
    ...(ns === undefined ? {} : { namespace: ns }),
    labels: labels({ 'app.kubernetes.io/name': CONTROLLER_NAME }),
  });
  const subject = { kind: 'ServiceAccount', name: CONTROLLER_NAME, namespace };
  // Cluster-scoped, so named per install namespace: two installs never rebind each other's role.
  const clusterRole = `mesh-hub-${namespace}-controller`;
  const rootCaNamespaces = [...new Set(options.rootCaNamespaces ?? [])].filter((ns) => ns !== namespace).sort();
  const rbac = options.rbac ?? {
    mode: 'permissive',
    failurePolicy: defaultFailurePolicy('permissive'),
    adminUsers: [],
  };
  return [
    ...options.crds,
    { apiVersion: 'v1', kind: 'Namespace', metadata: meta(namespace) },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(CONTROLLER_NAME, namespace) },
    ...roleAndBinding('ClusterRole', meta(clusterRole), clusterRole, managementRules(namespace), subject),
    ...roleAndBinding('Role', meta(CONTROLLER_NAME, namespace), CONTROLLER_NAME, installNamespaceRules(), subject),
    ...rootCaNamespaces.flatMap((rootNamespace) =>
      roleAndBinding(
        'Role',
        meta(rootCaReaderRoleName(namespace), rootNamespace),
        rootCaReaderRoleName(namespace),
        rootCaNamespaceRules(),
        subject,
      ),
    ),
    {
      apiVersion: 'settings.mesh.gloo.solo.io/v1',
      kind: 'Settings',
      metadata: meta(DEFAULT_SETTINGS_NAME, namespace),
      spec: {
        mtls: { istio: { tlsMode: 'ISTIO_MUTUAL' } },
        ...(rootCaNamespaces.length === 0 ? {} : { rootCertificateAuthorityNamespaces: rootCaNamespaces }),
      },
    },
    serverDeployment({
      metadata: meta(CONTROLLER_NAME, namespace),
      name: CONTROLLER_NAME,
      namespace,
      command: 'controller',
      image: `${options.image}:${options.version}`,
      port: 9091,
      // Two replicas are safe: one holds the Lease and reconciles, the other stands by.
      replicas: options.replicas,
      resources: options.resources ?? DEFAULT_CONTROLLER_RESOURCES,
      logLevel: options.logLevel ?? DEFAULT_LOG_LEVEL,
      extraArgs: [
        `--lease-duration=${String(options.leaseDurationSeconds ?? DEFAULT_LEASE_DURATION_SECONDS)}`,
        `--rbac-webhook-listen=0.0.0.0:${String(RBAC_WEBHOOK_PORT)}`,
      ],
      extraPorts: [{ name: 'webhook', containerPort: RBAC_WEBHOOK_PORT }],
    }),
    ...rbacWebhookObjects({
      namespace,
      mode: rbac.mode,
      failurePolicy: rbac.failurePolicy,
      ...(rbac.url === undefined ? {} : { url: rbac.url }),
      adminUsers: rbac.adminUsers,
      labels: labels({ 'app.kubernetes.io/name': CONTROLLER_NAME }),
      controllerApp: CONTROLLER_NAME,
    }),
  ] as KubeObject[];
}
