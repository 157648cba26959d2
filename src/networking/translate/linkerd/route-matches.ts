// TrafficPolicy request matchers → Gateway API HTTPRoute matches, as Linkerd evaluates them.
// Gateway API has no negated header match and no suffix match: a suffix (or ignoreCase) becomes a
// regular expression; an inverted header match cannot be expressed and is reported.
import type { StringMatch } from '../../../api/common/selectors.ts';
import type { HttpMatcher } from '../../../api/networking/v1/traffic-policy.ts';
import { escapeRegex } from '../escape-regex.ts';
import {
  HTTP_METHODS,
  type HTTPMethod,
  type HTTPPathMatch,
  type HTTPRouteMatch,
  type HTTPValueMatch,
} from './linkerd-types.ts';

/** What Gateway API accepts as an Exact or PathPrefix value (its CRD validation rules). */
const PLAIN_PATH = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$/;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

export const MATCH_ALL_PATH: HTTPPathMatch = { type: 'PathPrefix', value: '/' };

function plainPathError(value: string): string | undefined {
  if (!value.startsWith('/')) return 'must start with /';
  if (!PLAIN_PATH.test(value)) return 'holds a character Gateway API does not allow in a path';
  for (const bad of ['//', '/./', '/../', '%2f', '%2F', '#']) {
    if (value.includes(bad)) return `must not contain ${bad}`;
  }
  if (value.endsWith('/..') || value.endsWith('/.')) return 'must not end with /. or /..';
  return undefined;
}

function pathMatch(match: StringMatch, path: string, errors: string[]): HTTPPathMatch | undefined {
  const insensitive = match.ignoreCase === true;
  const flag = insensitive ? '(?i)' : '';
  if (match.regex !== undefined) return { type: 'RegularExpression', value: `${flag}${match.regex}` };
  if (match.suffix !== undefined) return { type: 'RegularExpression', value: `${flag}.*${escapeRegex(match.suffix)}` };
  const exact = match.exact;
  const value = exact ?? match.prefix ?? '';
  if (insensitive) {
    return { type: 'RegularExpression', value: `(?i)${escapeRegex(value)}${exact === undefined ? '.*' : ''}` };
  }
  const problem = plainPathError(value);
  if (problem !== undefined) {
    errors.push(`${path}.${exact === undefined ? 'prefix' : 'exact'}: "${value}" ${problem}`);
    return undefined;
  }
  return { type: exact === undefined ? 'PathPrefix' : 'Exact', value };
}

function valueMatch(
  name: string,
  value: string | undefined,
  regex: boolean | undefined,
  path: string,
  errors: string[],
): HTTPValueMatch | undefined {
  if (!HEADER_NAME.test(name)) {
    errors.push(`${path}.name: "${name}" is not a valid HTTP header or query parameter name for Gateway API`);
    return undefined;
  }
  // Without a value the API matches presence: any value.
  if (value === undefined || value === '') return { type: 'RegularExpression', name, value: '.*' };
  return { type: regex === true ? 'RegularExpression' : 'Exact', name, value };
}

function translateMatcher(matcher: HttpMatcher, path: string, errors: string[]): HTTPRouteMatch {
  const out: HTTPRouteMatch = {};
  if (matcher.uri !== undefined) {
    const p = pathMatch(matcher.uri, `${path}.uri`, errors);
    if (p !== undefined) out.path = p;
  }
  // The API server defaults a match without a path to prefix `/`; written out, so that the object
  // Mesh Hub wants is the object the cluster holds.
  out.path ??= { ...MATCH_ALL_PATH };
  if (matcher.method !== undefined) {
    const method = matcher.method.toUpperCase();
    if ((HTTP_METHODS as readonly string[]).includes(method)) out.method = method as HTTPMethod;
    else errors.push(`${path}.method: "${matcher.method}" is not a method Gateway API HTTPRoutes match`);
  }
  const headers: HTTPValueMatch[] = [];
  (matcher.headers ?? []).forEach((header, i) => {
    const at = `${path}.headers[${String(i)}]`;
    if (header.invertMatch === true) {
      errors.push(`${at}.invertMatch: Gateway API HTTPRoute matches cannot negate a header (Linkerd)`);
      return;
    }
    // Header names are case-insensitive; Linkerd compares them in lower case.
    const m = valueMatch(header.name.toLowerCase(), header.value, header.regex, at, errors);
    if (m !== undefined) headers.push(m);
  });
  if (headers.length > 0) out.headers = headers;
  const queryParams: HTTPValueMatch[] = [];
  (matcher.queryParameters ?? []).forEach((query, i) => {
    const m = valueMatch(query.name, query.value, query.regex, `${path}.queryParameters[${String(i)}]`, errors);
    if (m !== undefined) queryParams.push(m);
  });
  if (queryParams.length > 0) out.queryParams = queryParams;
  return out;
}

/**
 * One HTTPRouteMatch per request matcher (Gateway API ORs the matches of a rule; Mesh Hub keeps one
 * per rule so that rules merge by match). No matchers: one match for every request (prefix `/`).
 */
export function translateRouteMatches(
  matchers: readonly HttpMatcher[] | undefined,
): { ok: true; value: HTTPRouteMatch[] } | { ok: false; errors: string[] } {
  const list = matchers ?? [];
  if (list.length === 0) return { ok: true, value: [{ path: { ...MATCH_ALL_PATH } }] };
  const errors: string[] = [];
  const value = list.map((m, i) => translateMatcher(m, `spec.httpRequestMatchers[${String(i)}]`, errors));
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value };
}
