// The input snapshot: everything of every registered cluster plus the management-plane config.
// Built once (from files by `meshctl render`, from watch caches by the controller) and never mutated.
import type { KubeObject } from '../api/meta.ts';
import type { RootCertificateEntry } from '../certs/issued-certificates.ts';

export interface SourcePosition {
  /** File the object was read from, relative to the input root; absent for objects read from a cluster. */
  readonly file?: string;
  /** Zero-based index of the YAML document in that file (items of a `kind: List` share it). */
  readonly document?: number;
}

export interface InputObject {
  readonly object: KubeObject;
  readonly source: SourcePosition;
}

export interface InputSnapshot {
  /** Namespace of the management cluster where Mesh Hub's own objects live (`gloo-mesh` by default). */
  readonly installNamespace: string;
  /** Objects on the management cluster: VirtualMesh, TrafficPolicy, AccessPolicy, Settings, … */
  readonly mgmt: readonly InputObject[];
  /** Objects read from each registered cluster, by cluster name. Iterate in sorted name order. */
  readonly clusters: ReadonlyMap<string, readonly InputObject[]>;
  /**
   * Root CA certificates of VirtualMeshes as the caller read them from the management cluster
   * (Secret `namespace/name` → root-cert.pem). Absent in `meshctl render` (Secrets are not part of
   * its input); the management plane passes them so a new root re-issues every intermediate.
   */
  readonly rootCertificates?: ReadonlyMap<string, RootCertificateEntry>;
}

/** Something worth telling the user that is not an error on a particular policy. */
export interface Warning {
  readonly cluster?: string;
  /** e.g. `Deployment bookinfo/reviews-v1`. */
  readonly object: string;
  readonly source?: SourcePosition;
  readonly message: string;
}

export function describeObject(object: KubeObject): string {
  const ns = object.metadata.namespace;
  return `${object.kind} ${ns === undefined ? '' : `${ns}/`}${object.metadata.name}`;
}
