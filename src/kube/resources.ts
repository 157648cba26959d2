// The resource types Mesh Hub reads from and writes to API servers, with their REST paths.
// A fixed table rather than API discovery: the set is small and known, and a path costs no round trip.
import { allKinds } from '../api/registry.ts';

export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

function core(kind: string, plural: string, namespaced = true): ResourceType {
  return { group: '', version: 'v1', kind, plural, namespaced };
}

function typed(group: string, version: string, kind: string, plural: string, namespaced = true): ResourceType {
  return { group, version, kind, plural, namespaced };
}

export const NAMESPACE = core('Namespace', 'namespaces', false);
export const NODE = core('Node', 'nodes', false);
export const POD = core('Pod', 'pods');
export const SERVICE = core('Service', 'services');
export const ENDPOINTS = core('Endpoints', 'endpoints');
export const CONFIG_MAP = core('ConfigMap', 'configmaps');
export const SECRET = core('Secret', 'secrets');
export const SERVICE_ACCOUNT = core('ServiceAccount', 'serviceaccounts');
export const DEPLOYMENT = typed('apps', 'v1', 'Deployment', 'deployments');
export const REPLICA_SET = typed('apps', 'v1', 'ReplicaSet', 'replicasets');
export const STATEFUL_SET = typed('apps', 'v1', 'StatefulSet', 'statefulsets');
export const DAEMON_SET = typed('apps', 'v1', 'DaemonSet', 'daemonsets');
export const ENDPOINT_SLICE = typed('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices');
export const LEASE = typed('coordination.k8s.io', 'v1', 'Lease', 'leases');
export const CLUSTER_ROLE = typed('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false);
export const CLUSTER_ROLE_BINDING = typed(
  'rbac.authorization.k8s.io',
  'v1',
  'ClusterRoleBinding',
  'clusterrolebindings',
  false,
);
export const ROLE = typed('rbac.authorization.k8s.io', 'v1', 'Role', 'roles');
export const ROLE_BINDING = typed('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings');
export const CRD = typed('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false);
export const VALIDATING_WEBHOOK_CONFIGURATION = typed(
  'admissionregistration.k8s.io',
  'v1',
  'ValidatingWebhookConfiguration',
  'validatingwebhookconfigurations',
  false,
);

/** Istio configuration Mesh Hub writes (and reads, to find hand-written VirtualServices). */
export const ISTIO_OUTPUT_TYPES: readonly ResourceType[] = [
  typed('networking.istio.io', 'v1', 'VirtualService', 'virtualservices'),
  typed('networking.istio.io', 'v1', 'DestinationRule', 'destinationrules'),
  typed('networking.istio.io', 'v1', 'ServiceEntry', 'serviceentries'),
  typed('networking.istio.io', 'v1', 'Gateway', 'gateways'),
  typed('networking.istio.io', 'v1alpha3', 'EnvoyFilter', 'envoyfilters'),
  typed('security.istio.io', 'v1', 'AuthorizationPolicy', 'authorizationpolicies'),
  typed('security.istio.io', 'v1', 'PeerAuthentication', 'peerauthentications'),
];

/** Linkerd configuration Mesh Hub writes: routes (shifts, timeouts, retries) and its policy objects (access). */
export const LINKERD_OUTPUT_TYPES: readonly ResourceType[] = [
  typed('policy.linkerd.io', 'v1beta3', 'HTTPRoute', 'httproutes'),
  typed('gateway.networking.k8s.io', 'v1', 'HTTPRoute', 'httproutes'),
  typed('policy.linkerd.io', 'v1beta3', 'Server', 'servers'),
  typed('policy.linkerd.io', 'v1alpha1', 'AuthorizationPolicy', 'authorizationpolicies'),
  typed('policy.linkerd.io', 'v1alpha1', 'MeshTLSAuthentication', 'meshtlsauthentications'),
];

/** Open Service Mesh configuration Mesh Hub writes: SMI objects in the versions OSM serves, and OSM's policies. */
export const OSM_OUTPUT_TYPES: readonly ResourceType[] = [
  typed('split.smi-spec.io', 'v1alpha2', 'TrafficSplit', 'trafficsplits'),
  typed('access.smi-spec.io', 'v1alpha3', 'TrafficTarget', 'traffictargets'),
  typed('specs.smi-spec.io', 'v1alpha4', 'HTTPRouteGroup', 'httproutegroups'),
  typed('policy.openservicemesh.io', 'v1alpha1', 'Retry', 'retries'),
  typed('policy.openservicemesh.io', 'v1alpha1', 'UpstreamTrafficSetting', 'upstreamtrafficsettings'),
];

/** Mesh Hub's own kinds, from the API registry. */
export const MESH_HUB_TYPES: readonly ResourceType[] = allKinds.map((definition) =>
  typed(definition.group, definition.version, definition.kind, definition.plural, definition.scope === 'Namespaced'),
);

/** The type of one of Mesh Hub's own kinds; an unknown kind is a bug. */
export function hubType(kind: string): ResourceType {
  const found = MESH_HUB_TYPES.find((type) => type.kind === kind);
  if (found === undefined) throw new Error(`no Mesh Hub kind ${kind}`);
  return found;
}

export const KUBERNETES_CLUSTER = hubType('KubernetesCluster');
export const MESH = hubType('Mesh');
export const WORKLOAD = hubType('Workload');
export const DESTINATION = hubType('Destination');
export const SETTINGS = hubType('Settings');
export const VIRTUAL_MESH = hubType('VirtualMesh');
export const TRAFFIC_POLICY = hubType('TrafficPolicy');
export const ACCESS_POLICY = hubType('AccessPolicy');
export const ISSUED_CERTIFICATE = hubType('IssuedCertificate');
export const CERTIFICATE_REQUEST = hubType('CertificateRequest');
export const POD_BOUNCE_DIRECTIVE = hubType('PodBounceDirective');
/** The role-based API's kinds (not Kubernetes RBAC's Role and RoleBinding above). */
export const MESH_HUB_ROLE = hubType('Role');
export const MESH_HUB_ROLE_BINDING = hubType('RoleBinding');

/** The certificate flow's objects the management plane writes to a workload cluster (for the cert agent). */
export const CERTIFICATE_OUTPUT_TYPES: readonly ResourceType[] = [ISSUED_CERTIFICATE, POD_BOUNCE_DIRECTIVE];

/**
 * Every kind the management plane writes to a workload cluster: what it watches there to compare,
 * deletes when stale, removes on deregistration, and may write under the registration's ClusterRole.
 */
export const WORKLOAD_OUTPUT_TYPES: readonly ResourceType[] = [
  ...ISTIO_OUTPUT_TYPES,
  ...LINKERD_OUTPUT_TYPES,
  ...OSM_OUTPUT_TYPES,
  ...CERTIFICATE_OUTPUT_TYPES,
];

/** What discovery reads from each registered cluster (DESIGN.md §3 input layout). */
export const DISCOVERY_INPUT_TYPES: readonly ResourceType[] = [
  NAMESPACE,
  NODE,
  POD,
  SERVICE,
  ENDPOINTS,
  ENDPOINT_SLICE,
  CONFIG_MAP,
  DEPLOYMENT,
  REPLICA_SET,
  STATEFUL_SET,
  DAEMON_SET,
];

/**
 * What translators read from each registered cluster besides discovery's inputs: hand-written Istio
 * VirtualServices (no second one is written for their hosts), OSM's MeshConfig (permissive mode,
 * retries), Linkerd multicluster Links (which mirror Services are kept). Watched like the outputs
 * (optional), read only.
 */
export const TRANSLATION_INPUT_TYPES: readonly ResourceType[] = [
  ...ISTIO_OUTPUT_TYPES.filter((type) => type.kind === 'VirtualService'),
  typed('config.openservicemesh.io', 'v1alpha2', 'MeshConfig', 'meshconfigs'),
  typed('multicluster.linkerd.io', 'v1alpha3', 'Link', 'links'),
];

/** Management-cluster kinds written by users (or install) that the pure core reads. */
export const MANAGEMENT_INPUT_KINDS = [
  'KubernetesCluster',
  'Settings',
  'TrafficPolicy',
  'AccessPolicy',
  'VirtualMesh',
  'VirtualDestination',
] as const;

/** Kinds whose objects the pure core writes to the management cluster. */
export const DISCOVERED_KINDS = ['Mesh', 'Workload', 'Destination'] as const;

export function apiVersionOfType(type: ResourceType): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

/** `/api/v1/namespaces/ns/pods` or `/apis/g/v/…`; with a name, the object's own path. */
export function resourcePath(type: ResourceType, namespace?: string, name?: string): string {
  const base = type.group === '' ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
  const ns = type.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const own = name === undefined ? '' : `/${encodeURIComponent(name)}`;
  return `${base}${ns}/${type.plural}${own}`;
}

const allTypes = [
  ...DISCOVERY_INPUT_TYPES,
  SECRET,
  SERVICE_ACCOUNT,
  LEASE,
  CLUSTER_ROLE,
  CLUSTER_ROLE_BINDING,
  ROLE,
  ROLE_BINDING,
  CRD,
  VALIDATING_WEBHOOK_CONFIGURATION,
  ...ISTIO_OUTPUT_TYPES,
  ...LINKERD_OUTPUT_TYPES,
  ...OSM_OUTPUT_TYPES,
  ...TRANSLATION_INPUT_TYPES,
  ...MESH_HUB_TYPES,
];
const byGroupKind = new Map(allTypes.map((type) => [`${type.group}/${type.kind}`, type]));

/** The type of an object by its group and kind; the object's own version is used for the path. */
export function typeOfObject(apiVersion: string, kind: string): ResourceType | undefined {
  const slash = apiVersion.indexOf('/');
  const group = slash === -1 ? '' : apiVersion.slice(0, slash);
  const version = slash === -1 ? apiVersion : apiVersion.slice(slash + 1);
  const known = byGroupKind.get(`${group}/${kind}`);
  return known === undefined ? undefined : { ...known, version };
}

/** Identity of an object independent of the API version it was read or written with. */
export function objectKey(object: {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string | undefined };
}): string {
  const slash = object.apiVersion.indexOf('/');
  const group = slash === -1 ? '' : object.apiVersion.slice(0, slash);
  return `${group}/${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}
