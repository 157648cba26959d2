// AccessPolicies of one Linkerd Destination → Linkerd's inbound policy objects, in the Service's
// namespace and cluster:
//   Server <svc>-<pod port>                one per pod port behind the Service; selects the Service's
//                                          pods; accessPolicy deny, so only what is authorized passes
//   MeshTLSAuthentication <svc>-<ap>-<ns>  the identities the AccessPolicy's sources name
//   AuthorizationPolicy <svc>-<port>-<ap>-<ns>  per Server the AccessPolicy opens (no paths/methods)
//   HTTPRoute <svc>-<ap>-<ns>              when the AccessPolicy names paths or methods: those
//                                          requests, parented on its Servers
//   AuthorizationPolicy <svc>-<ap>-<ns>    targeting that HTTPRoute
// Linkerd serves only the routes of a Server that has HTTPRoutes, so an AccessPolicy without paths
// or methods on such a Server also gets an HTTPRoute, matching every request.
import { sanitizeName } from '../../../discovery/names.ts';
import type { AccessPolicy } from '../../model.ts';
import type { IndexedDestination } from '../../networking-index.ts';
import { escapeRegex } from '../escape-regex.ts';
import { type IdentityContext, type LinkerdSources, translateSources } from './identities.ts';
import {
  AUTHORIZATION_POLICY_API_VERSION,
  GATEWAY_API_VERSION,
  GATEWAY_GROUP,
  HTTP_METHODS,
  type HTTPMethod,
  type HTTPPathMatch,
  type HTTPRouteMatch,
  type HTTPRouteRule,
  MAX_MATCHES_PER_RULE,
  MAX_RULES_PER_ROUTE,
  MESH_TLS_AUTHENTICATION_API_VERSION,
  POLICY_GROUP,
  SERVER_API_VERSION,
} from './linkerd-types.ts';
import { MATCH_ALL_PATH } from './route-matches.ts';

/** One pod port behind a Service, with the Service ports that lead to it. */
export interface ServerPort {
  readonly podPort: number | string;
  readonly servicePorts: readonly number[];
  /** The Server's name: `<service>-<pod port>`. */
  readonly name: string;
}

