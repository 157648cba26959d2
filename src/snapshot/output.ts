// The output of one pass of the pure core, and its layout as files (DESIGN.md §3).
import type { KubeObject } from '../api/meta.ts';
import { CLUSTER_ANNOTATION } from '../api/labels.ts';
import type { Warning } from './input.ts';
import { sortObjects } from './order.ts';
import { toCanonicalYamlStream } from './yaml.ts';

export interface RenderOutput {
  /** Discovered objects and every input policy object with its computed status. */
  readonly mgmt: readonly KubeObject[];
  /** Objects to apply to each registered cluster, by cluster name. */
  readonly clusters: ReadonlyMap<string, readonly KubeObject[]>;
  readonly warnings: readonly Warning[];
}

/** Name of the management cluster in the stdout stream's cluster annotation. */
export const MANAGEMENT_CLUSTER = 'mgmt';

/** `virtualservice.networking.istio.io.yaml`; core kinds have no group suffix. */
export function outputFileName(object: KubeObject): string {
  const slash = object.apiVersion.indexOf('/');
  const group = slash === -1 ? '' : object.apiVersion.slice(0, slash);
  return `${object.kind.toLowerCase()}${group === '' ? '' : `.${group}`}.yaml`;
}

/** The output tree as relative path → its objects in the one stable order, paths sorted. */
export function layoutOutputFiles(output: RenderOutput): Map<string, KubeObject[]> {
  const files = new Map<string, KubeObject[]>();
  const add = (folder: string, objects: readonly KubeObject[]) => {
    // Grouped by apiVersion and kind first: no file name is built per object.
    const byKind = new Map<string, Map<string, KubeObject[]>>();
    for (const object of objects) {
      let kinds = byKind.get(object.apiVersion);
      if (kinds === undefined) byKind.set(object.apiVersion, (kinds = new Map<string, KubeObject[]>()));
      const list = kinds.get(object.kind);
      if (list === undefined) kinds.set(object.kind, [object]);
      else list.push(object);
    }
    const byFile = new Map<string, KubeObject[]>();
    for (const kinds of byKind.values()) {
      for (const list of kinds.values()) {
        const first = list[0];
        if (first === undefined) continue;
        // Two kinds may share a file (`Foo` and `foo` in one group): their objects are sorted together.
        const name = `${folder}/${outputFileName(first)}`;
        byFile.set(name, [...(byFile.get(name) ?? []), ...list]);
      }
    }
    for (const [name, list] of byFile) files.set(name, sortObjects(list));
  };
  add('mgmt', output.mgmt);
  for (const cluster of [...output.clusters.keys()].sort())
    add(`clusters/${cluster}`, output.clusters.get(cluster) ?? []);
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The output tree as relative path → file content, every file a sorted multi-document stream. */
export function layoutOutputTree(output: RenderOutput): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, objects] of layoutOutputFiles(output)) files.set(name, toCanonicalYamlStream(objects));
  return files;
}

/** Every output object in the one stable order, each annotated with the cluster it belongs to. */
function annotatedObjects(output: RenderOutput): KubeObject[] {
  const annotated: KubeObject[] = [];
  const tag = (cluster: string, objects: readonly KubeObject[]) => {
    for (const object of sortObjects(objects)) {
      annotated.push({
        ...object,
        metadata: {
          ...object.metadata,
          annotations: { ...object.metadata.annotations, [CLUSTER_ANNOTATION]: cluster },
        },
      });
    }
  };
  tag(MANAGEMENT_CLUSTER, output.mgmt);
  for (const cluster of [...output.clusters.keys()].sort()) tag(cluster, output.clusters.get(cluster) ?? []);
  return annotated;
}

/** The output as one YAML stream, each object annotated with the cluster it belongs to. */
export function layoutOutputStream(output: RenderOutput): string {
  return toCanonicalYamlStream(annotatedObjects(output));
}

/** The output as one `kind: List` (what `kubectl get -o json` prints for several objects). */
export function layoutOutputList(output: RenderOutput): { apiVersion: 'v1'; kind: 'List'; items: KubeObject[] } {
  return { apiVersion: 'v1', kind: 'List', items: annotatedObjects(output) };
}

/** JSON with every mapping's keys sorted, as the YAML output is, so the same input gives the same bytes. */
export function toCanonicalJson(value: unknown): string {
  const sorted = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(sorted);
    if (typeof item !== 'object' || item === null) return item;
    return Object.fromEntries(
      Object.keys(item)
        .sort()
        .map((key) => [key, sorted((item as Record<string, unknown>)[key])]),
    );
  };
  return `${JSON.stringify(sorted(value), null, 2)}\n`;
}
