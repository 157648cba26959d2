// Reading registered clusters the way the management plane does: with each cluster's own registration
// credentials (its kubeconfig Secret), one cluster at a time failing on its own. Used by `meshctl
// describe` and `meshctl debug snapshot`.
import { OWNER_LABEL } from '../api/labels.ts';
import type { KubeObject } from '../api/meta.ts';
import { KubeApiError, type KubeClient } from '../kube/client.ts';
import { WORKLOAD_OUTPUT_TYPES, KUBERNETES_CLUSTER, type ResourceType } from '../kube/resources.ts';
import { probeRegisteredCluster } from './commands/cluster.ts';
import { asClusterFailure, explainClusterFailure, whereOf } from './cluster-failure.ts';
import { CommandError } from './context.ts';

export interface RegisteredClusterAccess {
  readonly cluster: string;
  /** Present when the cluster answered with its registration credentials. */
  readonly client?: KubeClient;
  readonly error?: string;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The KubernetesClusters of an install namespace; a missing CRD means Mesh Hub is not installed. */
export async function listRegistrations(mgmt: KubeClient, installNamespace: string): Promise<KubeObject[]> {
  try {
    return (await mgmt.list(KUBERNETES_CLUSTER, { namespace: installNamespace })).items;
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) {
      throw new CommandError('Mesh Hub is not installed on the management cluster: run `meshctl install`');
    }
    throw asClusterFailure(error, [mgmt]);
  }
}

/** A client for every registered cluster that answers; the others with the reason, never thrown. */
export async function connectRegisteredClusters(
  mgmt: KubeClient,
  installNamespace: string,
  registrations: readonly KubeObject[],
): Promise<RegisteredClusterAccess[]> {
  const access = await Promise.all(
    registrations.map(async (registration): Promise<RegisteredClusterAccess> => {
      const cluster = registration.metadata.name;
      const secretName = (registration as { spec?: { secretName?: string } }).spec?.secretName ?? cluster;
      try {
        const { client, result } = await probeRegisteredCluster(mgmt, installNamespace, cluster, secretName);
        if (result.reachable && client !== undefined) return { cluster, client };
        return { cluster, error: result.message };
      } catch (error) {
        return { cluster, error: explainClusterFailure(error, whereOf(mgmt)) ?? errorText(error) };
      }
    }),
  );
  return access.sort((a, b) => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0));
}

export interface ListingResult {
  readonly objects: KubeObject[];
  /** One line per type that could not be listed (a type whose CRD is not installed is skipped silently). */
  readonly errors: string[];
}

/** Lists several types in every namespace; failures are collected per type, not thrown. */
export async function listTypes(
  client: KubeClient,
  types: readonly ResourceType[],
  labelSelector?: string,
): Promise<ListingResult> {
  const results = await Promise.all(
    types.map(async (type) => {
      try {
        const list = await client.list(type, labelSelector === undefined ? {} : { labelSelector });
        return { objects: list.items, error: undefined };
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 404) return { objects: [], error: undefined };
        return {
          objects: [],
          error: `${type.kind}: ${explainClusterFailure(error, whereOf(client)) ?? errorText(error)}`,
        };
      }
    }),
  );
  return {
    objects: results.flatMap((r) => r.objects),
    errors: results.flatMap((r) => (r.error === undefined ? [] : [r.error])),
  };
}

/** Everything Mesh Hub of this install namespace wrote to a cluster (found by the owner label). */
export function listOwnedOutputs(client: KubeClient, installNamespace: string): Promise<ListingResult> {
  return listTypes(client, WORKLOAD_OUTPUT_TYPES, `${OWNER_LABEL}=${installNamespace}`);
}
