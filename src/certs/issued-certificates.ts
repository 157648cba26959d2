// Shared trust, the management plane's half: for each Istio member Mesh of a VirtualMesh with
// `mtlsConfig.shared`, the IssuedCertificate to write to the Mesh's cluster (and, with
// `autoRestartPods`, the PodBounceDirective it names), plus the root CA the issuer signs with.
// Pure: the caller supplies what it knows of the root Secrets; nothing here reads a clock or a key.
//
// Placement and names follow Gloo Mesh 1.x: the IssuedCertificate and PodBounceDirective are named
// after the Mesh, in the cert agent's namespace (the Mesh's agentInfo, else the install namespace);
// a generated root lives in the Secret `<virtual mesh>.<namespace>` in the install namespace.
import { createHash } from 'node:crypto';
import { issuedCertificateKind } from '../api/certificates/v1/issued-certificate.ts';
import type { IssuedCertificateSpec } from '../api/certificates/v1/issued-certificate.ts';
import { podBounceDirectiveKind } from '../api/certificates/v1/pod-bounce-directive.ts';
import type { destinationKind } from '../api/discovery/v1/destination.ts';
import type { meshKind } from '../api/discovery/v1/mesh.ts';
import type { workloadKind } from '../api/discovery/v1/workload.ts';
import { apiVersionOf, type Resource } from '../api/kind.ts';
import { OWNER_LABEL, PARENTS_ANNOTATION } from '../api/labels.ts';
import type { KubeObject } from '../api/meta.ts';
import type { virtualMeshKind } from '../api/networking/v1/virtual-mesh.ts';
import {
  DEFAULT_INTERMEDIATE_ORG,
  DEFAULT_ROOT_ORG,
  INPUTS_HASH_ANNOTATION,
  ISTIO_CA_SECRET_NAME,
  ISTIO_ROOT_CERT_CONFIGMAP,
  resolveCertOptions,
  SECRET_KEYS,
  spiffeId,
  type ResolvedCertOptions,
} from './cert-defaults.ts';

type Mesh = Resource<typeof meshKind>;
type Workload = Resource<typeof workloadKind>;
type VirtualMesh = Resource<typeof virtualMeshKind>;
/** Only the gateway facts are read from a Destination. */
type Destination = Resource<typeof destinationKind>;

const DEFAULT_TRUST_DOMAIN = 'cluster.local';
const DEFAULT_ISTIO_NAMESPACE = 'istio-system';
/** Upstream's fallback when discovery did not learn istiod's service account. */
const DEFAULT_ISTIOD_SERVICE_ACCOUNT = 'istio-citadel';

export interface SecretRef {
  readonly name: string;
  readonly namespace: string;
}

/** The root CA of a VirtualMesh, on the management cluster. */
export type RootCertificateAuthority =
  | { readonly source: 'generated'; readonly secret: SecretRef; readonly options: ResolvedCertOptions }
  | { readonly source: 'secret'; readonly secret: SecretRef };

/**
 * A root Secret that exists but cannot be used (its root-cert.pem does not parse, its key.pem does
 * not match): why, naming the Secret and the key, never their content.
 */
export interface UnusableRoot {
  readonly unusable: string;
}

/** What the caller read of one root Secret: its root-cert.pem, or why it cannot be used. */
/** A root whose rotation is being distributed (root-roll.ts): said on every member until it switches. */
export interface RollingRoot {
  readonly certificatePem: string;
  readonly rolling: string;
}

export type RootCertificateEntry = string | UnusableRoot | RollingRoot;

export interface TrustInput {
  readonly installNamespace: string;
  readonly virtualMesh: VirtualMesh;
  /** The VirtualMesh's accepted Istio members (see networking's membership rules). */
  readonly members: readonly Mesh[];
  /** Workloads of the estate; those of each member Mesh are restarted by its PodBounceDirective. */
  readonly workloads: readonly Workload[];
  /** Gateway Destinations per Mesh key (`namespace/name`), restarted after istiod (east-west gateways). */
  readonly gatewayDestinations?: ReadonlyMap<string, readonly Destination[]>;
  /**
   * The root certificates the caller can read (`namespace/name` of the Secret → its root-cert.pem).
   * Undefined: unknown (`meshctl render`), the IssuedCertificates are written from the spec alone.
   * A map: authoritative; a root missing from it holds the IssuedCertificates back, and a root's
   * content goes into the inputs hash, so a new root re-issues every intermediate. An unusable root
   * holds them back too, with its reason as the error of every member of the VirtualMeshes naming it.
   */
  readonly rootCertificates?: ReadonlyMap<string, RootCertificateEntry>;
}

