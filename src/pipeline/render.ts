// One pass of the pure core: input snapshot → management objects with status + per-cluster outputs.
// Used by `meshctl render` on files and by the controller on live caches.
//
// One bad object must not stop the estate: discovery that throws on one cluster's objects (a
// malformed mesh config) is retried per cluster and that cluster's discovery is replaced by its
// last discovered objects (reported as a cluster error); a translation that throws on one
// management object is narrowed down to that object (bisecting the policies), which is reported
// INVALID and left out. Unknown is not empty: a cluster whose objects are not known now (not yet
// listed) is rendered with its last discovered objects too, so outputs elsewhere that depend on it
// stay as they are.
import type { KubeObject } from '../api/meta.ts';
import {
  assembleDiscovery,
  discoverCluster,
  discoverySettings,
  type ClusterDiscovery,
  type DiscoveryResult,
  type PreviousAssembly,
} from '../discovery/discover.ts';
import { objectKey } from '../kube/resources.ts';
import {
  renderNetworking,
  type DiscoveredObjects,
  type NetworkingRender,
  type TypedManagement,
} from '../networking/render-step.ts';
import type { InputObject, InputSnapshot, Warning } from '../snapshot/input.ts';
import type { RenderOutput } from '../snapshot/output.ts';
import { managementKey, type ResourceKey } from '../snapshot/resource-key.ts';
import { checkManagementObject, withInvalidStatus, type CheckedObject, type TypedObject } from './validate-input.ts';

export interface RenderOptions {
  /** Clusters whose objects are not known now: not discovered; their last discovered objects stand in. */
  readonly unknownClusters?: ReadonlySet<string>;
  /** A cluster's last discovered Meshes, Workloads and Destinations (as written to the management cluster). */
  readonly lastDiscovered?: (cluster: string) => readonly KubeObject[];
  /** Objects (objectKey) whose translation failed in an earlier pass: tried last, not first. */
  readonly suspects?: ReadonlySet<string>;
}

export interface RenderResult extends RenderOutput {
  /** Clusters whose discovery threw: their last discovered objects were used instead. */
  readonly clusterErrors: ReadonlyMap<string, string>;
  /** Management objects (objectKey) whose translation threw: reported INVALID and left out. */
  readonly objectErrors: ReadonlyMap<string, string>;
}

/** The error of a throw, without a stack (it goes to a status). */
function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const DISCOVERED_KINDS = new Set(['Mesh', 'Workload', 'Destination']);

/** A discovered object as discovery makes it: identity, labels, Mesh annotations and spec; no status. */
function asDiscovered(object: KubeObject): KubeObject {
  const { name, namespace, labels, annotations } = object.metadata;
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: {
      name,
      ...(namespace === undefined ? {} : { namespace }),
      ...(labels === undefined ? {} : { labels: { ...labels } }),
      ...(object.kind === 'Mesh' && annotations !== undefined && Object.keys(annotations).length > 0
        ? { annotations: { ...annotations } }
        : {}),
    },
    spec: (object as { spec?: unknown }).spec,
  };
}

type Discovered = Pick<DiscoveryResult, 'meshes' | 'workloads' | 'destinations' | 'warnings'>;

function byName<T extends KubeObject>(list: T[]): T[] {
  return list.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
}

/** One cluster's discovery, or the error it threw (that cluster's error, never the estate's). */
export type ClusterOutcome =
  { readonly ok: true; readonly discovery: ClusterDiscovery } | { readonly ok: false; readonly error: string };

export function discoverClusterIsolated(
  snapshot: InputSnapshot,
  cluster: string,
  settings: ReturnType<typeof discoverySettings>,
): ClusterOutcome {
  try {
    return {
      ok: true,
      discovery: discoverCluster(snapshot.installNamespace, cluster, snapshot.clusters.get(cluster) ?? [], settings),
    };
  } catch (error) {
    return { ok: false, error: `discovery failed: ${messageOf(error)}` };
  }
}

/**
 * The estate's discovery from its clusters' outcomes (known clusters, in name order); unknown and
 * failing clusters stand in with their last objects.
 */
