// The one place that picks a translator by mesh type. Linkerd and Open Service Mesh translators
// plug in here; until then their Destinations report plainly that the mesh is not yet supported.
import { meshTypeName, meshTypeOf } from '../mesh-type.ts';
import type { IndexedDestination } from '../networking-index.ts';
import { istioTranslator } from './istio/istio-translator.ts';
import { linkerdTranslator } from './linkerd/linkerd-translator.ts';
import type { MeshTranslator } from './translator.ts';
import { outcome, rejectAll } from './translator.ts';

function rejecting(message: string): MeshTranslator {
  const failed = outcome('FAILED', [message]);
  return {
    decide: (_destination, trafficPolicies, accessPolicies) => rejectAll(trafficPolicies, accessPolicies, failed),
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
  switch (type) {
    case 'istio':
      return istioTranslator;
    case 'linkerd':
      return linkerdTranslator;
    case 'osm':
    case 'consul-connect':
    case 'aws-app-mesh':
      return rejecting(
        `not yet supported for ${meshTypeName(type)}: Destination ${destination.key} belongs to Mesh ${mesh.metadata.name}`,
      );
  }
}
