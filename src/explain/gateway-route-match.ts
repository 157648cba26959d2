// Gateway API HTTPRoute matches as Linkerd's proxy evaluates them (outbound on a Service, inbound on a
// Server), for `meshctl explain request`. Every rule of every route is tried; the best match wins:
// the longest path match first (an exact or regex match counts the whole path, a prefix its own
// length without a trailing slash, and only on a segment boundary), then more header matches, then
// more query parameter matches, then a method match. Ties keep the first: routes ordered by creation
// timestamp, then namespace/name (the policy controller's order), rules and matches in their order.
// Regexes are Rust regexes in Linkerd, found leftmost-first and accepted only when the match spans the
// whole value; here JavaScript RegExp the same way (same result for the common subset).
import type { KubeObject } from '../api/meta.ts';
import { list, qualifiedName, record, text, type Json } from './estate-objects.ts';
import type { HypotheticalRequest } from './explanation.ts';

/** How well one match fits a request, compared field by field in this order. */
export interface MatchRank {
  readonly path: number;
  readonly headers: number;
  readonly queryParams: number;
  readonly method: number;
}

export function compareRanks(a: MatchRank, b: MatchRank): number {
  return a.path - b.path || a.headers - b.headers || a.queryParams - b.queryParams || a.method - b.method;
}

/** Whether a regex, found leftmost-first in the value, spans all of it; undefined when it cannot be compiled here. */
export function regexSpans(pattern: string, value: string): boolean | undefined {
  let source = pattern;
  let flags = '';
  // Rust's inline flag, which the translator writes for case-insensitive matches.
  if (source.startsWith('(?i)')) {
    source = source.slice(4);
    flags = 'i';
  }
  let regex: RegExp;
  try {
    regex = new RegExp(source, flags);
  } catch {
    return undefined;
  }
  const found = regex.exec(value);
  return found !== null && found.index === 0 && found[0].length === value.length;
}

interface Outcome {
  readonly rank?: MatchRank;
  /** Why it could not be decided, when it could not. */
  readonly unknown?: string;
}

function pathLength(match: Json, path: string): { length?: number; unknown?: string } {
  if (match.path === undefined) return { length: 1 }; // Gateway API's default: prefix `/`.
  const pm = record(match.path);
  const type = text(pm.type) ?? 'PathPrefix';
  const value = text(pm.value) ?? '/';
  switch (type) {
    case 'Exact':
      return path === value ? { length: value.length } : {};
    case 'PathPrefix': {
      if (value === '/') return { length: 1 };
      const prefix = value.replace(/\/+$/, '');
      const rest = path.replace(/\/+$/, '');
      if (!rest.startsWith(prefix)) return {};
      const suffix = rest.slice(prefix.length);
      return suffix === '' || suffix.startsWith('/') ? { length: prefix.length } : {};
    }
    case 'RegularExpression': {
      const spans = regexSpans(value, path);
      if (spans === undefined) return { unknown: `path regex ${JSON.stringify(value)} cannot be evaluated here` };
      return spans ? { length: path.length } : {};
    }
    default:
      return { unknown: `path match type ${type} is not evaluated` };
  }
}

function valueMatches(m: Json, value: string | undefined): boolean | undefined {
  if (value === undefined) return false;
  const expected = text(m.value) ?? '';
  if ((text(m.type) ?? 'Exact') === 'Exact') return value === expected;
  return regexSpans(expected, value);
}

/** One HTTPRouteMatch against the request: its rank when it matches. */
export function rankMatch(match: Json, request: HypotheticalRequest): Outcome {
  const method = text(match.method);
  if (method !== undefined && method !== (request.method ?? 'GET')) return {};
  const path = pathLength(match, request.path ?? '/');
  if (path.unknown !== undefined) return { unknown: path.unknown };
  if (path.length === undefined) return {};
  const headers = list(match.headers).map(record);
  for (const h of headers) {
    const ok = valueMatches(h, request.headers?.[(text(h.name) ?? '').toLowerCase()]);
    if (ok === undefined) return { unknown: `header regex ${JSON.stringify(h.value)} cannot be evaluated here` };
    if (!ok) return {};
  }
  const queryParams = list(match.queryParams);
  if (queryParams.length > 0) return { unknown: 'query parameters are not part of the request here' };
  return { rank: { path: path.length, headers: headers.length, queryParams: 0, method: method === undefined ? 0 : 1 } };
}