export function assembleIsolated(
  snapshot: InputSnapshot,
  options: RenderOptions,
  outcomes: ReadonlyMap<string, ClusterOutcome>,
  previous?: PreviousAssembly,
): { discovery: Discovered; clusterErrors: Map<string, string>; assembly: PreviousAssembly } {
  const unknown = options.unknownClusters ?? new Set<string>();
  const clusterErrors = new Map<string, string>();
  const discovered: ClusterDiscovery[] = [];
  for (const [cluster, outcome] of outcomes) {
    if (outcome.ok) discovered.push(outcome.discovery);
    else clusterErrors.set(cluster, outcome.error);
  }
  const discovery = assembleDiscovery(discovered, previous);
  // What a later pass may assemble from (the clusters' lists without stand-ins).
  const assembly = { clusters: discovered, result: discovery };
  const standIns = [...unknown, ...clusterErrors.keys()].filter((cluster) => snapshot.clusters.has(cluster));
  if (standIns.length === 0 || options.lastDiscovered === undefined) return { discovery, clusterErrors, assembly };
  const meshes = [...discovery.meshes];
  const workloads = [...discovery.workloads];
  const destinations = [...discovery.destinations];
  for (const cluster of standIns) {
    for (const object of options.lastDiscovered(cluster)) {
      if (!DISCOVERED_KINDS.has(object.kind)) continue;
      const copy = asDiscovered(object);
      if (object.kind === 'Mesh') meshes.push(copy as (typeof meshes)[number]);
      else if (object.kind === 'Workload') workloads.push(copy as (typeof workloads)[number]);
      else destinations.push(copy as (typeof destinations)[number]);
    }
  }
  return {
    discovery: {
      meshes: byName(meshes),
      workloads: byName(workloads),
      destinations: byName(destinations),
      warnings: discovery.warnings,
    },
    clusterErrors,
    assembly,
  };
}

/** The known clusters of a snapshot, in name order (the order discovery reports them in). */
export function knownClusters(snapshot: InputSnapshot, options: RenderOptions): string[] {
  const unknown = options.unknownClusters ?? new Set<string>();
  return [...snapshot.clusters.keys()].filter((cluster) => !unknown.has(cluster)).sort();
}

/** Discovery, per cluster; unknown and failing clusters stand in with their last objects. */
function discoverIsolated(
  snapshot: InputSnapshot,
  options: RenderOptions,
): { discovery: Discovered; clusterErrors: Map<string, string> } {
  const settings = discoverySettings(snapshot.mgmt);
  const outcomes = new Map(
    knownClusters(snapshot, options).map((cluster) => [cluster, discoverClusterIsolated(snapshot, cluster, settings)]),
  );
  return assembleIsolated(snapshot, options, outcomes);
}

/** A schema-valid management object the networking pass reads. */
export interface NetworkingEntry {
  readonly key: ResourceKey;
  readonly typed: Exclude<TypedObject, { readonly kind: 'other' }>;
}

/** The entries as typed collections, each keyed by resource key, in the entries' order. */
export function typedManagement(entries: readonly NetworkingEntry[]): TypedManagement {
  const management = {
    trafficPolicies: new Map(),
    accessPolicies: new Map(),
    virtualMeshes: new Map(),
    virtualDestinations: new Map(),
    kubernetesClusters: new Map(),
    settings: new Map(),
  } satisfies { [K in keyof TypedManagement]: Map<ResourceKey, unknown> };
  for (const { key, typed } of entries) {
    switch (typed.kind) {
      case 'TrafficPolicy':
        management.trafficPolicies.set(key, typed.object);
        break;
      case 'AccessPolicy':
        management.accessPolicies.set(key, typed.object);
        break;
      case 'VirtualMesh':
        management.virtualMeshes.set(key, typed.object);
        break;
      case 'VirtualDestination':
        management.virtualDestinations.set(key, typed.object);
        break;
      case 'KubernetesCluster':
        management.kubernetesClusters.set(key, typed.object);
        break;
      case 'Settings':
        management.settings.set(key, typed.object);
        break;
    }
  }
  return management;
}

const ISOLATED_KINDS = new Set(['TrafficPolicy', 'AccessPolicy', 'VirtualMesh', 'VirtualDestination']);
const MAX_CULPRITS = 8;

/**
 * Networking over the valid management objects; when it throws, the objects that make it throw are
 * found by bisection (each culprit costs about log2(policies) extra passes, only while one exists)
 * and left out.
 */
export function networkingIsolated(
  attempt: (entries: readonly NetworkingEntry[]) => NetworkingRender,
  entries: readonly NetworkingEntry[],
  suspects: ReadonlySet<string>,
): { networking: NetworkingRender; objectErrors: Map<string, string> } {
  const objectErrors = new Map<string, string>();
  const fixed = entries.filter((entry) => !ISOLATED_KINDS.has(entry.typed.kind));
  const isolated = entries.filter((entry) => ISOLATED_KINDS.has(entry.typed.kind));
  const throws = (list: readonly NetworkingEntry[]): unknown => {
    try {
      attempt([...fixed, ...list]);
      return undefined;
    } catch (error) {
      return error ?? new Error('undefined thrown');
    }
  };
  let candidates = isolated;
  const suspected = isolated.filter((entry) => suspects.has(objectKey(entry.typed.object)));
  if (suspected.length > 0) {
    // Earlier culprits are checked one by one against the rest, instead of bisecting again.
    const others = isolated.filter((entry) => !suspects.has(objectKey(entry.typed.object)));
    if (throws(others) === undefined) {
      candidates = [...others];
      for (const entry of suspected) {
        const failure = throws([...others, entry]);
        if (failure === undefined) candidates.push(entry);
        else objectErrors.set(objectKey(entry.typed.object), messageOf(failure));
      }
    }
  }
  let remaining = candidates;
  for (;;) {
    try {
      return { networking: attempt([...fixed, ...remaining]), objectErrors };
    } catch (error) {
      if (objectErrors.size >= MAX_CULPRITS || throws([]) !== undefined) throw error;
      // Smallest prefix that throws: its last object is a culprit.
      let ok = 0;
      let bad = remaining.length;
      let failure: unknown = error;
      while (bad - ok > 1) {
        const mid = Math.floor((ok + bad) / 2);
        const result = throws(remaining.slice(0, mid));
        if (result === undefined) ok = mid;
        else {
          bad = mid;
          failure = result;
        }
      }
      const culprit = remaining[bad - 1];
      if (culprit === undefined) throw error;
      objectErrors.set(objectKey(culprit.typed.object), messageOf(failure));
      remaining = remaining.filter((entry) => entry !== culprit);
    }
  }
}