export interface MeshTrust {
  readonly mesh: Mesh;
  readonly cluster: string;
  /** The IssuedCertificate and PodBounceDirective to write to the Mesh's cluster; empty when held back. */
  readonly objects: readonly KubeObject[];
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

export interface DesiredTrust {
  /** Undefined when the VirtualMesh asks for no shared trust (or its root is not usable). */
  readonly root: RootCertificateAuthority | undefined;
  readonly meshes: readonly MeshTrust[];
}

export function secretKey(ref: SecretRef): string {
  return `${ref.namespace}/${ref.name}`;
}

/** The root CA a VirtualMesh's shared trust names, or why it names none. */
export function rootCertificateAuthority(
  virtualMesh: VirtualMesh,
  installNamespace: string,
): RootCertificateAuthority | string | undefined {
  const shared = virtualMesh.spec.mtlsConfig?.shared;
  if (shared === undefined) return undefined;
  const root = shared.rootCertificateAuthority;
  if (root === undefined) {
    return shared.intermediateCertificateAuthority === undefined
      ? 'spec.mtlsConfig.shared: set rootCertificateAuthority (generated or secret)'
      : 'spec.mtlsConfig.shared.intermediateCertificateAuthority: not supported';
  }
  if (root.secret !== undefined) {
    return {
      source: 'secret',
      secret: {
        name: root.secret.name,
        namespace: root.secret.namespace ?? virtualMesh.metadata.namespace ?? installNamespace,
      },
    };
  }
  if (root.generated !== undefined) {
    return {
      source: 'generated',
      secret: {
        name: `${virtualMesh.metadata.name}.${virtualMesh.metadata.namespace ?? installNamespace}`,
        namespace: installNamespace,
      },
      options: resolveCertOptions(root.generated, DEFAULT_ROOT_ORG),
    };
  }
  return 'spec.mtlsConfig.shared.rootCertificateAuthority: set generated or secret';
}

/** Canonical JSON (sorted keys) for hashing. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

/** The hash of what an intermediate is issued from: its spec and, when known, the root certificate. */
export function inputsHash(spec: IssuedCertificateSpec, rootCertificate: string | undefined): string {
  return createHash('sha256')
    .update(canonical({ spec, root: rootCertificate === undefined ? null : rootCertificate.trim() }))
    .digest('hex')
    .slice(0, 32);
}

interface PodSelector {
  namespace: string;
  labels: Record<string, string>;
  waitForReplicas?: number;
  rootCertSync?: {
    secretRef: SecretRef;
    secretKey: string;
    configMapRef: SecretRef;
    configMapKey: string;
  };
}

/** Workloads by the key (`namespace/name`) of their Mesh, grouped in one pass. */
function workloadsByMesh(workloads: readonly Workload[]): Map<string, Workload[]> {
  const byMesh = new Map<string, Workload[]>();
  for (const workload of workloads) {
    const ref = workload.spec.mesh;
    if (ref === undefined) continue;
    const key = `${ref.namespace ?? ''}/${ref.name}`;
    const list = byMesh.get(key);
    if (list === undefined) byMesh.set(key, [workload]);
    else list.push(workload);
  }
  return byMesh;
}

/** Pod selectors sorted by namespace and labels, duplicates once, each key computed once. */
function sortedSelectors(
  list: readonly [string, Readonly<Record<string, string>>][],
): [string, Record<string, string>][] {
  const byKey = new Map<string, [string, Record<string, string>]>();
  for (const [namespace, labels] of list) {
    if (Object.keys(labels).length === 0) continue;
    const entries = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    // Namespace and label names cannot hold NUL: a cheap unambiguous key.
    const key = `${namespace}\u0000${entries.map(([k, v]) => `${k}\u0000${v}`).join('\u0000')}`;
    if (!byKey.has(key)) byKey.set(key, [namespace, Object.fromEntries(entries)]);
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, value]) => value);
}

