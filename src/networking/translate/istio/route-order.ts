// The order of a VirtualService's routes: most specific first, by the same criteria, in the same
// precedence, as Gloo Mesh 1.x (translation/istio/destination/virtualservice/http_route_ordering.go):
//   1. URI: exact before regex before prefix; within a kind, longer first, then lexical
//   2. more headers first            3. more query parameters first
//   4. more source labels first      5. source namespace, reverse lexical (so any namespace last)
//   6. an exact method before none; between methods, reverse lexical
//   7. more withoutHeaders first     8. lower port first
// Upstream sorted with an unstable sort; here routes that tie keep the order in which their
// policies claim fields (policy-order.ts), so the output is fully determined.
import type { HTTPMatchRequest, HTTPRoute, StringMatch } from './istio-types.ts';

function byLengthThenLexical(a: string | undefined, b: string | undefined): number {
  const la = a?.length ?? 0;
  const lb = b?.length ?? 0;
  if (la !== lb) return lb - la;
  if (a === undefined || b === undefined || a === b) return 0;
  return a < b ? -1 : 1;
}

/** Negative when `a` is the more specific URI match. */
export function compareUriSpecificity(a: StringMatch | undefined, b: StringMatch | undefined): number {
  return (
    byLengthThenLexical(a?.exact, b?.exact) ||
    byLengthThenLexical(a?.regex, b?.regex) ||
    byLengthThenLexical(a?.prefix, b?.prefix)
  );
}

function size(record: Readonly<Record<string, unknown>> | undefined): number {
  return record === undefined ? 0 : Object.keys(record).length;
}

function compareMethod(a: StringMatch | undefined, b: StringMatch | undefined): number {
  const ma = a?.exact ?? '';
  const mb = b?.exact ?? '';
  if (ma === mb) return 0;
  if (ma === '') return 1;
  if (mb === '') return -1;
  return ma > mb ? -1 : 1;
}

/** Negative when `a` is more specific than `b`; 0 when the criteria do not tell them apart. */
export function compareMatchSpecificity(a: HTTPMatchRequest, b: HTTPMatchRequest): number {
  const sa = a.sourceNamespace ?? '';
  const sb = b.sourceNamespace ?? '';
  return (
    compareUriSpecificity(a.uri, b.uri) ||
    size(b.headers) - size(a.headers) ||
    size(b.queryParams) - size(a.queryParams) ||
    size(b.sourceLabels) - size(a.sourceLabels) ||
    (sa === sb ? 0 : sa > sb ? -1 : 1) ||
    compareMethod(a.method, b.method) ||
    size(b.withoutHeaders) - size(a.withoutHeaders) ||
    (a.port ?? 0) - (b.port ?? 0)
  );
}

/** Routes with one match each, most specific first; ties keep their given order (stable sort). */
export function orderRoutesBySpecificity(routes: readonly HTTPRoute[]): HTTPRoute[] {
  const first = (route: HTTPRoute): HTTPMatchRequest => route.match?.[0] ?? {};
  return [...routes].sort((a, b) => compareMatchSpecificity(first(a), first(b)));
}
