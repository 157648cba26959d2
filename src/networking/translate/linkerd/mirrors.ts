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
import type { InputObject } from '../../../snapshot/input.ts';
import { compareStrings } from '../../keys.ts';

export interface LinkerdMirror {
  /** The cluster the mirror Service is in (the client's). */
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
  /** The cluster whose Service it mirrors (the Link's targetClusterName). */
  readonly targetCluster: string;
  readonly targetService: { readonly name: string; readonly namespace: string };
}

function linkTargets(objects: readonly InputObject[]): Set<string> {
  const targets = new Set<string>();
  for (const { object } of objects) {
    if (object.kind !== 'Link' || !object.apiVersion.startsWith('multicluster.linkerd.io/')) continue;
    const target = (object as { spec?: { targetClusterName?: unknown } }).spec?.targetClusterName;
    if (typeof target === 'string' && target !== '') targets.add(target);
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

/** Every mirror Service of every cluster that a Link in that cluster keeps, sorted. */
export function extractLinkerdMirrors(clusters: ReadonlyMap<string, readonly InputObject[]>): LinkerdMirror[] {
  const mirrors: LinkerdMirror[] = [];
  for (const [cluster, objects] of clusters) {
    const targets = linkTargets(objects);
    if (targets.size === 0) continue;
    for (const { object } of objects) {
      if (object.kind !== 'Service' || object.apiVersion !== 'v1') continue;
      const labels = object.metadata.labels ?? {};
      if (labels[LINKERD_MIRRORED_SERVICE_LABEL] !== 'true') continue;
      const targetCluster = labels[LINKERD_MIRROR_CLUSTER_LABEL];
      if (targetCluster === undefined || !targets.has(targetCluster)) continue;
      const namespace = object.metadata.namespace ?? 'default';
      const name = object.metadata.name;
      const suffix = `-${targetCluster}`;
      const fromName = name.endsWith(suffix) ? { name: name.slice(0, -suffix.length), namespace } : undefined;
      const target = remoteService(object.metadata.annotations?.[LINKERD_MIRROR_REMOTE_SERVICE_ANNOTATION]) ?? fromName;
      if (target === undefined) continue;
      mirrors.push({ cluster, namespace, name, targetCluster, targetService: target });
    }
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