/** istiod first (it must serve the new CA before proxies ask for certificates), then gateways, then workloads. */
function podsToBounce(
  mesh: Mesh,
  input: TrustInput,
  meshWorkloads: readonly Workload[],
  istioNamespace: string,
): PodSelector[] {
  const installation = mesh.spec.istio?.installation;
  const meshKey = `${mesh.metadata.namespace ?? ''}/${mesh.metadata.name}`;
  const rootCertSync = (namespace: string) => ({
    secretRef: { name: ISTIO_CA_SECRET_NAME, namespace: istioNamespace },
    secretKey: SECRET_KEYS.rootCert,
    // Restart only once istiod has copied the new root into the pods' namespace.
    configMapRef: { name: ISTIO_ROOT_CERT_CONFIGMAP, namespace },
    configMapKey: SECRET_KEYS.rootCert,
  });
  const first: PodSelector = {
    namespace: installation?.namespace ?? istioNamespace,
    labels: { ...(installation?.podLabels ?? {}) },
    waitForReplicas: 1,
  };
  const gateways: [string, Readonly<Record<string, string>>][] = [];
  for (const gateway of mesh.spec.istio?.ingressGateways ?? []) {
    gateways.push([gateway.namespace ?? istioNamespace, gateway.workloadLabels ?? {}]);
  }
  for (const destination of input.gatewayDestinations?.get(meshKey) ?? []) {
    const kube = destination.spec.kubeService;
    gateways.push([kube?.ref?.namespace ?? istioNamespace, kube?.workloadSelectorLabels ?? {}]);
  }
  const workloads: [string, Readonly<Record<string, string>>][] = [];
  for (const workload of meshWorkloads) {
    const kube = workload.spec.kubernetes;
    if (kube !== undefined) workloads.push([kube.controller?.namespace ?? 'default', kube.podLabels ?? {}]);
  }
  const seen = new Set<string>();
  const others: PodSelector[] = [];
  for (const [namespace, labels] of [...sortedSelectors(gateways), ...sortedSelectors(workloads)]) {
    const key = `${namespace}\u0000${Object.entries(labels).flat().join('\u0000')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    others.push({ namespace, labels, rootCertSync: rootCertSync(namespace) });
  }
  return [first, ...others];
}

function metadata(name: string, namespace: string, input: TrustInput, annotations: Record<string, string> = {}) {
  const parents = JSON.stringify({
    'networking.mesh.gloo.solo.io/v1, Kind=VirtualMesh': [
      { name: input.virtualMesh.metadata.name, namespace: input.virtualMesh.metadata.namespace ?? '' },
    ],
  });
  return {
    name,
    namespace,
    labels: { [OWNER_LABEL]: input.installNamespace },
    annotations: { [PARENTS_ANNOTATION]: parents, ...annotations },
  };
}

/**
 * Everything desiredIssuedCertificates reads of `input`, as a flat list of the objects themselves
 * (and the text of the one root entry it looks up): equal lists, item by item by identity, give the
 * same result, so a caller may keep an earlier one.
 */
export function trustReads(input: TrustInput): unknown[] {
  const root = rootCertificateAuthority(input.virtualMesh, input.installNamespace);
  const entry =
    input.rootCertificates === undefined || root === undefined || typeof root === 'string'
      ? undefined
      : JSON.stringify([input.rootCertificates.get(secretKey(root.secret)) ?? null]);
  const reads: unknown[] = [input.installNamespace, input.virtualMesh, input.rootCertificates === undefined, entry];
  reads.push(input.members.length, ...input.members, input.workloads.length, ...input.workloads);
  for (const [key, destinations] of input.gatewayDestinations ?? [])
    reads.push(key, destinations.length, ...destinations);
  return reads;
}

/**
 * What shared trust needs for one VirtualMesh: per member Mesh, the IssuedCertificate (and
 * PodBounceDirective) for its cluster; and the root CA. A controller writes the objects to each
 * Mesh's cluster, makes sure a generated root exists first, and reports the errors per Mesh.
 */
export function desiredIssuedCertificates(input: TrustInput): DesiredTrust {
  const mtls = input.virtualMesh.spec.mtlsConfig;
  if (mtls?.shared === undefined) return { root: undefined, meshes: [] };
  const root = rootCertificateAuthority(input.virtualMesh, input.installNamespace);
  const cluster = (mesh: Mesh) => mesh.spec.istio?.installation?.cluster ?? '';
  if (root === undefined || typeof root === 'string') {
    const errors = root === undefined ? [] : [root];
    return {
      root: undefined,
      meshes: input.members.map((mesh) => ({ mesh, cluster: cluster(mesh), objects: [], errors, warnings: [] })),
    };
  }
  const entry = input.rootCertificates?.get(secretKey(root.secret));
  const rootCertificate =
    typeof entry === 'string' ? entry : entry !== undefined && 'rolling' in entry ? entry.certificatePem : undefined;
  const rolling = entry !== undefined && typeof entry !== 'string' && 'rolling' in entry ? [entry.rolling] : [];
  const missingRoot =
    entry !== undefined && typeof entry !== 'string' && 'unusable' in entry
      ? { error: `spec.mtlsConfig.shared.rootCertificateAuthority: ${entry.unusable}` }
      : input.rootCertificates !== undefined && rootCertificate === undefined
        ? root.source === 'generated'
          ? {
              warning: `waiting for the generated root CA (Secret ${secretKey(root.secret)} on the management cluster)`,
            }
          : {
              error: `spec.mtlsConfig.shared.rootCertificateAuthority.secret: Secret ${secretKey(root.secret)} not found on the management cluster`,
            }
        : undefined;
  const options = resolveCertOptions(mtls.shared.intermediateCertOptions, DEFAULT_INTERMEDIATE_ORG);
  const bounce = mtls.autoRestartPods === true;
  const byMesh = bounce ? workloadsByMesh(input.workloads) : new Map<string, Workload[]>();
  const meshes = input.members.map((mesh): MeshTrust => {
    const istio = mesh.spec.istio;
    if (istio === undefined) {
      return {
        mesh,
        cluster: cluster(mesh),
        objects: [],
        errors: ['only Istio meshes take part in shared trust'],
        warnings: [],
      };
    }
    if (missingRoot !== undefined) {
      return {
        mesh,
        cluster: cluster(mesh),
        objects: [],
        errors: 'error' in missingRoot ? [missingRoot.error] : [],
        warnings: 'warning' in missingRoot ? [missingRoot.warning] : [],
      };
    }
    const istioNamespace = istio.installation?.namespace ?? DEFAULT_ISTIO_NAMESPACE;
    const agentNamespace = mesh.spec.agentInfo?.agentNamespace ?? input.installNamespace;
    const name = mesh.metadata.name;
    const spec: IssuedCertificateSpec = {
      hosts: [
        spiffeId(
          istio.trustDomain === undefined || istio.trustDomain === '' ? DEFAULT_TRUST_DOMAIN : istio.trustDomain,
          istioNamespace,
          istio.istiodServiceAccount === undefined || istio.istiodServiceAccount === ''
            ? DEFAULT_ISTIOD_SERVICE_ACCOUNT
            : istio.istiodServiceAccount,
        ),
      ],
      // The deprecated top-level fields are set too, for agents that read only them (as upstream).
      org: options.orgName,
      signingCertificateSecret: { ...root.secret },
      issuedCertificateSecret: { name: ISTIO_CA_SECRET_NAME, namespace: istioNamespace },
      ...(bounce ? { podBounceDirective: { name, namespace: agentNamespace } } : {}),
      certOptions: { ...options },
      glooMeshCa: { signingCertificateSecret: { ...root.secret } },
    };
    const objects: KubeObject[] = [
      {
        apiVersion: apiVersionOf(issuedCertificateKind),
        kind: issuedCertificateKind.kind,
        metadata: metadata(name, agentNamespace, input, {
          [INPUTS_HASH_ANNOTATION]: inputsHash(spec, rootCertificate),
        }),
        spec,
      },
    ];
    if (bounce) {
      objects.push({
        apiVersion: apiVersionOf(podBounceDirectiveKind),
        kind: podBounceDirectiveKind.kind,
        metadata: metadata(name, agentNamespace, input),
        spec: {
          podsToBounce: podsToBounce(
            mesh,
            input,
            byMesh.get(`${mesh.metadata.namespace ?? ''}/${mesh.metadata.name}`) ?? [],
            istioNamespace,
          ),
        },
      });
    }
    return { mesh, cluster: cluster(mesh), objects, errors: [], warnings: rolling };
  });
  return { root, meshes };
}
