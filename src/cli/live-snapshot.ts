// The input snapshot of a live estate, read as the management plane reads it: the management
// cluster's policies and the objects discovery reads in every registered cluster (with each cluster's
// own registration credentials). Used by `meshctl diff` and `meshctl explain` to run the pure core
// on what is there now; reads only.
import { DISCOVERY_CLUSTER_LABEL, DISCOVERY_OWNER_LABEL } from '../api/labels.ts';
import { KubeApiError, type KubeClient } from '../kube/client.ts';
import type { RenderOptions } from '../pipeline/render.ts';
import type { InputObject, InputSnapshot } from '../snapshot/input.ts';
import { asClusterFailure } from './cluster-failure.ts';
import { takeDebugSnapshot } from './commands/debug.ts';
import { CommandError } from './context.ts';
import { sanitizeObjects } from './debug-snapshot.ts';

const DISCOVERED = new Set(['Mesh', 'Workload', 'Destination']);

export interface LiveSnapshot {
  readonly snapshot: InputSnapshot;
  /** Unreachable clusters stand in with their last discovered objects, as in the management plane. */
  readonly options: RenderOptions;
  /** One line per cluster or type that could not be read. */
  readonly warnings: readonly string[];
}

export async function readLiveSnapshot(mgmt: KubeClient, installNamespace: string): Promise<LiveSnapshot> {
  let taken;
  try {
    taken = await takeDebugSnapshot(mgmt, installNamespace, new Date(0));
  } catch (error) {
    if (error instanceof KubeApiError) throw asClusterFailure(error, [mgmt]);
    throw error;
  }
  // Unknown is not empty: without the policies as they are, no answer would be right.
  if (taken.mgmtErrors.length > 0) {
    throw new CommandError(`the management cluster could not be read: ${taken.mgmtErrors.join('; ')}`);
  }
  const warnings: string[] = [];
  const unknown = new Set<string>();
  const clusters = new Map<string, InputObject[]>();
  for (const cluster of taken.clusters) {
    for (const error of cluster.errors) warnings.push(`cluster ${cluster.cluster}: ${error}`);
    if (!cluster.reachable) {
      unknown.add(cluster.cluster);
      warnings.push(`cluster ${cluster.cluster}: unreachable; its last discovered objects stand in for it`);
    }
    clusters.set(
      cluster.cluster,
      cluster.reachable ? sanitizeObjects(cluster.input).map((object) => ({ object, source: {} })) : [],
    );
  }
  const discovered = taken.mgmtOutput.filter(
    (object) => DISCOVERED.has(object.kind) && object.metadata.labels?.[DISCOVERY_OWNER_LABEL] === installNamespace,
  );
  return {
    snapshot: {
      installNamespace,
      mgmt: sanitizeObjects(taken.mgmtInput).map((object) => ({ object, source: {} })),
      clusters,
    },
    options: {
      unknownClusters: unknown,
      lastDiscovered: (cluster) =>
        discovered.filter((object) => object.metadata.labels?.[DISCOVERY_CLUSTER_LABEL] === cluster),
    },
    warnings,
  };
}
