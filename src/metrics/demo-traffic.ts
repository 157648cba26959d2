// The demo estate's traffic (bookinfo across cluster-1 and cluster-2), as the traffic generator
// serves it. Every rate and failure share is fixed, so tests can compute what Prometheus and the
// provider must answer. Error shares are chosen so failures per second are whole numbers.

/** A workload that sends or serves requests: its controller (Deployment) name, namespace and cluster. */
export interface TrafficWorkload {
  readonly cluster: string;
  readonly namespace: string;
  readonly workload: string;
  /** The pod's app label (Istio's canonical service). */
  readonly app: string;
  readonly version: string;
  readonly serviceAccount: string;
}

/** The latency distribution: the share of requests answered within each bound (ms), cumulative up to 1. */
export type LatencyProfile = readonly (readonly [upperMs: number, cumulativeShare: number])[];

export interface TrafficFlow {
  /** The caller; `discovered: false` for callers outside the discovered estate (an ingress gateway). */
  readonly source: TrafficWorkload & { readonly discovered: boolean };
  /** The Service called (its own cluster, namespace and name) and the workload that answers. */
  readonly service: { readonly cluster: string; readonly namespace: string; readonly name: string };
  readonly server: TrafficWorkload;
  /** The host the caller used: the cluster-local name or a federated host. */
  readonly host: string;
  readonly rps: number;
  /** Share of requests answered with `errorCode` (a 5xx). */
  readonly errorShare: number;
  readonly errorCode: number;
  readonly latency: LatencyProfile;
}

/** Both Istio's and Linkerd's default buckets have these bounds, so quantiles agree between the two. */
export const FAST: LatencyProfile = [
  [10, 0.6],
  [50, 0.9],
  [100, 1],
];
export const SLOW: LatencyProfile = [
  [50, 0.5],
  [100, 0.8],
  [500, 1],
];

function bookinfo(cluster: string, app: string, version: string): TrafficWorkload {
  return {
    cluster,
    namespace: 'bookinfo',
    workload: `${app}-${version}`,
    app,
    version,
    serviceAccount: `bookinfo-${app}`,
  };
}

const INGRESS: TrafficWorkload & { discovered: boolean } = {
  cluster: 'cluster-1',
  namespace: 'istio-system',
  workload: 'istio-ingressgateway',
  app: 'istio-ingressgateway',
  version: 'unknown',
  serviceAccount: 'istio-ingressgateway-service-account',
  discovered: false,
};

function local(name: string): string {
  return `${name}.bookinfo.svc.cluster.local`;
}

function federated(cluster: string, name: string): string {
  return `${name}.bookinfo.svc.${cluster}.global`;
}

const caller = (workload: TrafficWorkload) => ({ ...workload, discovered: true });
const service = (cluster: string, name: string) => ({ cluster, namespace: 'bookinfo', name });

/** The demo's traffic: what each caller sends to each Service, and how much of it fails. */
export const DEMO_TRAFFIC: readonly TrafficFlow[] = [
  {
    source: INGRESS,
    service: service('cluster-1', 'productpage'),
    server: bookinfo('cluster-1', 'productpage', 'v1'),
    host: local('productpage'),
    rps: 10,
    errorShare: 0,
    errorCode: 503,
    latency: SLOW,
  },
  {
    source: caller(bookinfo('cluster-1', 'productpage', 'v1')),
    service: service('cluster-1', 'details'),
    server: bookinfo('cluster-1', 'details', 'v1'),
    host: local('details'),
    rps: 10,
    errorShare: 0.1,
    errorCode: 503,
    latency: FAST,
  },
  // productpage's calls to its own cluster's reviews, split evenly between v1 and v2.
  ...(['v1', 'v2'] as const).map((version) => ({
    source: caller(bookinfo('cluster-1', 'productpage', 'v1')),
    service: service('cluster-1', 'reviews'),
    server: bookinfo('cluster-1', 'reviews', version),
    host: local('reviews'),
    rps: 4,
    errorShare: 0,
    errorCode: 503,
    latency: FAST,
  })),
  {
    // Cross-cluster: productpage calls reviews of cluster-2 through its federated host.
    source: caller(bookinfo('cluster-1', 'productpage', 'v1')),
    service: service('cluster-2', 'reviews'),
    server: bookinfo('cluster-2', 'reviews', 'v3'),
    host: federated('cluster-2', 'reviews'),
    rps: 2,
    errorShare: 0,
    errorCode: 503,
    latency: SLOW,
  },
  {
    source: caller(bookinfo('cluster-1', 'reviews', 'v2')),
    service: service('cluster-1', 'ratings'),
    server: bookinfo('cluster-1', 'ratings', 'v1'),
    host: local('ratings'),
    rps: 4,
    errorShare: 0.25,
    errorCode: 500,
    latency: FAST,
  },
  {
    // Cross-cluster: reviews-v2 of cluster-1 also calls ratings of cluster-2.
    source: caller(bookinfo('cluster-1', 'reviews', 'v2')),
    service: service('cluster-2', 'ratings'),
    server: bookinfo('cluster-2', 'ratings', 'v1'),
    host: federated('cluster-2', 'ratings'),
    rps: 1,
    errorShare: 0,
    errorCode: 503,
    latency: FAST,
  },
  {
    source: caller(bookinfo('cluster-2', 'reviews', 'v3')),
    service: service('cluster-2', 'ratings'),
    server: bookinfo('cluster-2', 'ratings', 'v1'),
    host: local('ratings'),
    rps: 2,
    errorShare: 0.5,
    errorCode: 503,
    latency: FAST,
  },
];
