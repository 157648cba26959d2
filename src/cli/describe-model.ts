// What `meshctl describe` shows, computed from objects that were already read. Pure (no I/O), so every
// case is unit-tested without a cluster; commands/describe.ts reads the objects and prints the result.
import {
  DATAPLANE_MODE_LABEL,
  FEDERATION_ANNOTATION,
  PARENTS_ANNOTATION,
  TRUST_DOMAIN_ANNOTATION,
} from '../api/labels.ts';
import type { KubeObject } from '../api/meta.ts';
import { certificateExpiry, daysUntil, type Expiry } from '../certs/certificate-expiry.ts';
import type { SignedCertificates } from '../certs/signed-certificates.ts';
import type { MeshType } from '../networking/mesh-type.ts';
import { supportOfType } from '../networking/translate/support-matrix.ts';
import type { SupportLevel } from '../networking/translate/support.ts';
import {
  DestinationFields,
  ParentsAnnotation,
  MeshFields,
  PolicyFields,
  VirtualMeshFields,
  WorkloadFields,
  fields,
  type Approval,
  type Ref,
  type Selector,
} from './describe-fields.ts';
import type { DescribeKind } from './describe-kinds.ts';

export { DESCRIBE_KINDS, KIND_NAMES, parseDescribeKind, type DescribeKind } from './describe-kinds.ts';

export type PolicyKind = 'TrafficPolicy' | 'AccessPolicy';

/** The Kubernetes kind behind each `meshctl describe` argument. */
export const KIND_OF: Readonly<Record<DescribeKind, string>> = {
  destination: 'Destination',
  workload: 'Workload',
  mesh: 'Mesh',
  trafficpolicy: 'TrafficPolicy',
  accesspolicy: 'AccessPolicy',
  virtualmesh: 'VirtualMesh',
};

// ---------------------------------------------------------------------------------------------
// Keys and names

/** `name.namespace.`: how policy and VirtualMesh statuses name a Destination, Mesh or Workload. */
export function statusKeyOf(name: string, namespace: string): string {
  return `${name}.${namespace}.`;
}

/** The name and namespace in a status key (`reviews-bookinfo-cluster-1.gloo-mesh.`); discovered names hold no dots. */
export function parseStatusKey(key: string): { name: string; namespace: string } {
  const trimmed = key.endsWith('.') ? key.slice(0, -1) : key;
  const dot = trimmed.lastIndexOf('.');
  return dot === -1
    ? { name: trimmed, namespace: '' }
    : { name: trimmed.slice(0, dot), namespace: trimmed.slice(dot + 1) };
}

/** `ns/name` splits into both; a bare name keeps the default namespace. */
export function parseObjectArgument(argument: string, defaultNamespace: string): { name: string; namespace: string } {
  const slash = argument.indexOf('/');
  if (slash === -1) return { name: argument, namespace: defaultNamespace };
  return { namespace: argument.slice(0, slash), name: argument.slice(slash + 1) };
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Candidates close to what was typed: containing it (or contained in it), or a few edits away; closest first. */
export function nearMatches(wanted: string, candidates: readonly string[], limit = 5): string[] {
  const target = wanted.toLowerCase();
  const scored = [...new Set(candidates)].flatMap((candidate) => {
    const lower = candidate.toLowerCase();
    const bare = lower.includes('/') ? lower.slice(lower.indexOf('/') + 1) : lower;
    const distance = Math.min(levenshtein(target, lower), levenshtein(target, bare));
    const contains = lower.includes(target) || (bare.length >= 3 && target.includes(bare));
    if (!contains && distance > Math.max(2, Math.floor(target.length / 3))) return [];
    return [{ candidate, score: contains ? 0 : distance }];
  });
  scored.sort((a, b) => a.score - b.score || (a.candidate < b.candidate ? -1 : a.candidate > b.candidate ? 1 : 0));
  return scored.slice(0, limit).map((s) => s.candidate);
}

/** The one-line message for a NAME that does not exist, with near matches when there are any. */
export function notFoundMessage(
  kind: string,
  wanted: { name: string; namespace: string },
  candidates: readonly string[],
  scope: string,
): string {
  const base = `${kind} ${wanted.namespace}/${wanted.name} not found`;
  if (candidates.length === 0) return `${base}: there is no ${kind} ${scope}`;
  const near = nearMatches(wanted.name, candidates);
  if (near.length === 0) return `${base} (${candidates.length} ${kind} objects ${scope}; none has a similar name)`;
  return `${base}; did you mean: ${near.join(', ')}?`;
}

// ---------------------------------------------------------------------------------------------
// Objects written to registered clusters

/**
 * Why an object in a registered cluster belongs to what is described: it federates the Destination
 * (federation annotation), names it in its parents annotation, or — written without one — takes its
 * Service's name and namespace in its cluster.
 */
export type OutputRelation = 'parent' | 'federated' | 'translated';

export interface WrittenObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly relation: OutputRelation;
}

