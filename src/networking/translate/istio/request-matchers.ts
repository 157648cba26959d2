// TrafficPolicy request matchers and source selectors → Istio HTTPMatchRequests. Source selectors
// give sourceLabels / sourceNamespace; with request matchers too, every source × every matcher.
import type { StringMatch as ApiStringMatch, WorkloadSelector } from '../../../api/common/selectors.ts';
import type { HttpMatcher } from '../../../api/networking/v1/traffic-policy.ts';
import type { HTTPMatchRequest, StringMatch } from './istio-types.ts';

/** RE2 (Istio's regex dialect) has the same metacharacters as this set. */
import { escapeRegex } from '../escape-regex.ts';

export { escapeRegex };

/**
 * The API's StringMatch as Istio's. Istio has no suffix match and no case-insensitive flag outside
 * URIs, so those become RE2 regexes (`.*suffix`, `(?i)…`). `caseFlag` says whether the caller can
 * express case-insensitivity itself (VirtualService `ignoreUriCase`) instead.
 */
export function translateStringMatch(match: ApiStringMatch, caseFlag: boolean): StringMatch {
  const insensitive = match.ignoreCase === true && !caseFlag;
  if (match.exact !== undefined) {
    return insensitive ? { regex: `(?i)${escapeRegex(match.exact)}` } : { exact: match.exact };
  }
  if (match.prefix !== undefined) {
    return insensitive ? { regex: `(?i)${escapeRegex(match.prefix)}.*` } : { prefix: match.prefix };
  }
  if (match.suffix !== undefined) {
    return { regex: `${match.ignoreCase === true ? '(?i)' : ''}.*${escapeRegex(match.suffix)}` };
  }
  const regex = match.regex ?? '';
  return { regex: match.ignoreCase === true ? `(?i)${regex}` : regex };
}

/** A header or query value matcher: exact, regex, or (no value) any value as long as it is present. */
function valueMatch(value: string | undefined, regex: boolean | undefined): StringMatch {
  if (value === undefined) return { regex: '.*' };
  return regex === true ? { regex: value } : { exact: value };
}

function translateHttpMatcher(matcher: HttpMatcher): HTTPMatchRequest {
  const out: HTTPMatchRequest = {};
  if (matcher.name !== undefined && matcher.name !== '') out.name = matcher.name;
  if (matcher.uri !== undefined) {
    out.uri = translateStringMatch(matcher.uri, true);
    // ignoreUriCase covers exact and prefix; regexes carry (?i) instead.
    if (matcher.uri.ignoreCase === true && (out.uri.exact !== undefined || out.uri.prefix !== undefined)) {
      out.ignoreUriCase = true;
    }
  }
  const headers: Record<string, StringMatch> = {};
  const withoutHeaders: Record<string, StringMatch> = {};
  for (const header of matcher.headers ?? []) {
    // HTTP header names are case-insensitive and Envoy sees them in lower case.
    const target = header.invertMatch === true ? withoutHeaders : headers;
    target[header.name.toLowerCase()] = valueMatch(header.value, header.regex);
  }
  if (Object.keys(headers).length > 0) out.headers = headers;
  if (Object.keys(withoutHeaders).length > 0) out.withoutHeaders = withoutHeaders;
  const queryParams: Record<string, StringMatch> = {};
  for (const query of matcher.queryParameters ?? []) queryParams[query.name] = valueMatch(query.value, query.regex);
  if (Object.keys(queryParams).length > 0) out.queryParams = queryParams;
  if (matcher.method !== undefined) out.method = { exact: matcher.method };
  return out;
}

/** Source conditions for the selectors that can match workloads in `cluster`; [] means any source. */
function sourceMatches(selectors: readonly WorkloadSelector[], cluster: string): HTTPMatchRequest[] {
  const sources: HTTPMatchRequest[] = [];
  for (const selector of selectors) {
    const matcher = selector.kubeWorkloadMatcher;
    const clusters = matcher?.clusters ?? [];
    if (clusters.length > 0 && !clusters.includes(cluster)) continue;
    const labels = matcher?.labels ?? {};
    const namespaces = matcher?.namespaces ?? [];
    const withLabels = Object.keys(labels).length > 0 ? { sourceLabels: { ...labels } } : {};
    // A selector with neither labels nor namespaces names every source: no condition at all.
    if (namespaces.length === 0 && Object.keys(labels).length === 0) return [];
    if (namespaces.length === 0) sources.push(withLabels);
    else for (const namespace of namespaces) sources.push({ ...withLabels, sourceNamespace: namespace });
  }
  return sources;
}

/**
 * The match conditions of a policy's routes in `cluster`, one HTTPMatchRequest per route
 * (Istio ORs the entries of a route's match list; Mesh Hub gives each its own route so routes can
 * be ordered by specificity). `[{}]` matches every request.
 */
export function translateRequestMatchers(
  httpMatchers: readonly HttpMatcher[] | undefined,
  sourceSelectors: readonly WorkloadSelector[] | undefined,
  cluster: string,
): HTTPMatchRequest[] {
  const sources = sourceMatches(sourceSelectors ?? [], cluster);
  const requests = (httpMatchers ?? []).map(translateHttpMatcher);
  if (sources.length === 0 && requests.length === 0) return [{}];
  if (requests.length === 0) return sources;
  if (sources.length === 0) return requests;
  return sources.flatMap((source) => requests.map((request) => ({ ...request, ...source })));
}
