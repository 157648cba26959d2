// The VirtualService of one Destination: one route per (match, service port), most specific first.
import type { TrafficPolicy } from '../../model.ts';
import type { PortChoice, RouteFields } from './features.ts';
import type { HTTPMatchRequest, HTTPRoute, HTTPRouteDestination } from './istio-types.ts';
import { orderRoutesBySpecificity } from './route-order.ts';

/** The fields accepted policies set on the routes of one match condition. */
export interface RouteDraft {
  readonly match: HTTPMatchRequest;
  readonly fields: RouteFields;
  readonly policies: TrafficPolicy[];
}

function portOf(choice: PortChoice, routePort: number | undefined): { number: number } | undefined {
  const number = choice === 'route' ? routePort : choice;
  return number === undefined ? undefined : { number };
}

function expandRoute(draft: RouteDraft, host: string, port: number | undefined): HTTPRoute {
  const { fields } = draft;
  const match: HTTPMatchRequest = port === undefined ? { ...draft.match } : { ...draft.match, port };
  const destinations: HTTPRouteDestination[] = (
    fields.route ?? [{ host, port: port === undefined ? undefined : ('route' as const) }]
  ).map((d) => {
    const destinationPort = portOf(d.port, port);
    return {
      destination: {
        host: d.host,
        ...(d.subset === undefined ? {} : { subset: d.subset }),
        ...(destinationPort === undefined ? {} : { port: destinationPort }),
      },
      ...(d.weight === undefined ? {} : { weight: d.weight }),
      ...(d.headers === undefined ? {} : { headers: d.headers }),
    };
  });
  const route: HTTPRoute = { match: [match], route: destinations };
  if (fields.timeout !== undefined) route.timeout = fields.timeout;
  if (fields.retries !== undefined) route.retries = fields.retries;
  if (fields.corsPolicy !== undefined) route.corsPolicy = fields.corsPolicy;
  if (fields.fault !== undefined) route.fault = fields.fault;
  if (fields.mirror !== undefined) {
    const mirrorPort = portOf(fields.mirror.port, port);
    route.mirror = { host: fields.mirror.host, ...(mirrorPort === undefined ? {} : { port: mirrorPort }) };
    if (fields.mirror.percentage !== undefined) route.mirrorPercentage = { value: fields.mirror.percentage };
  }
  if (fields.headers !== undefined) route.headers = fields.headers;
  return route;
}

/**
 * Routes for the drafts, one per service port (Istio needs the port of a multi-port Service on
 * every route), ordered most specific first. When no policy route matches every request, a final
 * route per port keeps the remaining requests flowing to the Destination itself: without it Istio
 * answers them 404 (Gloo Mesh 1.x left that to the user; see docs/traffic-policy.md).
 */
export function buildHttpRoutes(
  drafts: readonly RouteDraft[],
  host: string,
  servicePorts: readonly number[],
): HTTPRoute[] {
  const ports: (number | undefined)[] = servicePorts.length === 0 ? [undefined] : [...servicePorts];
  const routes: HTTPRoute[] = [];
  for (const draft of drafts) for (const port of ports) routes.push(expandRoute(draft, host, port));
  if (!drafts.some((d) => Object.keys(d.match).length === 0)) {
    for (const port of ports) routes.push(expandRoute({ match: {}, fields: {}, policies: [] }, host, port));
  }
  return orderRoutesBySpecificity(routes);
}
