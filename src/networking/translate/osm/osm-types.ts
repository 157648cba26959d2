// The objects Open Service Mesh v1.2 reads, as its CRDs (cmd/osm-bootstrap/crds) define them. Only
// the fields Mesh Hub writes. OSM serves TrafficSplit at split.smi-spec.io/v1alpha2 only (its
// v1alpha3 and v1alpha4 are `served: false`), so TrafficSplit has no `matches`.

export const OSM_API_VERSIONS = {
  trafficSplit: 'split.smi-spec.io/v1alpha2',
  trafficTarget: 'access.smi-spec.io/v1alpha3',
  httpRouteGroup: 'specs.smi-spec.io/v1alpha4',
  policy: 'policy.openservicemesh.io/v1alpha1',
} as const;

/** An SMI identity, and OSM's Retry source: always a Kubernetes ServiceAccount here. */
export interface ServiceAccountSubject {
  readonly kind: 'ServiceAccount';
  readonly name: string;
  readonly namespace: string;
}

export interface TrafficSplitBackend {
  /** Name of a Service in the TrafficSplit's namespace. */
  readonly service: string;
  readonly weight: number;
}

export interface TrafficSplitSpec {
  /** The root (apex) Service clients call. */
  readonly service: string;
  readonly backends: readonly TrafficSplitBackend[];
}

/** HTTP methods the HTTPRouteGroup CRD accepts (an enum in its schema). */
export const HTTP_ROUTE_METHODS = [
  '*',
  'GET',
  'HEAD',
  'PUT',
  'POST',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
] as const;
export type HttpRouteMethod = (typeof HTTP_ROUTE_METHODS)[number];

export interface HttpRouteMatch {
  readonly name: string;
  /** RE2, matched by Envoy against the whole path. */
  readonly pathRegex: string;
  readonly methods: readonly HttpRouteMethod[];
}

export interface HttpRouteGroupSpec {
  readonly matches: readonly HttpRouteMatch[];
}

export interface TrafficTargetRule {
  readonly kind: 'HTTPRouteGroup';
  readonly name: string;
  /** OSM allows only the matches named here: a rule without names allows nothing. */
  readonly matches: readonly string[];
}

export interface TrafficTargetSpec {
  /** OSM ignores a TrafficTarget whose namespace differs from its destination's namespace. */
  readonly destination: ServiceAccountSubject;
  readonly rules: readonly TrafficTargetRule[];
  readonly sources: readonly ServiceAccountSubject[];
}

export interface RetryPolicySpec {
  /** Envoy's `retry_on` conditions, comma separated. */
  readonly retryOn: string;
  readonly perTryTimeout: string;
  readonly numRetries: number;
  readonly retryBackoffBaseInterval: string;
}

export interface RetryDestination {
  readonly kind: 'Service';
  readonly name: string;
  readonly namespace: string;
}

export interface RetrySpec {
  readonly source: ServiceAccountSubject;
  readonly destinations: readonly RetryDestination[];
  readonly retryPolicy: RetryPolicySpec;
}
