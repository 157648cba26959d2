// The one entry point of `meshctl explain request` (the CLI and the dashboard API call it): the
// Destination's mesh picks the evaluator, and every evaluator answers with the same Explanation.
import { destinationFacts, explainedMeshOf, meshKindOf } from './estate-objects.ts';
import { ExplainError, type Explanation, type HypotheticalRequest, type RenderedEstate } from './explanation.ts';
import { explainIstioRequest } from './istio-request.ts';
import { explainLinkerdRequest } from './linkerd-request.ts';
import { explainOsmRequest } from './osm-request.ts';

export type { Explanation, HypotheticalRequest, RenderedEstate } from './explanation.ts';
export { ExplainError } from './explanation.ts';

/** How the generated objects treat one hypothetical request; throws ExplainError for unknown names or meshes. */
export function explainRequest(estate: RenderedEstate, request: HypotheticalRequest): Explanation {
  const destination = destinationFacts(estate, request.to);
  const mesh = explainedMeshOf(destination.mesh);
  switch (mesh) {
    case 'istio':
      return explainIstioRequest(estate, request);
    case 'linkerd':
      return explainLinkerdRequest(estate, request, destination);
    case 'osm':
      return explainOsmRequest(estate, request, destination);
    case undefined:
      throw new ExplainError(
        destination.mesh === undefined
          ? `Destination ${destination.name} is in no discovered Mesh: there is no mesh whose objects could be evaluated`
          : `Destination ${destination.name} is in a ${meshKindOf(destination.mesh)} mesh (${destination.mesh.metadata.name}): explain evaluates Istio, Linkerd and Open Service Mesh only`,
      );
  }
}
