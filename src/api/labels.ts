// Every label and annotation Mesh Hub reads or writes, in one place (DESIGN.md §1).

/** On every translated object: the install namespace that owns it; stale outputs are found by it. */
export const OWNER_LABEL = 'owner.networking.mesh.gloo.solo.io';
/** On every translated object: JSON of the policies that contributed to it. */
export const PARENTS_ANNOTATION = 'parents.networking.mesh.gloo.solo.io';
/** On every federated object: the key of the Destination it federates. */
export const FEDERATION_ANNOTATION = 'federation.networking.mesh.gloo.solo.io';
/** In `meshctl render` stdout output: the cluster an object belongs to. */
export const CLUSTER_ANNOTATION = 'meshhub.dev/cluster';
/** On discovered objects: the cluster their source object came from. */
export const DISCOVERY_CLUSTER_LABEL = 'cluster.discovery.mesh.gloo.solo.io';
/** On discovered objects: the install namespace that owns them. */
export const DISCOVERY_OWNER_LABEL = 'owner.discovery.mesh.gloo.solo.io';
/**
 * On every object the management plane writes (translated outputs, discovered objects): the
 * identity of the management plane that wrote it (the UID of its install namespace on the
 * management cluster). Together with the owner label it decides what that plane may delete: two
 * planes with the same install namespace name, or a Gloo Mesh 1.x beside Mesh Hub, never delete
 * each other's objects.
 */
export const OWNER_IDENTITY_LABEL = 'meshhub.dev/owner-identity';

export const DEFAULT_INSTALL_NAMESPACE = 'gloo-mesh';
/** On discovered Workloads: how the pods carry the data plane (`sidecar` or `ambient`). */
export const DATAPLANE_MODE_LABEL = 'meshhub.dev/dataplane-mode';
/** On discovered Meshes whose v1 spec has no field for it: the mesh's identity trust domain (Linkerd). */
export const TRUST_DOMAIN_ANNOTATION = 'meshhub.dev/trust-domain';
/** On discovered OSM Meshes: the OSM mesh name (the v1 spec has no field for it). */
export const MESH_NAME_ANNOTATION = 'meshhub.dev/mesh-name';
/** Linkerd multicluster, on a mirror Service: it mirrors a Service of a linked cluster. */
export const LINKERD_MIRRORED_SERVICE_LABEL = 'mirror.linkerd.io/mirrored-service';
/** Linkerd multicluster, on a mirror Service: the linked cluster (a Link's spec.targetClusterName). */
export const LINKERD_MIRROR_CLUSTER_LABEL = 'mirror.linkerd.io/cluster-name';
/** Linkerd multicluster, on a mirror Service: `<name>.<namespace>.svc.<domain>` of the Service it mirrors. */
export const LINKERD_MIRROR_REMOTE_SERVICE_ANNOTATION = 'mirror.linkerd.io/remote-svc-fq-name';
/** Linkerd, on an HTTPRoute: how many times a request may be retried. */
export const LINKERD_RETRY_LIMIT_ANNOTATION = 'retry.linkerd.io/limit';
/** Linkerd, on an HTTPRoute: the timeout of each attempt. */
export const LINKERD_RETRY_TIMEOUT_ANNOTATION = 'retry.linkerd.io/timeout';
/** Linkerd, on an HTTPRoute: which HTTP responses are retried. */
export const LINKERD_RETRY_HTTP_ANNOTATION = 'retry.linkerd.io/http';
/** Linkerd, on a namespace or pod template (read only): the inbound policy of ports no Server guards. */
export const LINKERD_DEFAULT_INBOUND_POLICY_ANNOTATION = 'config.linkerd.io/default-inbound-policy';
/** On the role-based API's ValidatingWebhookConfiguration: `permissive` (log, never deny) or `enforcing`. */
export const RBAC_MODE_ANNOTATION = 'meshhub.dev/rbac-mode';
/**
 * On a KubernetesCluster: the URL of the Prometheus that holds the cluster's mesh telemetry
 * (e.g. `http://prometheus.example:9090`); without it Mesh Hub reads the `prometheus` Service next to
 * the mesh through the cluster's API server.
 */
export const METRICS_PROMETHEUS_URL_ANNOTATION = 'metrics.meshhub.dev/prometheus-url';
