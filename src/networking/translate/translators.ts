// The one place that picks a translator by mesh type: adding a mesh is one folder under translate/
// and one line here. Meshes Mesh Hub discovers but does not configure get a translator that says so.
import { MESH_TYPES, meshTypeName, meshTypeOf, type MeshType } from '../mesh-type.ts';
import type { Mesh } from '../model.ts';
import type { IndexedDestination } from '../networking-index.ts';
import { istioTranslator } from './istio/istio-translator.ts';
import { linkerdTranslator } from './linkerd/linkerd-translator.ts';
import { osmTranslator } from './osm/osm-translator.ts';
import type { MeshTranslator } from './translator.ts';
import { NOTHING, outcome, rejectAll } from './translator.ts';
import { everyFeature, type MeshSupport } from './support.ts';

const TRANSLATORS: Readonly<Partial<Record<MeshType, MeshTranslator>>> = {
  istio: istioTranslator,
  linkerd: linkerdTranslator,
  osm: osmTranslator,
};

/** Every mesh type with a translator, in a stable order (the support matrix's columns). */
export function translatedMeshTypes(): readonly MeshType[] {
  return MESH_TYPES.filter((type) => TRANSLATORS[type] !== undefined);
}

export function translatorOfType(type: MeshType): MeshTranslator | undefined {
  return TRANSLATORS[type];
}

export function translatorOfMesh(mesh: Mesh): MeshTranslator | undefined {
  const type = meshTypeOf(mesh);
  return type === undefined ? undefined : TRANSLATORS[type];
}

export function supportOfMesh(mesh: Mesh): MeshSupport | undefined {
  return translatorOfMesh(mesh)?.support;
}

function nothingSupported(meshName: string, why: string): MeshSupport {
  return { meshName, features: everyFeature(() => ({ level: 'unsupported', how: why })) };
}

/** A translator that applies nothing and says why on every policy. */
function rejecting(message: string, meshName = 'this mesh'): MeshTranslator {
  const failed = outcome('FAILED', [message]);
  return {
    support: nothingSupported(meshName, message),
    decide: (_destination, trafficPolicies, accessPolicies) => rejectAll(trafficPolicies, accessPolicies, failed),
    translateMember: () => NOTHING,
    translateVirtualDestination: () => NOTHING,
  };
}

export function translatorFor(destination: IndexedDestination): MeshTranslator {
  if (destination.service === undefined) {
    return rejecting(
      `Destination ${destination.key} is not a Kubernetes Service; only Kubernetes Service Destinations are supported`,
    );
  }
  const mesh = destination.mesh;
  if (mesh === undefined) {
    const ref = destination.destination.spec.mesh;
    return rejecting(
      ref === undefined
        ? `Destination ${destination.key} belongs to no Mesh`
        : `Destination ${destination.key} belongs to Mesh ${ref.namespace ?? ''}/${ref.name}, which was not discovered`,
    );
  }
  const type = meshTypeOf(mesh);
  if (type === undefined)
    return rejecting(`Mesh ${mesh.metadata.name} of Destination ${destination.key} has no known mesh type`);
  return (
    TRANSLATORS[type] ??
    rejecting(
      `not supported for ${meshTypeName(type)}: Destination ${destination.key} belongs to Mesh ${mesh.metadata.name}; Mesh Hub discovers ${meshTypeName(type)} but does not configure it`,
      meshTypeName(type),
    )
  );
}
