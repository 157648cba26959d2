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
 * Sorted (stably) by compareObjects. Objects are grouped by apiVersion, kind and namespace, the
 * few groups sorted, then each group by name: no key is built per comparison, and comparisons
 * skip the long prefix an output's objects share.
 */
export function sortObjects<T extends KubeObject>(objects: readonly T[]): T[] {
  const groups = new Map<string, T[]>();
  for (const object of objects) {
    const key = groupKey(object);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [object]);
    else group.push(object);
  }
  const sorted: T[] = [];
  for (const key of [...groups.keys()].sort(compareStrings)) {
    const group = groups.get(key) ?? [];
    group.sort((a, b) => compareStrings(a.metadata.name, b.metadata.name));
    for (const object of group) sorted.push(object);
  }
  return sorted;
}
