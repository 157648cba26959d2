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
import { discover, type DiscoveryResult } from '../discovery/discover.ts';
import { objectKey } from '../kube/resources.ts';
import { renderNetworking, type CheckedManagementObject, type NetworkingRender } from '../networking/render-step.ts';
import type { InputSnapshot, Warning } from '../snapshot/input.ts';
import type { RenderOutput } from '../snapshot/output.ts';
import { checkManagementObject, withInvalidStatus, type CheckedObject } from './validate-input.ts';

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

/** Discovery, per cluster when it throws; unknown and failing clusters stand in with their last objects. */
function discoverIsolated(
  snapshot: InputSnapshot,
  options: RenderOptions,
): { discovery: Discovered; clusterErrors: Map<string, string> } {
  const unknown = options.unknownClusters ?? new Set<string>();
  const known = new Map([...snapshot.clusters].filter(([cluster]) => !unknown.has(cluster)));
  const clusterErrors = new Map<string, string>();
  let discovery: Discovered;
  try {
    discovery = discover({ ...snapshot, clusters: known });
  } catch {
    for (const [cluster, objects] of known) {
      try {
        discover({ ...snapshot, clusters: new Map([[cluster, objects]]) });
      } catch (error) {
        clusterErrors.set(cluster, `discovery failed: ${messageOf(error)}`);
      }
    }
    // A throw that no single cluster reproduces is not one cluster's fault: let the caller back off.
    if (clusterErrors.size === 0) throw new Error('discovery failed on the whole estate but on no single cluster');
    discovery = discover({
      ...snapshot,
      clusters: new Map([...known].filter(([cluster]) => !clusterErrors.has(cluster))),
    });
  }
  const standIns = [...unknown, ...clusterErrors.keys()].filter((cluster) => snapshot.clusters.has(cluster));
  if (standIns.length === 0 || options.lastDiscovered === undefined) return { discovery, clusterErrors };
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
  };
}

const ISOLATED_KINDS = new Set(['TrafficPolicy', 'AccessPolicy', 'VirtualMesh', 'VirtualDestination']);
const MAX_CULPRITS = 8;

/**
 * Networking over the valid management objects; when it throws, the objects that make it throw are
 * found by bisection (each culprit costs about log2(policies) extra passes, only while one exists)
 * and left out.
 */
export function networkingIsolated(
  attempt: (entries: readonly CheckedManagementObject[]) => NetworkingRender,
  entries: readonly CheckedManagementObject[],
  suspects: ReadonlySet<string>,
): { networking: NetworkingRender; objectErrors: Map<string, string> } {
  const objectErrors = new Map<string, string>();
  const fixed = entries.filter((entry) => !ISOLATED_KINDS.has(entry.object.kind));
  const isolated = entries.filter((entry) => ISOLATED_KINDS.has(entry.object.kind));
  const throws = (list: readonly CheckedManagementObject[]): unknown => {
    try {
      attempt([...fixed, ...list]);
      return undefined;
    } catch (error) {
      return error ?? new Error('undefined thrown');
    }
  };
  let candidates = isolated;
  const suspected = isolated.filter((entry) => suspects.has(objectKey(entry.object)));
  if (suspected.length > 0) {
    // Earlier culprits are checked one by one against the rest, instead of bisecting again.
    const others = isolated.filter((entry) => !suspects.has(objectKey(entry.object)));
    if (throws(others) === undefined) {
      candidates = [...others];
      for (const entry of suspected) {
        const failure = throws([...others, entry]);
        if (failure === undefined) candidates.push(entry);
        else objectErrors.set(objectKey(entry.object), messageOf(failure));
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
      objectErrors.set(objectKey(culprit.object), messageOf(failure));
      remaining = remaining.filter((entry) => entry !== culprit);
    }
  }
}

export function render(snapshot: InputSnapshot, options: RenderOptions = {}): RenderResult {
  const warnings: Warning[] = [];
  const checked: CheckedObject[] = snapshot.mgmt.map(checkManagementObject);
  const mgmt: KubeObject[] = [];
  for (const entry of checked) {
    switch (entry.outcome) {
      case 'invalid':
        mgmt.push(withInvalidStatus(entry.input.object, entry.errors));
        break;
      case 'valid':
        mgmt.push(entry.object);
        break;
      case 'foreign':
        break;
    }
  }
  const clusters = new Map<string, KubeObject[]>();
  for (const name of snapshot.clusters.keys()) clusters.set(name, []);
  const { discovery, clusterErrors } = discoverIsolated(snapshot, options);
  mgmt.push(...discovery.meshes, ...discovery.workloads, ...discovery.destinations);
  warnings.push(...discovery.warnings);
  for (const [cluster, message] of clusterErrors) warnings.push({ cluster, object: `cluster ${cluster}`, message });
  // TrafficPolicy and AccessPolicy (issue 6): policies and Destinations get their computed status,
  // clusters get the translated mesh configuration.
  const entries = checked.flatMap((entry) =>
    entry.outcome === 'valid' ? [{ object: entry.object, previousStatus: entry.input.object.status }] : [],
  );
  const { networking, objectErrors } = networkingIsolated(
    (list) =>
      renderNetworking(snapshot.installNamespace, snapshot.clusters, list, discovery, snapshot.rootCertificates),
    entries,
    options.suspects ?? new Set(),
  );
  for (const [cluster, objects] of networking.outputs) clusters.get(cluster)?.push(...objects);
  // VirtualMeshes (trust, federation, default deny) and VirtualDestinations are part of renderNetworking:
  // their status, and that of the Meshes they group, come back as replacements too.
  const rendered = mgmt.map((object) => {
    const error = objectErrors.get(objectKey(object));
    if (error === undefined) return networking.replacements.get(object) ?? object;
    warnings.push({
      object: `${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`,
      message: error,
    });
    return withInvalidStatus(object, [{ path: '(object)', message: `could not be translated: ${error}` }]);
  });
  return { mgmt: rendered, clusters, warnings, clusterErrors, objectErrors };
}
