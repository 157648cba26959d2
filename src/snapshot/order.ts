// The one stable order of objects in every output: by apiVersion, kind, namespace, name.
import type { KubeObject } from '../api/meta.ts';

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** apiVersion, kind and namespace: the part of the order that many objects share. */
function groupKey(object: KubeObject): string {
  return `${object.apiVersion}\u0000${object.kind}\u0000${object.metadata.namespace ?? ''}`;
}

export function compareObjects(a: KubeObject, b: KubeObject): number {
  return compareStrings(groupKey(a), groupKey(b)) || compareStrings(a.metadata.name, b.metadata.name);
}

/**
 * Sorted (stably) by compareObjects. Objects are grouped by apiVersion, kind and namespace (nested
 * maps: no key is built per object), the few groups sorted by their groupKey, then each group by
 * name: comparisons skip the long prefix an output's objects share.
 */
export function sortObjects<T extends KubeObject>(objects: readonly T[]): T[] {
  const byVersion = new Map<string, Map<string, Map<string, T[]>>>();
  const groups: { key: string; members: T[] }[] = [];
  for (const object of objects) {
    let byKind = byVersion.get(object.apiVersion);
    if (byKind === undefined) byVersion.set(object.apiVersion, (byKind = new Map<string, Map<string, T[]>>()));
    let byNamespace = byKind.get(object.kind);
    if (byNamespace === undefined) byKind.set(object.kind, (byNamespace = new Map<string, T[]>()));
    const namespace = object.metadata.namespace ?? '';
    const members = byNamespace.get(namespace);
    if (members !== undefined) members.push(object);
    else {
      const group = { key: groupKey(object), members: [object] };
      byNamespace.set(namespace, group.members);
      groups.push(group);
    }
  }
  groups.sort((a, b) => compareStrings(a.key, b.key));
  const sorted: T[] = [];
  for (const { members } of groups) {
    members.sort((a, b) => compareStrings(a.metadata.name, b.metadata.name));
    for (const object of members) sorted.push(object);
  }
  return sorted;
}