/** The Servers of a Destination: one per distinct pod port (two Servers on one port would compete). */
export function serverPorts(destination: IndexedDestination): ServerPort[] {
  const service = destination.service;
  if (service === undefined) return [];
  const byPodPort = new Map<string, { podPort: number | string; servicePorts: number[] }>();
  for (const port of destination.destination.spec.kubeService?.ports ?? []) {
    if (port.port === undefined) continue;
    const podPort = port.targetPortNumber ?? port.targetPortName ?? port.port;
    const key = String(podPort);
    const entry = byPodPort.get(key);
    if (entry === undefined) byPodPort.set(key, { podPort, servicePorts: [port.port] });
    else entry.servicePorts.push(port.port);
  }
  return [...byPodPort.values()]
    .map((p) => ({ ...p, name: sanitizeName(`${service.name}-${String(p.podPort)}`) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** An accepted AccessPolicy, translated for one Destination. */
export interface LinkerdAccessRule {
  readonly policy: AccessPolicy;
  readonly sources: LinkerdSources;
  /** The Servers it opens. */
  readonly servers: readonly ServerPort[];
  /** Present when it names paths or methods: the requests it allows. */
  readonly matches: readonly HTTPRouteMatch[] | undefined;
}

function allowedPath(path: string, at: string): HTTPPathMatch | string {
  // The API's paths follow Istio's: exact, `prefix*`, `*suffix`, or `*` for any.
  if (path === '*') return { ...MATCH_ALL_PATH };
  if (path.endsWith('*')) return { type: 'RegularExpression', value: `${escapeRegex(path.slice(0, -1))}.*` };
  if (path.startsWith('*')) return { type: 'RegularExpression', value: `.*${escapeRegex(path.slice(1))}` };
  if (!path.startsWith('/')) return `${at}: "${path}" is not an absolute path`;
  // Anything Gateway API refuses as an exact path is still matched exactly, as a regex.
  return /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$/.test(path) && !/\/\/|\/\.\.?(\/|$)|%2f/i.test(path)
    ? { type: 'Exact', value: path }
    : { type: 'RegularExpression', value: escapeRegex(path) };
}

function allowedMatches(
  policy: AccessPolicy,
): { ok: true; value: HTTPRouteMatch[] | undefined } | { ok: false; errors: string[] } {
  const paths = policy.spec.allowedPaths ?? [];
  const methods = policy.spec.allowedMethods ?? [];
  if (paths.length === 0 && methods.length === 0) return { ok: true, value: undefined };
  const errors: string[] = [];
  const pathMatches: HTTPPathMatch[] = [];
  paths.forEach((p, i) => {
    const m = allowedPath(p, `spec.allowedPaths[${String(i)}]`);
    if (typeof m === 'string') errors.push(m);
    else pathMatches.push(m);
  });
  const methodMatches: HTTPMethod[] = [];
  methods.forEach((m, i) => {
    const upper = m.toUpperCase();
    if ((HTTP_METHODS as readonly string[]).includes(upper)) methodMatches.push(upper as HTTPMethod);
    else errors.push(`spec.allowedMethods[${String(i)}]: "${m}" is not a method Gateway API HTTPRoutes match`);
  });
  if (errors.length > 0) return { ok: false, errors };
  const pathList: HTTPPathMatch[] = pathMatches.length > 0 ? pathMatches : [{ ...MATCH_ALL_PATH }];
  const matches: HTTPRouteMatch[] = [];
  for (const path of pathList) {
    if (methodMatches.length === 0) matches.push({ path });
    for (const method of methodMatches) matches.push({ path, method });
  }
  if (matches.length > MAX_MATCHES_PER_RULE * MAX_RULES_PER_ROUTE) {
    return {
      ok: false,
      errors: [
        `spec.allowedPaths × spec.allowedMethods: ${String(matches.length)} combinations; one Gateway API HTTPRoute holds at most ${String(MAX_MATCHES_PER_RULE * MAX_RULES_PER_ROUTE)}`,
      ],
    };
  }
  return { ok: true, value: matches };
}

export type AccessDecision =
  | { readonly ok: true; readonly rule: LinkerdAccessRule; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly errors: readonly string[] };

export function translateAccessPolicy(
  policy: AccessPolicy,
  destination: IndexedDestination,
  servers: readonly ServerPort[],
  identities: IdentityContext,
): AccessDecision {
  const sources = translateSources(policy.spec.sourceSelector, identities);
  const matches = allowedMatches(policy);
  const errors = [...(sources.ok ? [] : sources.errors), ...(matches.ok ? [] : matches.errors)];
  if (!sources.ok || !matches.ok) return { ok: false, errors };
  const warnings: string[] = sources.value.kind === 'mesh-tls' ? [...sources.value.warnings] : [];
  const allowedPorts = policy.spec.allowedPorts ?? [];
  const opened =
    allowedPorts.length === 0 ? servers : servers.filter((s) => s.servicePorts.some((p) => allowedPorts.includes(p)));
  if (opened.length === 0) {
    warnings.push(
      `spec.allowedPorts: no port of Service ${destination.service?.namespace ?? ''}/${destination.service?.name ?? ''} is listed; this AccessPolicy opens nothing on it`,
    );
  }
  if (matches.value !== undefined) {
    warnings.push(
      'spec.allowedPaths/allowedMethods: Linkerd serves only the HTTPRoutes of a Server that has any, so kubelet probes to these ports must be allowed by an AccessPolicy too',
    );
  }
  return { ok: true, rule: { policy, sources: sources.value, servers: opened, matches: matches.value }, warnings };
}

function policyKey(policy: AccessPolicy): string {
  return `${policy.metadata.name}-${policy.metadata.namespace ?? ''}`;
}

export interface AccessObject {
  readonly apiVersion: string;
  readonly kind: 'Server' | 'MeshTLSAuthentication' | 'AuthorizationPolicy' | 'HTTPRoute';
  readonly name: string;
  readonly spec: object;
  /** The AccessPolicies it comes from (none: a Server written for default deny alone). */
  readonly policies: readonly AccessPolicy[];
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The inbound objects of one Destination. `servers` are written when any rule is accepted or when
 * default deny applies to the Destination (`denyByDefault`).
 */
export function writeAccessObjects(
  destination: IndexedDestination,
  servers: readonly ServerPort[],
  rules: readonly LinkerdAccessRule[],
  denyByDefault: boolean,
): AccessObject[] {
  const service = destination.service;
  if (service === undefined || (rules.length === 0 && !denyByDefault)) return [];
  const selector = { ...(destination.destination.spec.kubeService?.workloadSelectorLabels ?? {}) };
  const objects: AccessObject[] = [];
  const policiesOn = new Map<string, AccessPolicy[]>();
  for (const rule of rules) {
    for (const server of rule.servers) {
      const list = policiesOn.get(server.name) ?? [];
      list.push(rule.policy);
      policiesOn.set(server.name, list);
    }
  }
  for (const server of servers) {
    objects.push({
      apiVersion: SERVER_API_VERSION,
      kind: 'Server',
      name: server.name,
      // proxyProtocol and accessPolicy are written out at their defaults, so that the object Mesh
      // Hub wants is the one the API server stores.
      spec: {
        podSelector: { matchLabels: selector },
        port: server.podPort,
        proxyProtocol: 'unknown',
        accessPolicy: 'deny',
      },
      policies: policiesOn.get(server.name) ?? [],
    });
  }
  // Servers that carry routes: every rule on them needs a route, or Linkerd would not serve it.
  const routed = new Set<string>();
  for (const rule of rules) if (rule.matches !== undefined) for (const s of rule.servers) routed.add(s.name);
  for (const rule of rules) {
    const key = policyKey(rule.policy);
    const authentication =
      rule.sources.kind === 'any'
        ? []
        : [
            {
              group: POLICY_GROUP,
              kind: 'MeshTLSAuthentication',
              name: sanitizeName(`${service.name}-${key}`),
              namespace: service.namespace,
            },
          ];
    if (rule.sources.kind === 'mesh-tls' && rule.servers.length > 0) {
      objects.push({
        apiVersion: MESH_TLS_AUTHENTICATION_API_VERSION,
        kind: 'MeshTLSAuthentication',
        name: sanitizeName(`${service.name}-${key}`),
        spec: rule.sources.spec,
        policies: [rule.policy],
      });
    }
    const viaRoute = rule.servers.filter((s) => rule.matches !== undefined || routed.has(s.name));
    const direct = rule.servers.filter((s) => !viaRoute.includes(s));
    for (const server of direct) {
      objects.push({
        apiVersion: AUTHORIZATION_POLICY_API_VERSION,
        kind: 'AuthorizationPolicy',
        name: sanitizeName(`${server.name}-${key}`),
        spec: {
          targetRef: { group: POLICY_GROUP, kind: 'Server', name: server.name },
          requiredAuthenticationRefs: authentication,
        },
        policies: [rule.policy],
      });
    }
    if (viaRoute.length === 0) continue;
    const routeName = sanitizeName(`${service.name}-${key}`);
    const matches = rule.matches ?? [{ path: { ...MATCH_ALL_PATH } }];
    const routeRules: HTTPRouteRule[] = chunk(matches, MAX_MATCHES_PER_RULE).map((m) => ({ matches: m }));
    objects.push({
      apiVersion: GATEWAY_API_VERSION,
      kind: 'HTTPRoute',
      name: routeName,
      spec: {
        parentRefs: viaRoute.map((s) => ({ group: POLICY_GROUP, kind: 'Server', name: s.name })),
        rules: routeRules,
      },
      policies: [rule.policy],
    });
    objects.push({
      apiVersion: AUTHORIZATION_POLICY_API_VERSION,
      kind: 'AuthorizationPolicy',
      name: routeName,
      spec: {
        targetRef: { group: GATEWAY_GROUP, kind: 'HTTPRoute', name: routeName },
        requiredAuthenticationRefs: authentication,
      },
      policies: [rule.policy],
    });
  }
  return objects;
}
