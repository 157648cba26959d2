// The answer of `meshctl explain request`, the same for every mesh: plain JSON that names every object
// it used (cluster, kind, namespace, name, rule index) so it can be checked against those objects.
import type { KubeObject } from '../api/meta.ts';

export interface HypotheticalRequest {
  /** A Destination name (`reviews-bookinfo-cluster-1`). */
  readonly to: string;
  /** A Workload name (`productpage-v1-bookinfo-cluster-1-deployment`); without it the source is unknown. */
  readonly from?: string;
  readonly method?: string;
  readonly path?: string;
  /** Header names in lower case. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The render output the request is evaluated against: management objects and each cluster's outputs. */
export interface RenderedEstate {
  readonly mgmt: readonly KubeObject[];
  readonly clusters: ReadonlyMap<string, readonly KubeObject[]>;
  /**
   * The clusters' own objects (the render's input), when the caller has them: what the mesh reads
   * besides Mesh Hub's outputs (Linkerd's mirror Services and Links, OSM's MeshConfig). Without
   * them, the answer says what it assumes.
   */
  readonly clusterInputs?: ReadonlyMap<string, readonly KubeObject[]>;
}

export type ExplainedMesh = 'istio' | 'linkerd' | 'osm';

export interface UsedObject {
  readonly cluster: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  /** The rule read: index into a VirtualService's spec.http or an HTTPRoute's spec.rules. */
  readonly routeIndex?: number;
}

export interface Backend {
  /** The host name the client's proxy sends to (a Service's cluster-local name, or a federated host). */
  readonly host: string;
  /** The share of the requests, in percent. */
  readonly weight: number;
  /** The weight as the object writes it, when that is not a percentage (Linkerd's and SMI's relative weights). */
  readonly objectWeight?: number;
  readonly port?: number;
  readonly subset?: string;
  /** Labels of the subset, from the DestinationRule of the host. */
  readonly subsetLabels?: Readonly<Record<string, string>>;
  /** The Destination the host resolves to, and its cluster; absent when none does. */
  readonly destination?: string;
  readonly cluster?: string;
  readonly via: 'local' | 'federation' | 'unknown';
}

export interface RouteAnswer {
  /** Istio: the VirtualService of the route (also in routeObject). */
  readonly virtualService?: UsedObject;
  /** The object that routes the request: a VirtualService, an HTTPRoute, a TrafficSplit. */
  readonly routeObject?: UsedObject;
  /** Index of the rule taken (spec.http, spec.rules); absent when no routing object applies (default route). */
  readonly routeIndex?: number;
  /** Why this route: the match entry that matched, or that the route matches every request. */
  readonly reason: string;
  /** TrafficPolicies (namespace/name) that put this route there, from the parents annotation. */
  readonly trafficPolicies: readonly string[];
  readonly timeout?: string;
  readonly retries?: unknown;
  readonly fault?: unknown;
  readonly mirror?: unknown;
  readonly backends: readonly Backend[];
}

export interface AccessAnswer {
  readonly decision: 'ALLOW' | 'DENY' | 'UNKNOWN';
  readonly reason: string;
  /** AccessPolicies (namespace/name) whose generated object allows the request; empty when none does. */
  readonly allowedBy: readonly string[];
  /** The object that decided (the matching DENY, the matching ALLOW, the allowing policy), when one did. */
  readonly decidedBy?: UsedObject;
}

export interface Explanation {
  /** The mesh of the Destination, whose semantics the answer follows. */
  readonly mesh: ExplainedMesh;
  readonly request: HypotheticalRequest;
  readonly source?: {
    readonly workload: string;
    readonly cluster: string;
    readonly namespace: string;
    /** The identity the mesh gives the source (Istio principal, Linkerd identity, OSM service account). */
    readonly principal: string;
    readonly labels: Readonly<Record<string, string>>;
  };
  readonly destination: { readonly name: string; readonly cluster: string; readonly host: string };
  /** The cluster whose proxy routes the request (the source's, else the destination's). */
  readonly clientCluster: string;
  readonly route: RouteAnswer | { readonly error: string };
  readonly access: AccessAnswer;
  /** Every object the answer read. */
  readonly used: readonly UsedObject[];
  readonly notes: readonly string[];
}

export class ExplainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExplainError';
  }
}
