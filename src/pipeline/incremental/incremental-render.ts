// One render pass from the last one: the same result as render() (src/pipeline/render.ts), byte
// for byte, recomputing only what changed. The bookkeeping, explicit and small:
//   management object                     unchanged object → its schema check is kept
//   cluster                               unchanged objects and Settings → its discovery is kept;
//                                         rediscovered to the same objects → counts as unchanged
//   discovery of the estate               every cluster's kept → kept (else put together again)
//   discovered objects                    rediscovered but the same (JSON) → the previous object
//   networking                            only policies changed → incremental.ts; Destinations
//                                         added, removed or changed (and plain Services with them),
//                                         policies too or not → incremental-destinations.ts, then
//                                         incremental.ts; anything else (Meshes, Workloads,
//                                         VirtualMesh, VirtualDestination, Settings,
//                                         KubernetesCluster, other objects translators read, root
//                                         certificates) → a full networking pass
//   management objects rendered          policies only changed → the last list, each replaced
//                                         status swapped in at its place; else rendered anew
// Unknown clusters, failed discoveries and objects whose translation threw take the full render.
import type { KubeObject } from '../../api/meta.ts';
import type { RootCertificateEntry } from '../../certs/issued-certificates.ts';
import { discoverySettings } from '../../discovery/discover.ts';
import type { ClusterDiscovery, PreviousAssembly } from '../../discovery/discover.ts';
import { updateNetworkingPolicies } from '../../networking/incremental.ts';
import { updateNetworkingDestinations } from '../../networking/incremental-destinations.ts';
import type { NetworkingInput } from '../../networking/model.ts';
import { networkingState, type NetworkingState } from '../../networking/networking.ts';
import { isTranslatorService, TRANSLATOR_CLUSTER_KINDS } from '../../networking/networking-index.ts';
import { isOwnVirtualService } from '../../networking/translate/istio/existing-virtual-services.ts';
import type { InputObject, InputSnapshot, Warning } from '../../snapshot/input.ts';
import { managementKey, type ResourceKey } from '../../snapshot/resource-key.ts';
import {
  assembleIsolated,
  checkManagement,
  discoverClusterIsolated,
  knownClusters,
  networkingEntries,
  render,
  renderedManagement,
  typedManagement,
  type ClusterOutcome,
  type RenderOptions,
  type RenderResult,
} from '../render.ts';
import { checkManagementObject, type CheckedObject } from '../validate-input.ts';
import { objectChanges } from './changed-outputs.ts';

interface ClusterPass {
  /** Its input objects (compared by the objects they hold: the caches wrap them anew each pass). */
  readonly inputs: readonly InputObject[];
  /** Its objects that discovery or translators read (all but its own VirtualServices). */
  readonly read: readonly KubeObject[];
  /** The objects translators read (Istio VirtualServices, Linkerd Links and Services, OSM MeshConfigs). */
  readonly translatorObjects: readonly KubeObject[];
  readonly outcome: ClusterOutcome;
  readonly fingerprint: string;
}

/** What a pass keeps for the next one. */
export interface RenderState {
  readonly installNamespace: string;
  /** Each management input object's schema check, by the object (an unchanged object keeps its check). */
  readonly checked: ReadonlyMap<KubeObject, CheckedObject>;
  readonly settings: string;
  readonly clusters: ReadonlyMap<string, ClusterPass>;
  readonly discovery: ReturnType<typeof assembleIsolated>['discovery'];
  /** The clusters' discoveries the estate's was put together from: the next pass merges in only the changed ones. */
  readonly assembly: PreviousAssembly;
  readonly networking: NetworkingState;
  /** The checked management objects, in input order, and the management objects rendered from them. */
  readonly checkedList: readonly CheckedObject[];
  readonly mgmt: readonly KubeObject[];
  /** Where each object of `mgmt` is in it (objects of later passes added as they come); found when first needed. */
  readonly places: WeakMap<KubeObject, number> | undefined;
  readonly context: readonly unknown[];
  readonly rootCertificates: string;
  /** Resource keys of objects kept from pass to pass (discovered objects, policies), built once each. */
  readonly keys: WeakMap<KubeObject, ResourceKey>;
}