/** The management objects of a snapshot checked against their schemas; a second object with the key of an earlier one is invalid. */
export function checkManagement(
  snapshot: InputSnapshot,
  check: (input: InputObject) => CheckedObject = checkManagementObject,
): CheckedObject[] {
  const seen = new Set<ResourceKey>();
  return snapshot.mgmt.map((input) => {
    const checked = check(input);
    if (checked.outcome === 'foreign') return checked;
    if (!seen.has(checked.key)) {
      seen.add(checked.key);
      return checked;
    }
    const where = input.source.file === undefined ? '' : ` (${input.source.file})`;
    return {
      outcome: 'invalid',
      key: checked.key,
      errors: [{ path: 'metadata.name', message: `another object of this kind has this namespace and name${where}` }],
      input,
    };
  });
}

/** The entries the networking pass reads, in input order. */
export function networkingEntries(checked: readonly CheckedObject[]): NetworkingEntry[] {
  return checked.flatMap((entry) =>
    entry.outcome === 'valid' && entry.typed.kind !== 'other' ? [{ key: entry.key, typed: entry.typed }] : [],
  );
}

/** Management objects as rendered: each input object (with its status) in input order, then the discovered ones. */
export function renderedManagement(
  checked: readonly CheckedObject[],
  discovery: DiscoveredObjects,
  networking: NetworkingRender,
  objectErrors: ReadonlyMap<string, string>,
  warnings: Warning[],
  keyOf: (object: KubeObject) => ResourceKey = managementKey,
): KubeObject[] {
  const rendered: KubeObject[] = [];
  const withStatus = (object: KubeObject): KubeObject => {
    const error = objectErrors.size === 0 ? undefined : objectErrors.get(objectKey(object));
    if (error === undefined) return networking.statuses.get(keyOf(object)) ?? object;
    warnings.push({
      object: `${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`,
      message: error,
    });
    return withInvalidStatus(object, [{ path: '(object)', message: `could not be translated: ${error}` }]);
  };
  for (const entry of checked) {
    switch (entry.outcome) {
      case 'invalid':
        rendered.push(withInvalidStatus(entry.input.object, entry.errors));
        break;
      case 'valid':
        // Objects enter networking with the status they were read with; out of it they have their own.
        rendered.push(
          withStatus(entry.typed.kind === 'other' ? entry.typed.object : withoutStatus(entry.typed.object)),
        );
        break;
      case 'foreign':
        break;
    }
  }
  for (const object of discovery.meshes) rendered.push(withStatus(object));
  // Networking computes no status for a Workload.
  for (const object of discovery.workloads) rendered.push(objectErrors.size === 0 ? object : withStatus(object));
  for (const object of discovery.destinations) rendered.push(withStatus(object));
  return rendered;
}

function withoutStatus(object: KubeObject): KubeObject {
  if (!('status' in object)) return object;
  const { status: _ignored, ...rest } = object;
  return rest;
}

export function render(snapshot: InputSnapshot, options: RenderOptions = {}): RenderResult {
  const warnings: Warning[] = [];
  const checked = checkManagement(snapshot);
  const clusters = new Map<string, KubeObject[]>();
  for (const name of snapshot.clusters.keys()) clusters.set(name, []);
  const { discovery, clusterErrors } = discoverIsolated(snapshot, options);
  warnings.push(...discovery.warnings);
  for (const [cluster, message] of clusterErrors) warnings.push({ cluster, object: `cluster ${cluster}`, message });
  // Policies and Destinations get their computed status, clusters get the translated mesh
  // configuration; VirtualMeshes (trust, federation, default deny) and VirtualDestinations too,
  // and the status of the Meshes they group.
  const { networking, objectErrors } = networkingIsolated(
    (list) =>
      renderNetworking(
        snapshot.installNamespace,
        snapshot.clusters,
        typedManagement(list),
        discovery,
        snapshot.rootCertificates,
      ),
    networkingEntries(checked),
    options.suspects ?? new Set(),
  );
  for (const [cluster, objects] of networking.outputs) clusters.get(cluster)?.push(...objects);
  const mgmt = renderedManagement(checked, discovery, networking, objectErrors, warnings);
  return { mgmt, clusters, warnings, clusterErrors, objectErrors };
}