export function describeGatewayMatch(match: Json | undefined): string {
  if (match === undefined) return 'every request (a rule without matches)';
  const parts: string[] = [];
  const pm = record(match.path);
  if (match.path !== undefined) parts.push(`path ${text(pm.type) ?? 'PathPrefix'} ${JSON.stringify(pm.value ?? '/')}`);
  if (typeof match.method === 'string') parts.push(`method ${match.method}`);
  for (const h of list(match.headers).map(record)) {
    parts.push(`header ${text(h.name) ?? ''} ${text(h.type) ?? 'Exact'} ${JSON.stringify(h.value ?? '')}`);
  }
  return parts.join(', ') || 'every request';
}

/** Routes in the order the policy controller hands them to the proxy: oldest first, then by namespace/name. */
export function orderRoutes(routes: readonly KubeObject[]): KubeObject[] {
  const stamp = (o: KubeObject) => text((o.metadata as { creationTimestamp?: unknown }).creationTimestamp);
  return [...routes].sort((a, b) => {
    const sa = stamp(a);
    const sb = stamp(b);
    if (sa !== undefined && sb === undefined) return -1;
    if (sa === undefined && sb !== undefined) return 1;
    if (sa !== undefined && sb !== undefined && sa !== sb) return sa < sb ? -1 : 1;
    const na = qualifiedName(a);
    const nb = qualifiedName(b);
    return na < nb ? -1 : na > nb ? 1 : 0;
  });
}

export interface ChosenRule {
  readonly route: KubeObject;
  readonly ruleIndex: number;
  readonly rule: Json;
  /** The match of the rule that matched best; undefined for a rule without matches. */
  readonly match: Json | undefined;
  readonly rank: MatchRank;
  /** Another route's rule that ranks the same: the route order decided between them. */
  readonly tiedWith?: { readonly route: KubeObject; readonly ruleIndex: number };
}

/**
 * The rule Linkerd takes for the request among `routes` (ordered with orderRoutes), or undefined
 * when none matches. `unknowns` collects matches that could not be decided.
 */
export function chooseRule(
  routes: readonly KubeObject[],
  request: HypotheticalRequest,
  unknowns: Set<string>,
): ChosenRule | undefined {
  let best: ChosenRule | undefined;
  for (const route of routes) {
    const rules = list(record((route as { spec?: unknown }).spec).rules).map(record);
    for (const [ruleIndex, rule] of rules.entries()) {
      const matches = list(rule.matches).map(record);
      let candidate: { rank: MatchRank; match: Json | undefined } | undefined;
      if (matches.length === 0)
        candidate = { rank: { path: 1, headers: 0, queryParams: 0, method: 0 }, match: undefined };
      for (const match of matches) {
        const outcome = rankMatch(match, request);
        if (outcome.unknown !== undefined) {
          unknowns.add(`HTTPRoute ${qualifiedName(route)} rules[${String(ruleIndex)}]: ${outcome.unknown}`);
        }
        if (outcome.rank === undefined) continue;
        if (candidate === undefined || compareRanks(outcome.rank, candidate.rank) > 0) {
          candidate = { rank: outcome.rank, match };
        }
      }
      if (candidate === undefined) continue;
      if (best === undefined || compareRanks(candidate.rank, best.rank) > 0) {
        best = { route, ruleIndex, rule, ...candidate };
      } else if (compareRanks(candidate.rank, best.rank) === 0 && best.route !== route && best.tiedWith === undefined) {
        best = { ...best, tiedWith: { route, ruleIndex } };
      }
    }
  }
  return best;
}
