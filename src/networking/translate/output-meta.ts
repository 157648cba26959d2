// Metadata every translated object carries (DESIGN.md §1): the owner label, by which stale outputs
// are found, and the parents annotation, naming as JSON the objects it was translated from.
import { destinationKind } from '../../api/discovery/v1/destination.ts';
import type { KindDefinition } from '../../api/kind.ts';
import { apiVersionOf } from '../../api/kind.ts';
import { OWNER_LABEL, PARENTS_ANNOTATION } from '../../api/labels.ts';
import type { ObjectMeta } from '../../api/meta.ts';
import { virtualDestinationKind } from '../../api/enterprise/v1beta1/virtual-destination.ts';
import { FEDERATION_ANNOTATION } from '../../api/labels.ts';
import { accessPolicyKind } from '../../api/networking/v1/access-policy.ts';
import { trafficPolicyKind } from '../../api/networking/v1/traffic-policy.ts';
import { virtualMeshKind } from '../../api/networking/v1/virtual-mesh.ts';
import { compareStrings } from '../keys.ts';

interface Parent {
  readonly metadata: Pick<ObjectMeta, 'name' | 'namespace'>;
}

/** Gloo Mesh's key for a kind in the parents annotation: `<group>/<version>, Kind=<Kind>`. */
function gvkString(definition: KindDefinition): string {
  return `${apiVersionOf(definition)}, Kind=${definition.kind}`;
}

type ParentKinds = 'destinations' | 'trafficPolicies' | 'accessPolicies' | 'virtualMeshes' | 'virtualDestinations';

/**
 * Each kind's key already written as JSON, in the order the annotation lists kinds (by key): made
 * once, as every translated object's annotation is built from them.
 */
const KINDS: readonly { readonly field: ParentKinds; readonly key: string }[] = (
  [
    ['destinations', gvkString(destinationKind)],
    ['trafficPolicies', gvkString(trafficPolicyKind)],
    ['accessPolicies', gvkString(accessPolicyKind)],
    ['virtualMeshes', gvkString(virtualMeshKind)],
    ['virtualDestinations', gvkString(virtualDestinationKind)],
  ] as const
)
  .map(([field, gvk]) => ({ field, gvk }))
  .sort((a, b) => compareStrings(a.gvk, b.gvk))
  .map(({ field, gvk }) => ({ field, key: JSON.stringify(gvk) }));

function refJson(name: string, namespace: string): string {
  return `{"name":${JSON.stringify(name)},"namespace":${JSON.stringify(namespace)}}`;
}

/** A kind's references as a JSON array: sorted by namespace/name, each once. */
function refsJson(list: readonly Parent[]): string {
  const [only] = list;
  if (list.length === 1 && only !== undefined) return `[${refJson(only.metadata.name, only.metadata.namespace ?? '')}]`;
  const refs = list
    .map((p) => {
      const namespace = p.metadata.namespace ?? '';
      return { name: p.metadata.name, namespace, at: `${namespace}/${p.metadata.name}` };
    })
    .sort((a, b) => compareStrings(a.at, b.at));
  let out = '[';
  let previous: string | undefined;
  for (const ref of refs) {
    if (ref.at === previous) continue;
    if (previous !== undefined) out += ',';
    out += refJson(ref.name, ref.namespace);
    previous = ref.at;
  }
  return `${out}]`;
}

/** `{"<gvk>": [{"name", "namespace"}, …]}` with kinds and references sorted, as Gloo Mesh 1.x wrote it. */
export function parentsAnnotation(parents: { readonly [K in ParentKinds]?: readonly Parent[] }): string {
  let out = '{';
  for (const { field, key } of KINDS) {
    const list = parents[field];
    if (list === undefined || list.length === 0) continue;
    if (out.length > 1) out += ',';
    out += `${key}:${refsJson(list)}`;
  }
  return `${out}}`;
}

export function translatedMetadata(
  name: string,
  namespace: string,
  installNamespace: string,
  parents: string,
): ObjectMeta {
  return {
    name,
    namespace,
    labels: { [OWNER_LABEL]: installNamespace },
    annotations: { [PARENTS_ANNOTATION]: parents },
  };
}

/** Metadata of an object that makes a Destination reachable from another mesh (DESIGN.md §1). */
export function federatedMetadata(
  name: string,
  namespace: string,
  installNamespace: string,
  parents: string,
  federatedService: { readonly name: string; readonly namespace: string; readonly cluster: string },
): ObjectMeta {
  // translatedMetadata's fields and one more annotation, built at once (one per federated object).
  return {
    name,
    namespace,
    labels: { [OWNER_LABEL]: installNamespace },
    annotations: {
      [PARENTS_ANNOTATION]: parents,
      // Gloo Mesh's key of the federated Service: `<name>.<namespace>.<cluster>`.
      [FEDERATION_ANNOTATION]: `${federatedService.name}.${federatedService.namespace}.${federatedService.cluster}`,
    },
  };
}
