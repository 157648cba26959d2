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

/** `{"<gvk>": [{"name", "namespace"}, …]}` with kinds and references sorted, as Gloo Mesh 1.x wrote it. */
export function parentsAnnotation(parents: {
  readonly destinations?: readonly Parent[];
  readonly trafficPolicies?: readonly Parent[];
  readonly accessPolicies?: readonly Parent[];
  readonly virtualMeshes?: readonly Parent[];
  readonly virtualDestinations?: readonly Parent[];
}): string {
  const entries: [string, { name: string; namespace: string }[]][] = [];
  const add = (definition: KindDefinition, list: readonly Parent[] | undefined) => {
    if (list === undefined || list.length === 0) return;
    if (list.length === 1 && list[0] !== undefined) {
      entries.push([
        gvkString(definition),
        [{ name: list[0].metadata.name, namespace: list[0].metadata.namespace ?? '' }],
      ]);
      return;
    }
    const refs = list
      .map((p) => ({ name: p.metadata.name, namespace: p.metadata.namespace ?? '' }))
      .sort((a, b) => compareStrings(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`))
      .filter(
        (ref, i, all) =>
          i === 0 || `${ref.namespace}/${ref.name}` !== `${all[i - 1]?.namespace ?? ''}/${all[i - 1]?.name ?? ''}`,
      );
    entries.push([gvkString(definition), refs]);
  };
  add(destinationKind, parents.destinations);
  add(trafficPolicyKind, parents.trafficPolicies);
  add(accessPolicyKind, parents.accessPolicies);
  add(virtualMeshKind, parents.virtualMeshes);
  add(virtualDestinationKind, parents.virtualDestinations);
  if (entries.length > 1) entries.sort(([a], [b]) => compareStrings(a, b));
  return JSON.stringify(Object.fromEntries(entries));
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
  const meta = translatedMetadata(name, namespace, installNamespace, parents);
  return {
    ...meta,
    annotations: {
      ...meta.annotations,
      // Gloo Mesh's key of the federated Service: `<name>.<namespace>.<cluster>`.
      [FEDERATION_ANNOTATION]: `${federatedService.name}.${federatedService.namespace}.${federatedService.cluster}`,
    },
  };
}
