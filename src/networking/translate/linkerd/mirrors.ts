// Linkerd multicluster's mirror Services, read from a cluster's objects. When cluster A links to
// cluster B (a multicluster.linkerd.io Link in A with spec.targetClusterName B), Linkerd's service
// mirror copies each exported Service `<svc>` of B into A as `<svc>-<B>`, in the namespace of the
// same name, labelled mirror.linkerd.io/mirrored-service=true and mirror.linkerd.io/cluster-name=B.
// Mesh Hub routes to another cluster's Service on Linkerd only through such a mirror, and only
// where a Link shows the mirror is kept up to date. Mesh Hub's cluster names are taken to be the
// names the Links use (`linkerd multicluster link --cluster-name`).
import {
  LINKERD_MIRROR_CLUSTER_LABEL,
  LINKERD_MIRROR_REMOTE_SERVICE_ANNOTATION,
  LINKERD_MIRRORED_SERVICE_LABEL,
} from '../../../api/labels.ts';
import { compareStrings } from '../../keys.ts';
import type { ClusterInputObject, NetworkingIndex } from '../../networking-index.ts';

export interface LinkerdMirror {
  /** The cluster the mirror Service is in (the client's). */
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
  /** The cluster whose Service it mirrors (the Link's targetClusterName). */
  readonly targetCluster: string;
  readonly targetService: { readonly name: string; readonly namespace: string };
}

/** Cluster → the clusters its Links target. */
function linkTargets(links: readonly ClusterInputObject[]): Map<string, Set<string>> {
  const targets = new Map<string, Set<string>>();
  for (const { cluster, object } of links) {
    const target = (object as { spec?: { targetClusterName?: unknown } }).spec?.targetClusterName;
    if (typeof target !== 'string' || target === '') continue;
    const set = targets.get(cluster) ?? new Set<string>();
    set.add(target);
    targets.set(cluster, set);
  }
  return targets;
}

/** `<name>.<namespace>.svc.<domain>` of the mirrored Service, when the annotation is there. */
function remoteService(fqName: string | undefined): { name: string; namespace: string } | undefined {
  if (fqName === undefined) return undefined;
  const [name, namespace, svc] = fqName.split('.');
  if (name === undefined || namespace === undefined || svc !== 'svc' || name === '' || namespace === '') {
    return undefined;
  }
  return { name, namespace };
}

/**
 * Every mirror Service that a Link of its own cluster keeps, sorted. `links` are the clusters'
 * multicluster.linkerd.io Links, `services` their core Services.
 */
export function extractLinkerdMirrors(
  links: readonly ClusterInputObject[],
  services: readonly ClusterInputObject[],
): LinkerdMirror[] {
  const targets = linkTargets(links);
  if (targets.size === 0) return [];
  const mirrors: LinkerdMirror[] = [];
  for (const { cluster, object } of services) {
    const labels = object.metadata.labels ?? {};
    if (labels[LINKERD_MIRRORED_SERVICE_LABEL] !== 'true') continue;
    const targetCluster = labels[LINKERD_MIRROR_CLUSTER_LABEL];
    if (targetCluster === undefined || targets.get(cluster)?.has(targetCluster) !== true) continue;
    const namespace = object.metadata.namespace ?? 'default';
    const name = object.metadata.name;
    const suffix = `-${targetCluster}`;
    const fromName = name.endsWith(suffix) ? { name: name.slice(0, -suffix.length), namespace } : undefined;
    const target = remoteService(object.metadata.annotations?.[LINKERD_MIRROR_REMOTE_SERVICE_ANNOTATION]) ?? fromName;
    if (target === undefined) continue;
    mirrors.push({ cluster, namespace, name, targetCluster, targetService: target });
  }
  return mirrors.sort((a, b) =>
    compareStrings(`${a.cluster}/${a.namespace}/${a.name}`, `${b.cluster}/${b.namespace}/${b.name}`),
  );
}

export interface LinkerdMirrorIndex {
  /** The mirror in `clientCluster` of Service `namespace/name` of `targetCluster`, if one is kept. */
  find(clientCluster: string, target: { name: string; namespace: string; cluster: string }): LinkerdMirror | undefined;
}

export function indexLinkerdMirrors(mirrors: readonly LinkerdMirror[]): LinkerdMirrorIndex {
  const byKey = new Map<string, LinkerdMirror>();
  const key = (client: string, cluster: string, namespace: string, name: string) =>
    `${client}\u0000${cluster}\u0000${namespace}\u0000${name}`;
  for (const mirror of mirrors) {
    const k = key(mirror.cluster, mirror.targetCluster, mirror.targetService.namespace, mirror.targetService.name);
    if (!byKey.has(k)) byKey.set(k, mirror);
  }
  return { find: (client, t) => byKey.get(key(client, t.cluster, t.namespace, t.name)) };
}

const indexed = new WeakMap<NetworkingIndex, LinkerdMirrorIndex>();

/** The Linkerd mirrors of one pass, read from the clusters' objects once, on first use. */
export function linkerdMirrorsOf(index: NetworkingIndex): LinkerdMirrorIndex {
  let found = indexed.get(index);
  if (found === undefined) {
    found = indexLinkerdMirrors(
      extractLinkerdMirrors(
        index.clusterObjectsOfKind('multicluster.linkerd.io', 'Link'),
        index.clusterObjectsOfKind('', 'Service'),
      ),
    );
    indexed.set(index, found);
  }
  return found;
}
