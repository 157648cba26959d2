// The shapes of the objects Mesh Hub writes for Linkerd (edge-26.8.3): Gateway API HTTPRoutes
// (gateway.networking.k8s.io/v1) parented on a Service (outbound) or on a Linkerd Server (inbound),
// and the policy.linkerd.io Server, AuthorizationPolicy and MeshTLSAuthentication. Only the
// fields Mesh Hub sets.

export const GATEWAY_API_VERSION = 'gateway.networking.k8s.io/v1';
export const GATEWAY_GROUP = 'gateway.networking.k8s.io';
export const POLICY_GROUP = 'policy.linkerd.io';
export const SERVER_API_VERSION = 'policy.linkerd.io/v1beta3';
export const AUTHORIZATION_POLICY_API_VERSION = 'policy.linkerd.io/v1alpha1';
export const MESH_TLS_AUTHENTICATION_API_VERSION = 'policy.linkerd.io/v1alpha1';

export interface HTTPPathMatch {
  type: 'Exact' | 'PathPrefix' | 'RegularExpression';
  value: string;
}

export interface HTTPValueMatch {
  type: 'Exact' | 'RegularExpression';
  name: string;
  value: string;
}

export type HTTPMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'CONNECT' | 'OPTIONS' | 'TRACE' | 'PATCH';

export const HTTP_METHODS: readonly HTTPMethod[] = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
];

export interface HTTPRouteMatch {
  path?: HTTPPathMatch;
  method?: HTTPMethod;
  headers?: HTTPValueMatch[];
  queryParams?: HTTPValueMatch[];
}

export interface HeaderModifier {
  add?: { name: string; value: string }[];
  remove?: string[];
}

export type HTTPRouteFilter =
  | { type: 'RequestHeaderModifier'; requestHeaderModifier: HeaderModifier }
  | { type: 'ResponseHeaderModifier'; responseHeaderModifier: HeaderModifier };

export interface HTTPBackendRef {
  /** Written out at their defaults (core group, Service), as the API server stores them. */
  group: '';
  kind: 'Service';
  name: string;
  namespace?: string;
  port: number;
  weight?: number;
  filters?: HTTPRouteFilter[];
}

export interface ParentReference {
  group: string;
  kind: string;
  name: string;
  namespace?: string;
  port?: number;
}

export interface HTTPRouteRule {
  matches?: HTTPRouteMatch[];
  filters?: HTTPRouteFilter[];
  backendRefs?: HTTPBackendRef[];
  timeouts?: { request: string };
}

export interface HTTPRouteSpec {
  parentRefs: ParentReference[];
  rules: HTTPRouteRule[];
}

/** Gateway API limits (CRD maxItems). */
export const MAX_RULES_PER_ROUTE = 16;
export const MAX_MATCHES_PER_RULE = 8;

export interface ServerSpec {
  podSelector: { matchLabels: Record<string, string> };
  port: number | string;
  accessPolicy: 'deny';
}

export interface TargetRef {
  group: string;
  kind: string;
  name: string;
}

export interface AuthorizationPolicySpec {
  targetRef: TargetRef;
  requiredAuthenticationRefs: { group: string; kind: string; name: string; namespace?: string }[];
}

export interface IdentityRef {
  kind: 'ServiceAccount' | 'Namespace';
  name: string;
  namespace?: string;
}

export type MeshTLSAuthenticationSpec = { identityRefs: IdentityRef[] } | { identities: string[] };