/** The owner-labelled objects read from one registered cluster (or why they could not be read). */
export interface ClusterReading {
  readonly cluster: string;
  readonly reachable: boolean;
  readonly error?: string;
  readonly objects: readonly KubeObject[];
  /** What its CertificateRequests' statuses say of the certificates signed (read for shared trust only). */
  readonly signedCertificates?: SignedCertificates;
}

export interface ClusterOutputs {
  readonly cluster: string;
  readonly reachable: boolean;
  readonly error?: string;
  readonly objects: readonly WrittenObject[];
}

/** The parents annotation as `Kind → refs`; an unreadable annotation names no parent. */
export function parentsOf(object: KubeObject): Map<string, Ref[]> {
  const text = object.metadata.annotations?.[PARENTS_ANNOTATION];
  const result = new Map<string, Ref[]>();
  if (text === undefined) return result;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return result;
  }
  const parsed = ParentsAnnotation.safeParse(json);
  if (!parsed.success) return result;
  for (const [gvk, refs] of Object.entries(parsed.data)) {
    // Keys look like `discovery.mesh.gloo.solo.io/v1, Kind=Destination`.
    const kind = /Kind=(\w+)$/.exec(gvk)?.[1];
    if (kind !== undefined) result.set(kind, [...(result.get(kind) ?? []), ...refs]);
  }
  return result;
}

function namesParent(object: KubeObject, kind: string, name: string, namespace: string): boolean {
  return (parentsOf(object).get(kind) ?? []).some((ref) => ref.name === name && (ref.namespace ?? '') === namespace);
}

export interface DestinationIdentity {
  readonly name: string;
  readonly namespace: string;
  readonly cluster?: string | undefined;
  readonly service?: { readonly name: string; readonly namespace: string } | undefined;
}

/** How an object Mesh Hub wrote to `cluster` relates to a Destination, if it does. */
export function relationToDestination(
  object: KubeObject,
  cluster: string,
  destination: DestinationIdentity,
): OutputRelation | undefined {
  const service = destination.service;
  const federation = object.metadata.annotations?.[FEDERATION_ANNOTATION];
  if (federation !== undefined) {
    // Gloo Mesh keys a federated Service as `<name>.<namespace>.<cluster>`; a Destination's own key is accepted too.
    const keys = [
      ...(service === undefined || destination.cluster === undefined
        ? []
        : [`${service.name}.${service.namespace}.${destination.cluster}`]),
      statusKeyOf(destination.name, destination.namespace),
      `${destination.namespace}/${destination.name}`,
    ];
    if (keys.includes(federation)) return 'federated';
  }
  if (namesParent(object, 'Destination', destination.name, destination.namespace)) return 'parent';
  if (
    service !== undefined &&
    cluster === destination.cluster &&
    object.metadata.name === service.name &&
    object.metadata.namespace === service.namespace
  ) {
    return 'translated';
  }
  return undefined;
}

function writtenObject(object: KubeObject, relation: OutputRelation): WrittenObject {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    namespace: object.metadata.namespace ?? '',
    name: object.metadata.name,
    relation,
  };
}