export interface IncrementalPass {
  readonly result: RenderResult;
  /** Undefined after a pass that needed the full render's isolation: the next pass is a full one. */
  readonly state: RenderState | undefined;
  /**
   * How much was recomputed: the whole render, networking over everything, the Destinations a
   * change of Destinations concerns (and changed policies), or the changed policies only.
   */
  readonly recomputed: 'render' | 'networking' | 'destinations' | 'policies';
}

const NO_OUTPUTS: readonly KubeObject[] = [];

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameInputs(a: readonly InputObject[], b: readonly InputObject[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]?.object !== b[i]?.object) return false;
  return true;
}

function fingerprintOf(outcome: ClusterOutcome): string {
  if (!outcome.ok) return `error ${outcome.error}`;
  const d = outcome.discovery;
  return JSON.stringify([d.meshes, d.workloads, d.destinations, d.warnings]);
}

/** A cluster rediscovered: objects the same as before (JSON) are the previous objects, so later steps see them unchanged. */
function keptWhereSame(kept: ClusterDiscovery, fresh: ClusterDiscovery): ClusterDiscovery {
  const same = <T extends KubeObject>(was: readonly T[], is: readonly T[]): readonly T[] => {
    const old = new Map(was.map((o) => [`${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]));
    let all = was.length === is.length;
    const list = is.map((object, i) => {
      const previous = old.get(`${object.metadata.namespace ?? ''}/${object.metadata.name}`);
      if (previous === undefined || JSON.stringify(previous) !== JSON.stringify(object)) {
        all = false;
        return object;
      }
      if (was[i] !== previous) all = false;
      return previous;
    });
    return all ? was : list;
  };
  return {
    ...fresh,
    meshes: same(kept.meshes, fresh.meshes),
    workloads: same(kept.workloads, fresh.workloads),
    destinations: same(kept.destinations, fresh.destinations),
  };
}

/** How the objects translators read changed: not at all, in plain Services only (seen as Destinations), or otherwise. */
function translatorChange(was: readonly KubeObject[], is: readonly KubeObject[]): 'none' | 'services' | 'other' {
  if (sameList(was, is)) return 'none';
  const before = new Set(was);
  const after = new Set(is);
  const plainService = (o: KubeObject) => o.kind === 'Service' && o.apiVersion === 'v1' && !isTranslatorService(o);
  for (const o of was) if (!after.has(o) && !plainService(o)) return 'other';
  for (const o of is) if (!before.has(o) && !plainService(o)) return 'other';
  return 'services';
}

function rootsKey(roots: ReadonlyMap<string, RootCertificateEntry> | undefined): string {
  return roots === undefined ? '' : JSON.stringify([...roots]);
}

const isTranslatorInput = (object: KubeObject): boolean => {
  const slash = object.apiVersion.indexOf('/');
  return TRANSLATOR_CLUSTER_KINDS.has(`${slash === -1 ? '' : object.apiVersion.slice(0, slash)}/${object.kind}`);
};

const statusLists = (state: NetworkingState): readonly (readonly KubeObject[])[] => {
  const r = state.result;
  return [r.trafficPolicies, r.accessPolicies, r.destinations, r.virtualMeshes, r.virtualDestinations, r.meshes];
};

function statusesOf(state: NetworkingState): Map<ResourceKey, KubeObject> {
  const statuses = new Map<ResourceKey, KubeObject>();
  for (const list of statusLists(state)) for (const object of list) statuses.set(managementKey(object), object);
  return statuses;
}

/**
 * The management objects after a pass that changed policies only, from the last pass's: each
 * status object networking replaced is swapped for its successor (same resource key) in place.
 * Undefined when that cannot be the full render's answer: an input object other than a valid
 * policy came, went or changed, or a replaced status has no successor.
 */
function updatedManagement(
  last: RenderState,
  checked: readonly CheckedObject[],
  networking: NetworkingState,
): { mgmt: KubeObject[]; places: WeakMap<KubeObject, number> } | undefined {
  if (checked.length !== last.checkedList.length) return undefined;
  const policy = (entry: CheckedObject | undefined) =>
    entry?.outcome === 'valid' && (entry.typed.kind === 'TrafficPolicy' || entry.typed.kind === 'AccessPolicy');
  for (let i = 0; i < checked.length; i++) {
    const [was, is] = [last.checkedList[i], checked[i]];
    if (was !== is && !(policy(was) && policy(is) && was?.key === is?.key)) return undefined;
  }
  const successors = new Map<KubeObject, KubeObject>();
  const lists = statusLists(networking);
  for (const [i, was] of statusLists(last.networking).entries()) {
    const { changed, gone } = objectChanges(was, lists[i] ?? []);
    if (changed.length !== gone.length) return undefined;
    const byKey = new Map(changed.map((object) => [managementKey(object), object]));
    for (const object of gone) {
      const successor = byKey.get(managementKey(object));
      if (successor === undefined) return undefined;
      successors.set(object, successor);
    }
  }
  const mgmt = [...last.mgmt];
  // (Found once after a pass that rendered the list anew; a Destination pass seldom comes alone.)
  const places = last.places ?? placesOf(last.mgmt);
  for (const [object, successor] of successors) {
    const at = places.get(object);
    if (at === undefined || mgmt[at] !== object) return undefined;
    mgmt[at] = successor;
    // Only ever added to: a place holds in every pass from this one on in which its object is kept.
    places.set(successor, at);
  }
  return { mgmt, places };
}

/** Where each management object is in a pass's list of them. */
function placesOf(mgmt: readonly KubeObject[]): WeakMap<KubeObject, number> {
  const places = new WeakMap<KubeObject, number>();
  mgmt.forEach((object, at) => places.set(object, at));
  return places;
}

/** The next render pass; `previous` is what the last pass returned (undefined: a full pass). */
export function renderIncremental(
  previous: RenderState | undefined,
  snapshot: InputSnapshot,
  options: RenderOptions = {},
): IncrementalPass {
  // The full render's isolation (stand-ins for unknown clusters, bisection of throwing objects) is its own.
  const full = (): IncrementalPass => ({ result: render(snapshot, options), state: undefined, recomputed: 'render' });
  if ((options.unknownClusters?.size ?? 0) > 0 || (options.suspects?.size ?? 0) > 0) return full();
  const last = previous?.installNamespace === snapshot.installNamespace ? previous : undefined;

  const checkedByObject = new Map<KubeObject, CheckedObject>();
  const check = (input: InputObject): CheckedObject => {
    const checked = last?.checked.get(input.object) ?? checkManagementObject(input);
    checkedByObject.set(input.object, checked);
    return checked;
  };
  const checked = checkManagement(snapshot, check);

  const settings = JSON.stringify(discoverySettings(snapshot.mgmt) ?? null);
  const settingsSame = last?.settings === settings;
  const clusters = new Map<string, ClusterPass>();
  let discoveryKept = last !== undefined && last.clusters.size === knownClusters(snapshot, options).length;
  let translatorInputs: 'none' | 'services' | 'other' = discoveryKept ? 'none' : 'other';
  for (const cluster of knownClusters(snapshot, options)) {
    const inputs = snapshot.clusters.get(cluster) ?? [];
    const kept = last?.clusters.get(cluster);
    if (kept !== undefined && settingsSame && sameInputs(kept.inputs, inputs)) {
      clusters.set(cluster, kept);
      continue;
    }
    // Its own VirtualServices, read back through the watch, are read by neither discovery nor
    // translators: when only they changed, the cluster is as it was.
    const read = inputs
      .map((input) => input.object)
      .filter((object) => !isOwnVirtualService(object, snapshot.installNamespace));
    if (kept !== undefined && settingsSame && sameList(kept.read, read)) {
      clusters.set(cluster, { ...kept, inputs });
      continue;
    }
    const translatorObjects = read.filter(isTranslatorInput);
    const outcome = discoverClusterIsolated(snapshot, cluster, discoverySettings(snapshot.mgmt));
    const fingerprint = fingerprintOf(outcome);
    const unchanged = kept !== undefined && kept.fingerprint === fingerprint;
    if (!unchanged) discoveryKept = false;
    const change = kept === undefined ? 'other' : translatorChange(kept.translatorObjects, translatorObjects);
    if (change === 'other' || (change === 'services' && translatorInputs === 'none')) translatorInputs = change;
    let next = unchanged ? kept.outcome : outcome;
    if (!unchanged && kept !== undefined && kept.outcome.ok && outcome.ok)
      next = { ok: true, discovery: keptWhereSame(kept.outcome.discovery, outcome.discovery) };
    clusters.set(cluster, { inputs, read, translatorObjects, outcome: next, fingerprint });
  }
  if ([...clusters.values()].some((c) => !c.outcome.ok)) return full();
  const assembled =
    discoveryKept && last !== undefined
      ? last
      : assembleIsolated(
          snapshot,
          options,
          new Map([...clusters].map(([name, pass]) => [name, pass.outcome])),
          last?.assembly,
        );
  const discovery = assembled.discovery;

  const entries = networkingEntries(checked);
  const management = typedManagement(entries);
  const context: unknown[] = [
    ...management.virtualMeshes.values(),
    ...management.virtualDestinations.values(),
    ...management.kubernetesClusters.values(),
    ...management.settings.values(),
  ];
  const rootCertificates = rootsKey(snapshot.rootCertificates);
  const input: NetworkingInput = {
    installNamespace: snapshot.installNamespace,
    meshes: discovery.meshes,
    workloads: discovery.workloads,
    destinations: discovery.destinations,
    trafficPolicies: [...management.trafficPolicies.values()],
    accessPolicies: [...management.accessPolicies.values()],
    virtualMeshes: [...management.virtualMeshes.values()],
    virtualDestinations: [...management.virtualDestinations.values()],
    kubernetesClusters: [...management.kubernetesClusters.values()],
    settings: [...management.settings.values()],
    clusterObjects: snapshot.clusters,
    ...(snapshot.rootCertificates === undefined ? {} : { rootCertificates: snapshot.rootCertificates }),
  };
  const sameContext =
    last !== undefined && sameList(last.context, context) && last.rootCertificates === rootCertificates;
  const policiesOnly = sameContext && discovery === last.discovery && translatorInputs === 'none';
  const destinationsToo =
    sameContext &&
    !policiesOnly &&
    translatorInputs !== 'other' &&
    sameList(discovery.meshes, last.discovery.meshes) &&
    sameList(discovery.workloads, last.discovery.workloads);
  let networking: NetworkingState;
  try {
    if (policiesOnly) {
      networking = updateNetworkingPolicies(last.networking, input);
    } else if (destinationsToo) {
      // Destinations first (with the policies as they were), then the policies that changed.
      const was = last.networking.input;
      const moved = updateNetworkingDestinations(last.networking, {
        ...input,
        trafficPolicies: was.trafficPolicies,
        accessPolicies: was.accessPolicies,
      });
      const policiesSame =
        sameList(was.trafficPolicies, input.trafficPolicies) && sameList(was.accessPolicies, input.accessPolicies);
      networking = policiesSame ? moved : updateNetworkingPolicies(moved, input);
    } else {
      networking = networkingState(input);
    }
  } catch {
    return full();
  }

  const warnings: Warning[] = [...discovery.warnings];
  // The outputs a pass kept are the same arrays: changed-outputs.ts plans writes for the others only.
  const outputs = new Map<string, readonly KubeObject[]>();
  for (const name of snapshot.clusters.keys()) outputs.set(name, networking.outputs.get(name) ?? NO_OUTPUTS);
  const objectErrors = new Map<string, string>();
  const keys = last?.keys ?? new WeakMap<KubeObject, ResourceKey>();
  const keyOf = (object: KubeObject): ResourceKey => {
    let key = keys.get(object);
    if (key === undefined) {
      key = managementKey(object);
      keys.set(object, key);
    }
    return key;
  };
  // Policies only: the last pass's management objects with the replaced statuses swapped in.
  const updated = policiesOnly ? updatedManagement(last, checked, networking) : undefined;
  const mgmt =
    updated?.mgmt ??
    renderedManagement(
      checked,
      discovery,
      { statuses: statusesOf(networking), outputs: networking.outputs },
      objectErrors,
      warnings,
      keyOf,
    );
  const places = updated?.places;
  return {
    result: { mgmt, clusters: outputs, warnings, clusterErrors: new Map(), objectErrors },
    recomputed: policiesOnly ? 'policies' : destinationsToo ? 'destinations' : 'networking',
    state: {
      installNamespace: snapshot.installNamespace,
      checked: checkedByObject,
      settings,
      clusters,
      discovery,
      assembly: assembled.assembly,
      networking,
      checkedList: checked,
      mgmt,
      places,
      context,
      rootCertificates,
      keys,
    },
  };
}
