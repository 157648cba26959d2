// Accepted TrafficPolicies of one Linkerd Destination → Gateway API HTTPRoutes parented on its
// Service (in the Service's namespace: a producer route, applying to every client):
//   HTTPRoute <svc>                       rules without retries, plus the default rule (every other
//                                         request to the Service itself: once a Service has routes,
//                                         Linkerd sends nowhere what matches none of them)
//   HTTPRoute <svc>-retry-<n>[-<timeout>] rules with that retry setting (annotations retry.linkerd.io/*)
// A Service with several ports gets these per port (`<svc>-<port>…`, parentRef port): a backend's
// port depends on the port the request came to.
import { sanitizeName } from '../../../discovery/names.ts';
import {
  LINKERD_RETRY_HTTP_ANNOTATION,
  LINKERD_RETRY_LIMIT_ANNOTATION,
  LINKERD_RETRY_TIMEOUT_ANNOTATION,
} from '../../../api/labels.ts';
import { canonicalJson } from '../../canonical-json.ts';
import type { TrafficPolicy } from '../../model.ts';
import type { KubeServiceRef } from '../../networking-index.ts';
import type { HTTPBackendRef, HTTPRouteMatch, HTTPRouteRule, HTTPRouteSpec, ParentReference } from './linkerd-types.ts';
import { MATCH_ALL_PATH } from './route-matches.ts';
import type { RetrySetting, RuleFields } from './traffic-features.ts';

/** The requests of one match and what accepted policies set for them. */
export interface RuleDraft {
  readonly match: HTTPRouteMatch;
  readonly fields: RuleFields;
  readonly policies: TrafficPolicy[];
}

export interface OutboundRoute {
  readonly name: string;
  readonly annotations: Readonly<Record<string, string>>;
  readonly spec: HTTPRouteSpec;
  readonly policies: readonly TrafficPolicy[];
}

const MATCH_ALL_KEY = canonicalJson({ path: MATCH_ALL_PATH });

/** Which HTTPRoute a rule goes to: '' for the one without retries. */
export function retryGroup(retries: RetrySetting | undefined): string {
  if (retries === undefined) return '';
  return `retry-${String(retries.limit)}${retries.timeout === undefined ? '' : `-${retries.timeout}`}`;
}

function retryAnnotations(retries: RetrySetting | undefined): Record<string, string> {
  if (retries === undefined) return {};
  return {
    // Linkerd retries only the responses it is told to; 5xx is what a mesh retries by default.
    [LINKERD_RETRY_HTTP_ANNOTATION]: '5xx',
    [LINKERD_RETRY_LIMIT_ANNOTATION]: String(retries.limit),
    ...(retries.timeout === undefined ? {} : { [LINKERD_RETRY_TIMEOUT_ANNOTATION]: retries.timeout }),
  };
}

function backendRefs(draft: RuleDraft | undefined, service: KubeServiceRef, port: number): HTTPBackendRef[] {
  const backends = draft?.fields.backends;
  if (backends === undefined || backends.length === 0) {
    return [{ group: '', kind: 'Service', name: service.name, port, weight: 1 }];
  }
  return backends.map((b) => ({
    group: '',
    kind: 'Service',
    name: b.name,
    ...(b.namespace === service.namespace ? {} : { namespace: b.namespace }),
    port: b.ports.get(port) ?? port,
    weight: b.weight,
    ...(b.filters === undefined ? {} : { filters: [...b.filters] }),
  }));
}

function rule(
  draft: RuleDraft | undefined,
  match: HTTPRouteMatch,
  service: KubeServiceRef,
  port: number,
): HTTPRouteRule {
  const fields = draft?.fields;
  return {
    matches: [match],
    ...(fields?.filters === undefined ? {} : { filters: [...fields.filters] }),
    backendRefs: backendRefs(draft, service, port),
    ...(fields?.timeout === undefined ? {} : { timeouts: { request: fields.timeout } }),
  };
}

/** The HTTPRoutes of one Destination, given its rule drafts in the order policies were accepted. */
export function buildOutboundRoutes(
  service: KubeServiceRef,
  ports: readonly number[],
  drafts: readonly RuleDraft[],
): OutboundRoute[] {
  if (drafts.length === 0 || ports.length === 0) return [];
  const groups = new Map<string, RuleDraft[]>([['', []]]);
  for (const draft of drafts) {
    const group = retryGroup(draft.fields.retries);
    const list = groups.get(group) ?? [];
    list.push(draft);
    groups.set(group, list);
  }
  const coversAll = drafts.some((d) => canonicalJson(d.match) === MATCH_ALL_KEY);
  const routes: OutboundRoute[] = [];
  for (const port of ports) {
    const base = ports.length > 1 ? `${service.name}-${String(port)}` : service.name;
    const parentRef: ParentReference = {
      group: '',
      kind: 'Service',
      name: service.name,
      ...(ports.length > 1 ? { port } : {}),
    };
    for (const [group, list] of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const rules = list.map((d) => rule(d, d.match, service, port));
      if (group === '' && !coversAll) rules.push(rule(undefined, { path: { ...MATCH_ALL_PATH } }, service, port));
      if (rules.length === 0) continue;
      routes.push({
        name: sanitizeName(group === '' ? base : `${base}-${group}`),
        annotations: retryAnnotations(list[0]?.fields.retries),
        spec: { parentRefs: [parentRef], rules },
        policies: list.flatMap((d) => d.policies),
      });
    }
  }
  return routes;
}