function compareWritten(a: WrittenObject, b: WrittenObject): number {
  const ka = `${a.kind}/${a.namespace}/${a.name}`;
  const kb = `${b.kind}/${b.namespace}/${b.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function filterOutputs(
  readings: readonly ClusterReading[],
  relation: (object: KubeObject, cluster: string) => OutputRelation | undefined,
): ClusterOutputs[] {
  return [...readings]
    .sort((a, b) => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0))
    .map((reading) => ({
      cluster: reading.cluster,
      reachable: reading.reachable,
      ...(reading.error === undefined ? {} : { error: reading.error }),
      objects: reading.objects
        .flatMap((object) => {
          const found = relation(object, reading.cluster);
          return found === undefined ? [] : [writtenObject(object, found)];
        })
        .sort(compareWritten),
    }));
}

// ---------------------------------------------------------------------------------------------
// Policies

export type PolicyOutcome = 'applied' | 'rejected' | 'pending';

export interface PolicyOnDestination {
  readonly kind: PolicyKind;
  readonly name: string;
  readonly namespace: string;
  readonly state: string;
  readonly acceptanceOrder?: number;
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
  /** False when the policy changed after its status was written (the management plane has not caught up). */
  readonly statusCurrent: boolean;
}

function outcomeOf(state: string): PolicyOutcome {
  if (state === 'ACCEPTED') return 'applied';
  if (state === 'INVALID' || state === 'FAILED') return 'rejected';
  return 'pending';
}

function isStatusCurrent(object: KubeObject, status: { observedGeneration?: number | undefined } | undefined): boolean {
  const generation = object.metadata.generation;
  return generation === undefined || status?.observedGeneration === generation;
}

function refMatchesService(
  ref: Ref,
  cluster: string | undefined,
  service: { name: string; namespace: string },
): boolean {
  return ref.name === service.name && ref.namespace === service.namespace && ref.clusterName === cluster;
}

function policyKindOf(object: KubeObject): PolicyKind | undefined {
  return object.kind === 'TrafficPolicy' || object.kind === 'AccessPolicy' ? object.kind : undefined;
}

/**
 * Every policy with something to say about a Destination: its own status entry for it, the Destination's
 * list of applied policies, or — for a policy rejected as a whole — a selector that names its Service.
 */
export function policiesOnDestination(
  destination: KubeObject,
  policies: readonly KubeObject[],
): Record<PolicyOutcome, PolicyOnDestination[]> {
  const parsed = fields(DestinationFields, destination);
  const key = statusKeyOf(destination.metadata.name, destination.metadata.namespace ?? '');
  const service = parsed.spec?.kubeService?.ref;
  const cluster = service?.clusterName;
  const found = new Map<string, PolicyOnDestination>();
  const id = (kind: string, namespace: string, name: string) => `${kind}/${namespace}/${name}`;

  const applied: [PolicyKind, { ref?: Ref | undefined }[] | undefined][] = [
    ['TrafficPolicy', parsed.status?.appliedTrafficPolicies],
    ['AccessPolicy', parsed.status?.appliedAccessPolicies],
  ];
  for (const [kind, list] of applied) {
    for (const entry of list ?? []) {
      if (entry.ref === undefined) continue;
      const namespace = entry.ref.namespace ?? '';
      found.set(id(kind, namespace, entry.ref.name), {
        kind,
        name: entry.ref.name,
        namespace,
        state: 'ACCEPTED',
        errors: [],
        warnings: [],
        statusCurrent: true,
      });
    }
  }
  for (const policy of policies) {
    const kind = policyKindOf(policy);
    if (kind === undefined) continue;
    const p = fields(PolicyFields, policy);
    const namespace = policy.metadata.namespace ?? '';
    const statusCurrent = isStatusCurrent(policy, p.status);
    const entry: Approval | undefined = p.status?.destinations?.[key];
    if (entry !== undefined) {
      found.set(id(kind, namespace, policy.metadata.name), {
        kind,
        name: policy.metadata.name,
        namespace,
        state: entry.state ?? 'PENDING',
        ...(entry.acceptanceOrder === undefined ? {} : { acceptanceOrder: entry.acceptanceOrder }),
        errors: entry.errors ?? [],
        warnings: entry.warnings ?? [],
        statusCurrent,
      });
      continue;
    }
    if (found.has(id(kind, namespace, policy.metadata.name)) || service === undefined) continue;
    // No entry for this Destination: the policy may still name its Service and have failed as a whole.
    const named = (p.spec?.destinationSelector ?? []).some((selector) =>
      (selector.kubeServiceRefs?.services ?? []).some((ref) =>
        refMatchesService(ref, cluster, { name: service.name, namespace: service.namespace ?? '' }),
      ),
    );
    if (!named) continue;
    const state = p.status?.state ?? 'PENDING';
    if (state === 'ACCEPTED') continue; // accepted, yet with no entry for it: it does not apply here
    found.set(id(kind, namespace, policy.metadata.name), {
      kind,
      name: policy.metadata.name,
      namespace,
      state,
      errors:
        p.status?.errors ??
        (p.status === undefined ? ['no status yet: the management plane has not processed it'] : []),
      warnings: [],
      statusCurrent,
    });
  }
  const result: Record<PolicyOutcome, PolicyOnDestination[]> = { applied: [], rejected: [], pending: [] };
  const sorted = [...found.values()].sort((a, b) => {
    const ka = `${a.kind}/${a.namespace}/${a.name}`;
    const kb = `${b.kind}/${b.namespace}/${b.name}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  for (const policy of sorted) result[outcomeOf(policy.state)].push(policy);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Descriptions

export interface PortDescription {
  readonly port?: number;
  readonly name?: string;
  readonly protocol?: string;
  readonly targetPort?: string;
}

export interface DestinationDescription {
  readonly kind: 'Destination';
  readonly name: string;
  readonly namespace: string;
  readonly cluster?: string;
  readonly service?: { readonly name: string; readonly namespace: string };
  readonly externalService?: string;
  readonly mesh?: string;
  readonly hostname?: string;
  readonly serviceType?: string;
  readonly ports: readonly PortDescription[];
  readonly workloadSelectorLabels: Readonly<Record<string, string>>;
  readonly subsets: Readonly<Record<string, readonly string[]>>;
  readonly federation?: {
    readonly hostname?: string;
    readonly meshes: readonly string[];
    readonly virtualMesh?: string;
  };
  readonly policies: Record<PolicyOutcome, PolicyOnDestination[]>;
  readonly outputs: readonly ClusterOutputs[];
}

function refText(ref: Ref | undefined): string | undefined {
  if (ref === undefined) return undefined;
  return ref.namespace === undefined || ref.namespace === '' ? ref.name : `${ref.namespace}/${ref.name}`;
}

export function describeDestination(
  destination: KubeObject,
  policies: readonly KubeObject[],
  readings: readonly ClusterReading[],
): DestinationDescription {
  const parsed = fields(DestinationFields, destination);
  const kubeService = parsed.spec?.kubeService;
  const ref = kubeService?.ref;
  const service = ref === undefined ? undefined : { name: ref.name, namespace: ref.namespace ?? '' };
  const cluster = ref?.clusterName;
  const identity: DestinationIdentity = {
    name: destination.metadata.name,
    namespace: destination.metadata.namespace ?? '',
    cluster,
    service,
  };
  const federation = parsed.status?.appliedFederation;
  const mesh = refText(parsed.spec?.mesh);
  const virtualMesh = refText(federation?.virtualMeshRef);
  const external = parsed.spec?.externalService;
  return {
    kind: 'Destination',
    name: identity.name,
    namespace: identity.namespace,
    ...(cluster === undefined ? {} : { cluster }),
    ...(service === undefined ? {} : { service }),
    ...(external === undefined ? {} : { externalService: external.name ?? (external.hosts ?? []).join(',') }),
    ...(mesh === undefined ? {} : { mesh }),
    ...(parsed.status?.localFqdn === undefined ? {} : { hostname: parsed.status.localFqdn }),
    ...(kubeService?.serviceType === undefined ? {} : { serviceType: kubeService.serviceType }),
    ports: (kubeService?.ports ?? []).map((port) => {
      const target =
        port.targetPortName ?? (port.targetPortNumber === undefined ? undefined : String(port.targetPortNumber));
      return {
        ...(port.port === undefined ? {} : { port: port.port }),
        ...(port.name === undefined ? {} : { name: port.name }),
        ...(port.protocol === undefined ? {} : { protocol: port.protocol }),
        ...(target === undefined ? {} : { targetPort: target }),
      };
    }),
    workloadSelectorLabels: kubeService?.workloadSelectorLabels ?? {},
    subsets: Object.fromEntries(
      Object.entries(kubeService?.subsets ?? {}).map(([label, subset]) => [label, subset.values ?? []]),
    ),
    ...(federation === undefined
      ? {}
      : {
          federation: {
            ...(federation.federatedHostname === undefined ? {} : { hostname: federation.federatedHostname }),
            meshes: (federation.federatedToMeshes ?? []).map((m) => refText(m) ?? m.name),
            ...(virtualMesh === undefined ? {} : { virtualMesh }),
          },
        }),
    policies: policiesOnDestination(destination, policies),
    outputs: filterOutputs(readings, (object, objectCluster) => relationToDestination(object, objectCluster, identity)),
  };
}

export interface DestinationResult {
  /** The Destination's name (its status key parsed). */
  readonly destination: string;
  readonly namespace: string;
  readonly cluster?: string;
  readonly service?: string;
  readonly state: string;
  readonly acceptanceOrder?: number;
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

export interface PolicyDescription {
  readonly kind: PolicyKind;
  readonly name: string;
  readonly namespace: string;
  readonly generation?: number;
  readonly observedGeneration?: number;
  readonly statusCurrent: boolean;
  readonly state: string;
  readonly errors: readonly string[];
  readonly destinationSelectors: readonly string[];
  readonly sourceSelectors: readonly string[];
  readonly destinations: readonly DestinationResult[];
  /** Status keys of the selected source Workloads; `*` is every Workload. */
  readonly workloads: readonly string[];
  readonly outputs: readonly ClusterOutputs[];
}

export function labelsText(labels: Readonly<Record<string, string>> | undefined): string {
  return Object.entries(labels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

function matcherText(
  what: string,
  matcher: {
    labels?: Record<string, string> | undefined;
    namespaces?: string[] | undefined;
    clusters?: string[] | undefined;
  },
): string {
  const parts = [what];
  const labels = labelsText(matcher.labels);
  if (labels !== '') parts.push(`with labels ${labels}`);
  if ((matcher.namespaces ?? []).length > 0) parts.push(`in namespaces ${(matcher.namespaces ?? []).join(',')}`);
  if ((matcher.clusters ?? []).length > 0) parts.push(`in clusters ${(matcher.clusters ?? []).join(',')}`);
  return parts.length === 1 ? `every ${what.replace(/s$/, '')}` : parts.join(' ');
}

function clusterRefText(ref: Ref): string {
  return `${ref.namespace ?? '?'}/${ref.name} in ${ref.clusterName ?? '(no cluster)'}`;
}

/** One line per selector, as a person would say it. */
export function selectorLines(selectors: readonly Selector[] | undefined, everything: string): string[] {
  if (selectors === undefined || selectors.length === 0) return [everything];
  return selectors.flatMap((selector) => {
    const lines: string[] = [];
    for (const ref of selector.kubeServiceRefs?.services ?? []) lines.push(`Service ${clusterRefText(ref)}`);
    if (selector.kubeServiceMatcher !== undefined) lines.push(matcherText('Services', selector.kubeServiceMatcher));
    if (selector.kubeWorkloadMatcher !== undefined) lines.push(matcherText('Workloads', selector.kubeWorkloadMatcher));
    if (selector.kubeIdentityMatcher !== undefined) lines.push(matcherText('identities', selector.kubeIdentityMatcher));
    for (const ref of selector.kubeServiceAccountRefs?.serviceAccounts ?? [])
      lines.push(`ServiceAccount ${clusterRefText(ref)}`);
    return lines.length === 0 ? ['(empty selector)'] : lines;
  });
}

/**
 * A TrafficPolicy or AccessPolicy: its state and errors, each selected Destination (looked up in
 * `destinations` for its cluster and Service) with its own state, the source Workloads, and the objects
 * in registered clusters that name it as a parent.
 */
export function describePolicy(
  policy: KubeObject,
  destinations: readonly KubeObject[],
  readings: readonly ClusterReading[],
): PolicyDescription {
  const kind = policyKindOf(policy);
  if (kind === undefined) throw new Error(`describePolicy called with a ${policy.kind}`);
  const p = fields(PolicyFields, policy);
  const byKey = new Map(
    destinations.map((d) => [statusKeyOf(d.metadata.name, d.metadata.namespace ?? ''), d] as const),
  );
  const namespace = policy.metadata.namespace ?? '';
  const results = Object.entries(p.status?.destinations ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, entry]): DestinationResult => {
      const { name, namespace: destinationNamespace } = parseStatusKey(key);
      const found = byKey.get(key);
      const ref = found === undefined ? undefined : fields(DestinationFields, found).spec?.kubeService?.ref;
      return {
        destination: name,
        namespace: destinationNamespace,
        ...(ref?.clusterName === undefined ? {} : { cluster: ref.clusterName }),
        ...(ref === undefined ? {} : { service: `${ref.namespace ?? ''}/${ref.name}` }),
        state: entry.state ?? 'PENDING',
        ...(entry.acceptanceOrder === undefined ? {} : { acceptanceOrder: entry.acceptanceOrder }),
        errors: entry.errors ?? [],
        warnings: entry.warnings ?? [],
      };
    });
  const generation = policy.metadata.generation;
  const observed = p.status?.observedGeneration;
  return {
    kind,
    name: policy.metadata.name,
    namespace,
    ...(generation === undefined ? {} : { generation }),
    ...(observed === undefined ? {} : { observedGeneration: observed }),
    statusCurrent: isStatusCurrent(policy, p.status),
    state: p.status?.state ?? 'PENDING',
    errors: p.status?.errors ?? [],
    destinationSelectors: selectorLines(p.spec?.destinationSelector, 'every Destination'),
    sourceSelectors: selectorLines(p.spec?.sourceSelector, kind === 'TrafficPolicy' ? 'every Workload' : 'no source'),
    destinations: results,
    workloads: p.status?.workloads ?? [],
    outputs: filterOutputs(readings, (object) =>
      namesParent(object, kind, policy.metadata.name, namespace) ? 'parent' : undefined,
    ),
  };
}

/** The install namespaces a policy's status points at (where its Destinations, and the registrations, live). */
export function installNamespacesOfPolicy(policy: KubeObject): string[] {
  const keys = Object.keys(fields(PolicyFields, policy).status?.destinations ?? {});
  return [...new Set(keys.map((key) => parseStatusKey(key).namespace))].filter((ns) => ns !== '').sort();
}

export interface WorkloadDescription {
  readonly kind: 'Workload';
  readonly name: string;
  readonly namespace: string;
  readonly cluster?: string;
  readonly controller?: string;
  readonly controllerKind?: string;
  readonly mesh?: string;
  readonly serviceAccount?: string;
  readonly dataplaneMode?: string;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly observedGeneration?: number;
  /** Destinations whose Service selects this Workload's pods. */
  readonly destinations: readonly string[];
  /** Policies that name it among their source Workloads (`allWorkloads`: through `*`). */
  readonly sourceOf: readonly { kind: PolicyKind; name: string; namespace: string; allWorkloads: boolean }[];
}

function selects(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

export function describeWorkload(
  workload: KubeObject,
  destinations: readonly KubeObject[],
  policies: readonly KubeObject[],
): WorkloadDescription {
  const parsed = fields(WorkloadFields, workload);
  const kubernetes = parsed.spec?.kubernetes;
  const controller = kubernetes?.controller;
  const podLabels = kubernetes?.podLabels ?? {};
  const key = statusKeyOf(workload.metadata.name, workload.metadata.namespace ?? '');
  const suffix = /-(deployment|statefulset|daemonset)$/.exec(workload.metadata.name)?.[1];
  const controllerKind =
    suffix === undefined
      ? undefined
      : { deployment: 'Deployment', statefulset: 'StatefulSet', daemonset: 'DaemonSet' }[suffix as 'deployment'];
  const mesh = refText(parsed.spec?.mesh);
  const mode = workload.metadata.labels?.[DATAPLANE_MODE_LABEL];
  const selecting = destinations
    .filter((d) => {
      const ks = fields(DestinationFields, d).spec?.kubeService;
      return (
        ks?.ref?.clusterName === controller?.clusterName &&
        ks?.ref?.namespace === controller?.namespace &&
        selects(ks?.workloadSelectorLabels ?? {}, podLabels)
      );
    })
    .map((d) => d.metadata.name)
    .sort();
  const sourceOf = policies
    .flatMap((policy) => {
      const kind = policyKindOf(policy);
      const listed = fields(PolicyFields, policy).status?.workloads ?? [];
      if (kind === undefined || !(listed.includes(key) || listed.includes('*'))) return [];
      return [
        {
          kind,
          name: policy.metadata.name,
          namespace: policy.metadata.namespace ?? '',
          allWorkloads: !listed.includes(key),
        },
      ];
    })
    .sort((a, b) => {
      const ka = `${a.kind}/${a.namespace}/${a.name}`;
      const kb = `${b.kind}/${b.namespace}/${b.name}`;
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
  return {
    kind: 'Workload',
    name: workload.metadata.name,
    namespace: workload.metadata.namespace ?? '',
    ...(controller?.clusterName === undefined ? {} : { cluster: controller.clusterName }),
    ...(controller === undefined ? {} : { controller: `${controller.namespace ?? ''}/${controller.name}` }),
    ...(controllerKind === undefined ? {} : { controllerKind }),
    ...(mesh === undefined ? {} : { mesh }),
    ...(kubernetes?.serviceAccountName === undefined ? {} : { serviceAccount: kubernetes.serviceAccountName }),
    ...(mode === undefined ? {} : { dataplaneMode: mode }),
    podLabels,
    ...(parsed.status?.observedGeneration === undefined
      ? {}
      : { observedGeneration: parsed.status.observedGeneration }),
    destinations: selecting,
    sourceOf,
  };
}

export interface MeshDescription {
  readonly kind: 'Mesh';
  readonly name: string;
  readonly namespace: string;
  readonly type: string;
  readonly cluster?: string;
  readonly installationNamespace?: string;
  readonly version?: string;
  readonly trustDomain?: string;
  readonly ingressGateways: readonly string[];
  readonly virtualMesh?: string;
  readonly virtualDestinations: readonly string[];
  readonly observedGeneration?: number;
  readonly workloads: readonly string[];
  readonly destinations: readonly string[];
  /** What Mesh Hub configures in a mesh of this type, feature by feature (the support matrix's column). */
  readonly support: readonly { readonly feature: string; readonly level: SupportLevel; readonly how: string }[];
}

const MESH_TYPE_OF_FIELD: Readonly<Record<'istio' | 'linkerd' | 'osm' | 'consulConnect' | 'awsAppMesh', MeshType>> = {
  istio: 'istio',
  linkerd: 'linkerd',
  osm: 'osm',
  consulConnect: 'consul-connect',
  awsAppMesh: 'aws-app-mesh',
};

export function describeMesh(
  mesh: KubeObject,
  workloads: readonly KubeObject[],
  destinations: readonly KubeObject[],
): MeshDescription {
  const parsed = fields(MeshFields, mesh);
  const spec = parsed.spec ?? {};
  const type =
    (['istio', 'linkerd', 'osm', 'consulConnect', 'awsAppMesh'] as const).find((t) => spec[t] !== undefined) ??
    'unknown';
  const installation =
    spec.istio?.installation ??
    spec.linkerd?.installation ??
    spec.osm?.installation ??
    spec.consulConnect?.installation;
  const trustDomain = spec.istio?.trustDomain ?? mesh.metadata.annotations?.[TRUST_DOMAIN_ANNOTATION];
  const ownRef = (ref: Ref | undefined) =>
    ref !== undefined &&
    ref.name === mesh.metadata.name &&
    (ref.namespace ?? mesh.metadata.namespace) === mesh.metadata.namespace;
  const virtualMesh = refText(parsed.status?.appliedVirtualMesh?.ref);
  return {
    kind: 'Mesh',
    name: mesh.metadata.name,
    namespace: mesh.metadata.namespace ?? '',
    type,
    ...(installation?.cluster === undefined ? {} : { cluster: installation.cluster }),
    ...(installation?.namespace === undefined ? {} : { installationNamespace: installation.namespace }),
    ...(installation?.version === undefined ? {} : { version: installation.version }),
    ...(trustDomain === undefined ? {} : { trustDomain }),
    ingressGateways: (spec.istio?.ingressGateways ?? []).map(
      (g) =>
        `${g.namespace ?? ''}/${g.name ?? ''}${g.externalAddress === undefined ? '' : ` at ${g.externalAddress}${g.externalTlsPort === undefined ? '' : `:${g.externalTlsPort}`}`}`,
    ),
    ...(virtualMesh === undefined ? {} : { virtualMesh }),
    virtualDestinations: (parsed.status?.appliedVirtualDestinations ?? []).flatMap((v) => {
      const text = refText(v.ref);
      return text === undefined ? [] : [text];
    }),
    ...(parsed.status?.observedGeneration === undefined
      ? {}
      : { observedGeneration: parsed.status.observedGeneration }),
    workloads: workloads
      .filter((w) => ownRef(fields(WorkloadFields, w).spec?.mesh))
      .map((w) => w.metadata.name)
      .sort(),
    destinations: destinations
      .filter((d) => ownRef(fields(DestinationFields, d).spec?.mesh))
      .map((d) => d.metadata.name)
      .sort(),
    support:
      type === 'unknown'
        ? []
        : (supportOfType(MESH_TYPE_OF_FIELD[type]) ?? []).map((row) => ({
            feature: row.field,
            level: row.support.level,
            how: row.support.how,
          })),
  };
}

export interface ApprovalResult {
  readonly name: string;
  readonly state: string;
  readonly errors: readonly string[];
}

export interface VirtualMeshDescription {
  readonly kind: 'VirtualMesh';
  readonly name: string;
  readonly namespace: string;
  readonly meshes: readonly string[];
  readonly mtls: string;
  readonly federation: string;
  readonly globalAccessPolicy: string;
  readonly statusCurrent: boolean;
  readonly state: string;
  readonly errors: readonly string[];
  readonly meshStates: readonly ApprovalResult[];
  readonly destinationStates: readonly ApprovalResult[];
  /** The intermediate CA of each member Mesh, as its IssuedCertificate on the Mesh's cluster says. */
  readonly certificates: readonly CertificateState[];
  readonly unreadableClusters: readonly { readonly cluster: string; readonly error: string }[];
}

export interface CertificateState {
  readonly cluster: string;
  /** The IssuedCertificate (named after its Mesh), namespace/name. */
  readonly issuedCertificate: string;
  readonly state: string;
  readonly error?: string;
  /** The signed intermediate's validity and what it means now (certs/certificate-expiry.ts). */
  readonly expiry: Expiry;
  /** The validity of the root that signed it, as the issuer handed it out. */
  readonly root?: { readonly notBefore: string; readonly notAfter: string; readonly daysLeft: number };
}

function approvals(map: Record<string, Approval> | undefined): ApprovalResult[] {
  return Object.entries(map ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, entry]) => ({
      name: parseStatusKey(key).name,
      state: entry.state ?? 'PENDING',
      errors: entry.errors ?? [],
    }));
}

/** The rotation ratio an IssuedCertificate's agent uses (spec.certOptions), read defensively. */
function rotationRatioOf(object: KubeObject): number | undefined {
  const ratio = (object as { spec?: { certOptions?: { secretRotationGracePeriodRatio?: unknown } } }).spec?.certOptions
    ?.secretRotationGracePeriodRatio;
  return typeof ratio === 'number' ? ratio : undefined;
}

/** IssuedCertificates in the clusters' readings whose parent is the VirtualMesh, with their expiry at `now`. */
function certificateStates(
  virtualMesh: KubeObject,
  readings: readonly ClusterReading[],
  now: number,
): VirtualMeshDescription['certificates'] {
  const found: CertificateState[] = [];
  for (const reading of readings) {
    const signed = reading.signedCertificates;
    for (const object of reading.objects) {
      if (object.kind !== 'IssuedCertificate') continue;
      const name = virtualMesh.metadata.name;
      const namespace = virtualMesh.metadata.namespace ?? '';
      if (!namesParent(object, 'VirtualMesh', name, namespace)) continue;
      const status = (object as { status?: { state?: unknown; error?: unknown } }).status;
      const error = typeof status?.error === 'string' && status.error !== '' ? status.error : undefined;
      const state = typeof status?.state === 'string' ? status.state : 'PENDING';
      // Its CertificateRequest has its name and namespace.
      const request =
        signed?.read === true
          ? signed.items.find((s) => s.name === object.metadata.name && s.namespace === object.metadata.namespace)
          : undefined;
      let unreadable: string | undefined;
      if (signed === undefined) unreadable = 'the CertificateRequests were not read';
      else if (!signed.read) unreadable = signed.error;
      else unreadable = request?.problem;
      const root = request?.root;
      found.push({
        cluster: reading.cluster,
        issuedCertificate: `${object.metadata.namespace ?? ''}/${object.metadata.name}`,
        state,
        ...(error === undefined ? {} : { error }),
        expiry: certificateExpiry({
          validity: request?.certificate,
          unreadable,
          issuedState: state,
          rotationGraceRatio: rotationRatioOf(object),
          now,
        }),
        ...(root === undefined
          ? {}
          : {
              root: {
                notBefore: new Date(root.notBefore).toISOString(),
                notAfter: new Date(root.notAfter).toISOString(),
                daysLeft: daysUntil(root.notAfter, now),
              },
            }),
      });
    }
  }
  return found.sort((a, b) => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0));
}

/** A VirtualMesh alone; with its clusters' readings, also its certificates and their expiry at `now` (epoch ms). */
export function describeVirtualMesh(virtualMesh: KubeObject): VirtualMeshDescription;
export function describeVirtualMesh(
  virtualMesh: KubeObject,
  readings: readonly ClusterReading[],
  now: number,
): VirtualMeshDescription;
export function describeVirtualMesh(
  virtualMesh: KubeObject,
  readings: readonly ClusterReading[] = [],
  now = 0,
): VirtualMeshDescription {
  const parsed = fields(VirtualMeshFields, virtualMesh);
  const spec = parsed.spec ?? {};
  const mtlsConfig = spec.mtlsConfig;
  const root = mtlsConfig?.shared?.rootCertificateAuthority;
  let mtls = 'none';
  if (mtlsConfig?.shared !== undefined) {
    if (root?.secret !== undefined) mtls = `shared root CA from Secret ${refText(root.secret) ?? ''}`;
    else if (root?.generated !== undefined) mtls = 'shared root CA, generated';
    else if (mtlsConfig.shared.intermediateCertificateAuthority !== undefined) mtls = 'shared, intermediate CA';
    else mtls = 'shared';
  } else if (mtlsConfig?.limited !== undefined) mtls = 'limited';
  if (mtlsConfig?.autoRestartPods === true) mtls += ' (auto-restart pods)';
  const federation = spec.federation;
  let federationText = 'none';
  if (federation !== undefined) {
    const mode =
      federation.permissive !== undefined
        ? 'permissive (every Destination to every Mesh)'
        : `${(federation.selectors ?? []).length} selectors`;
    federationText = `${mode}, host suffix ${federation.hostnameSuffix ?? 'global'}${federation.flatNetwork === true ? ', flat network' : ''}`;
  }
  return {
    kind: 'VirtualMesh',
    name: virtualMesh.metadata.name,
    namespace: virtualMesh.metadata.namespace ?? '',
    meshes: (spec.meshes ?? []).map((m) => refText(m) ?? m.name),
    mtls,
    federation: federationText,
    globalAccessPolicy: spec.globalAccessPolicy ?? 'MESH_DEFAULT',
    statusCurrent: isStatusCurrent(virtualMesh, parsed.status),
    state: parsed.status?.state ?? 'PENDING',
    errors: parsed.status?.errors ?? [],
    meshStates: approvals(parsed.status?.meshes),
    destinationStates: approvals(parsed.status?.destinations),
    certificates: mtlsConfig?.shared === undefined ? [] : certificateStates(virtualMesh, readings, now),
    unreadableClusters: readings.flatMap((r) =>
      r.reachable ? [] : [{ cluster: r.cluster, error: r.error ?? 'unreachable' }],
    ),
  };
}

export type Description =
  DestinationDescription | PolicyDescription | WorkloadDescription | MeshDescription | VirtualMeshDescription;
