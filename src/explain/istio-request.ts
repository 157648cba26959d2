// `meshctl explain request`: one hypothetical HTTP request evaluated against the generated Istio
// objects the way Istio evaluates them. Pure; the answer is plain JSON and names every object it used
// (cluster, kind, namespace, name, route index) so it can be checked against those objects.
//
// Routing: the client's sidecar picks the VirtualService of the host it calls (the Service's local
// name in its own cluster, the federated host name from another cluster), then the first http route
// with a matching `match` entry (entries OR, fields inside one entry AND; no entry matches all).
// Regexes are RE2 in Istio; here JavaScript RegExp on the anchored pattern (same for the common subset).
// Access: AuthorizationPolicies selecting the destination's workloads (its namespace and the mesh's
// root namespace): any matching DENY denies; with no ALLOW policy selecting it, the request is
// allowed; otherwise a matching ALLOW rule is needed (an empty policy, a VirtualMesh's default deny,
// matches nothing).
import type { KubeObject } from '../api/meta.ts';
import { labelsOf, list, parents, record, text, used, type Json } from './estate-objects.ts';
import {
  ExplainError,
  type AccessAnswer,
  type Backend,
  type Explanation,
  type HypotheticalRequest,
  type RenderedEstate,
  type RouteAnswer,
  type UsedObject,
} from './explanation.ts';

/** An Istio StringMatch (exact, prefix, regex) against a value; absent value matches nothing. */
function stringMatches(match: unknown, value: string | undefined): boolean {
  const m = record(match);
  if (value === undefined) return false;
  if (typeof m.exact === 'string') return value === m.exact;
  if (typeof m.prefix === 'string') return value.startsWith(m.prefix);
  if (typeof m.regex === 'string') return new RegExp(`^(?:${m.regex})$`).test(value);
  return true; // An empty StringMatch: the header (or field) only has to be present.
}

interface Source {
  readonly cluster: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly principal: string;
}

/** Whether one HTTPMatchRequest matches; `undefined` when it depends on something the request lacks. */
function matchRequest(
  match: Json,
  request: HypotheticalRequest,
  source: Source | undefined,
): { ok: boolean; unknown?: string } {
  if (match.uri !== undefined && !stringMatches(match.uri, request.path ?? '/')) return { ok: false };
  if (match.method !== undefined && !stringMatches(match.method, request.method ?? 'GET')) return { ok: false };
  const headers = request.headers ?? {};
  for (const [name, m] of Object.entries(record(match.headers))) {
    if (!stringMatches(m, headers[name.toLowerCase()])) return { ok: false };
  }
  for (const [name, m] of Object.entries(record(match.withoutHeaders))) {
    const value = headers[name.toLowerCase()];
    if (value !== undefined && stringMatches(m, value)) return { ok: false };
  }
  if (Object.keys(record(match.queryParams)).length > 0)
    return { ok: false, unknown: 'query parameters are not part of the request here' };
  const sourceLabels = labelsOf(match.sourceLabels);
  if (Object.keys(sourceLabels).length > 0) {
    if (source === undefined) return { ok: false, unknown: 'the route matches on source labels: give --from' };
    if (!Object.entries(sourceLabels).every(([k, v]) => source.labels[k] === v)) return { ok: false };
  }
  if (typeof match.sourceNamespace === 'string') {
    if (source === undefined) return { ok: false, unknown: 'the route matches on the source namespace: give --from' };
    if (source.namespace !== match.sourceNamespace) return { ok: false };
  }
  return { ok: true };
}

function describeMatch(match: Json): string {
  const parts: string[] = [];
  const sm = (m: unknown) =>
    Object.entries(record(m))
      .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
      .join(', ') || 'present';
  if (match.uri !== undefined) parts.push(`uri ${sm(match.uri)}`);
  if (match.method !== undefined) parts.push(`method ${sm(match.method)}`);
  for (const [name, m] of Object.entries(record(match.headers))) parts.push(`header ${name} ${sm(m)}`);
  for (const [name, m] of Object.entries(record(match.withoutHeaders))) parts.push(`without header ${name} ${sm(m)}`);
  if (match.sourceLabels !== undefined) parts.push(`source labels ${JSON.stringify(match.sourceLabels)}`);
  if (typeof match.sourceNamespace === 'string') parts.push(`source namespace ${match.sourceNamespace}`);
  if (typeof match.port === 'number') parts.push(`port ${String(match.port)}`);
  return parts.join(', ') || 'every request';
}

/** Istio's principal patterns: exact, `*`, `prefix*`, `*suffix`. */
function patternMatches(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  return pattern === value;
}

function ruleMatches(
  rule: Json,
  request: HypotheticalRequest,
  source: Source | undefined,
  notes: Set<string>,
): boolean | undefined {
  const froms = list(rule.from);
  if (froms.length > 0) {
    let any: boolean | undefined = false;
    for (const from of froms) {
      const s = record(record(from).source);
      const principals = list(s.principals).filter((p): p is string => typeof p === 'string');
      const namespaces = list(s.namespaces).filter((p): p is string => typeof p === 'string');
      if (source === undefined && (principals.length > 0 || namespaces.length > 0)) {
        any = undefined;
        continue;
      }
      const ok =
        (principals.length === 0 ||
          principals.some((p) => source !== undefined && patternMatches(p, source.principal))) &&
        (namespaces.length === 0 ||
          namespaces.some((n) => source !== undefined && patternMatches(n, source.namespace)));
      if (ok) return evaluateTo(rule, request, notes);
    }
    if (any === undefined) return undefined;
    return false;
  }
  return evaluateTo(rule, request, notes);
}

function evaluateTo(rule: Json, request: HypotheticalRequest, notes: Set<string>): boolean {
  if (list(rule.when).length > 0) notes.add('`when` conditions of AuthorizationPolicy rules are not evaluated');
  const tos = list(rule.to);
  if (tos.length === 0) return true;
  return tos.some((to) => {
    const op = record(record(to).operation);
    const methods = list(op.methods).filter((m): m is string => typeof m === 'string');
    const paths = list(op.paths).filter((m): m is string => typeof m === 'string');
    return (
      (methods.length === 0 || methods.some((m) => patternMatches(m, request.method ?? 'GET'))) &&
      (paths.length === 0 || paths.some((p) => patternMatches(p, request.path ?? '/')))
    );
  });
}

export function explainIstioRequest(estate: RenderedEstate, request: HypotheticalRequest): Explanation {
  const notes = new Set<string>();
  const usedObjects: UsedObject[] = [];
  const mgmt = (kind: string, name: string) => estate.mgmt.find((o) => o.kind === kind && o.metadata.name === name);
  const destination = mgmt('Destination', request.to);
  if (destination === undefined)
    throw new ExplainError(`no Destination named ${request.to} (see meshctl describe destination)`);
  const kubeService = record(record((destination as { spec?: unknown }).spec).kubeService);
  const ref = record(kubeService.ref);
  const destCluster = text(ref.clusterName) ?? '';
  const destNamespace = text(ref.namespace) ?? '';
  const destStatus = record((destination as { status?: unknown }).status);
  const localFqdn = text(destStatus.localFqdn) ?? `${text(ref.name) ?? ''}.${destNamespace}.svc.cluster.local`;
  const federated = text(record(destStatus.appliedFederation).federatedHostname);
  usedObjects.push(used('mgmt', destination));

  let source: Source | undefined;
  let sourceOut: Explanation['source'];
  if (request.from !== undefined) {
    const workload = mgmt('Workload', request.from);
    if (workload === undefined) throw new ExplainError(`no Workload named ${request.from}`);
    usedObjects.push(used('mgmt', workload));
    const k = record(record((workload as { spec?: unknown }).spec).kubernetes);
    const controller = record(k.controller);
    const meshName = text(record(record((workload as { spec?: unknown }).spec).mesh).name);
    const mesh = meshName === undefined ? undefined : mgmt('Mesh', meshName);
    const trustDomain =
      text(record(record((mesh as { spec?: unknown } | undefined)?.spec).istio).trustDomain) ?? 'cluster.local';
    const namespace = text(controller.namespace) ?? '';
    const principal = `${trustDomain}/ns/${namespace}/sa/${text(k.serviceAccountName) ?? 'default'}`;
    source = { cluster: text(controller.clusterName) ?? '', namespace, labels: labelsOf(k.podLabels), principal };
    sourceOut = { workload: request.from, ...source };
  } else {
    notes.add('no --from: routes and rules that depend on the source do not match, and access may be UNKNOWN');
  }
  const clientCluster = source?.cluster ?? destCluster;
  const host = clientCluster === destCluster ? localFqdn : federated;
  const clientObjects = estate.clusters.get(clientCluster) ?? [];

  let route: Explanation['route'];
  if (host === undefined) {
    route = { error: `${request.to} is not federated to cluster ${clientCluster}: no host name reaches it from there` };
  } else {
    route = evaluateRoute(estate, clientCluster, clientObjects, host, request, source, usedObjects, notes);
  }

  const access = evaluateAccess(
    estate,
    destCluster,
    destNamespace,
    labelsOf(kubeService.workloadSelectorLabels),
    request,
    source,
    usedObjects,
    notes,
    destination,
  );
  return {
    mesh: 'istio',
    request,
    ...(sourceOut === undefined ? {} : { source: sourceOut }),
    destination: { name: request.to, cluster: destCluster, host: localFqdn },
    clientCluster,
    route,
    access,
    used: usedObjects,
    notes: [...notes],
  };
}

function evaluateRoute(
  estate: RenderedEstate,
  clientCluster: string,
  objects: readonly KubeObject[],
  host: string,
  request: HypotheticalRequest,
  source: Source | undefined,
  usedObjects: UsedObject[],
  notes: Set<string>,
): RouteAnswer {
  const vs = objects.find(
    (o) => o.kind === 'VirtualService' && list(record((o as { spec?: unknown }).spec).hosts).includes(host),
  );
  if (vs === undefined) {
    return {
      reason: `no VirtualService for ${host} in ${clientCluster}: Istio's default route`,
      trafficPolicies: [],
      backends: [resolveBackend(estate, clientCluster, objects, { host }, 100, usedObjects)],
    };
  }
  const http = list(record((vs as { spec?: unknown }).spec).http);
  for (let index = 0; index < http.length; index++) {
    const entry = record(http[index]);
    const matches = list(entry.match).map(record);
    let reason: string | undefined;
    if (matches.length === 0) reason = 'the route matches every request';
    for (const match of matches) {
      const result = matchRequest(match, request, source);
      if (result.unknown !== undefined) notes.add(`route ${String(index)}: ${result.unknown}`);
      if (result.ok) {
        reason = `matched: ${describeMatch(match)}`;
        break;
      }
    }
    if (reason === undefined) continue;
    usedObjects.push(used(clientCluster, vs, index));
    const routes = list(entry.route).map(record);
    const total = routes.length;
    const backends = routes.map((r) => {
      const d = record(r.destination);
      const weight = typeof r.weight === 'number' ? r.weight : total === 1 ? 100 : 0;
      return resolveBackend(estate, clientCluster, objects, d, weight, usedObjects);
    });
    return {
      virtualService: used(clientCluster, vs),
      routeObject: used(clientCluster, vs),
      routeIndex: index,
      reason,
      trafficPolicies: routePolicies(estate, parents(vs, 'TrafficPolicy'), matches),
      ...(typeof entry.timeout === 'string' ? { timeout: entry.timeout } : {}),
      ...(entry.retries === undefined ? {} : { retries: entry.retries }),
      ...(entry.fault === undefined ? {} : { fault: entry.fault }),
      ...(entry.mirror === undefined ? {} : { mirror: entry.mirror }),
      backends,
    };
  }
  usedObjects.push(used(clientCluster, vs));
  return {
    virtualService: used(clientCluster, vs),
    routeObject: used(clientCluster, vs),
    reason: 'no route of the VirtualService matches: Istio answers 404',
    trafficPolicies: parents(vs, 'TrafficPolicy'),
    backends: [],
  };
}

/** A route match without what ports and source selectors add: what a policy's request matchers give. */
function requestPart(match: Json): string {
  const { port: _port, sourceLabels: _labels, sourceNamespace: _ns, ...rest } = match;
  return canonical(rest);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}

/** A TrafficPolicy's httpRequestMatchers as the route matches they translate to (see translate/istio). */
function policyMatches(policy: KubeObject): string[] {
  const spec = record((policy as { spec?: unknown }).spec);
  return list(spec.httpRequestMatchers).map((raw) => {
    const m = record(raw);
    const out: Json = {};
    const headers: Json = {};
    const without: Json = {};
    for (const h of list(m.headers).map(record)) {
      const name = text(h.name) ?? '';
      const value = text(h.value);
      const sm = value === undefined ? {} : h.regex === true ? { regex: value } : { exact: value };
      if (h.invertMatch === true) without[name] = sm;
      else headers[name] = sm;
    }
    if (Object.keys(headers).length > 0) out.headers = headers;
    if (typeof m.method === 'string') out.method = { exact: m.method };
    const query: Json = {};
    for (const q of list(m.queryParameters).map(record)) {
      const value = text(q.value) ?? '';
      query[text(q.name) ?? ''] = q.regex === true ? { regex: value } : { exact: value };
    }
    if (Object.keys(query).length > 0) out.queryParams = query;
    if (m.uri !== undefined) out.uri = m.uri;
    if (Object.keys(without).length > 0) out.withoutHeaders = without;
    return requestPart(out);
  });
}

/**
 * The TrafficPolicies (among the VirtualService's parents) that put this route there: those whose
 * request matchers translate to its matches and that select sources exactly when it does.
 */
function routePolicies(estate: RenderedEstate, candidates: readonly string[], matches: readonly Json[]): string[] {
  const routeParts = new Set(matches.map(requestPart));
  if (routeParts.size === 0) routeParts.add(requestPart({}));
  const bySource = matches.some((m) => m.sourceLabels !== undefined || m.sourceNamespace !== undefined);
  const found = candidates.filter((name) => {
    const policy = estate.mgmt.find(
      (o) => o.kind === 'TrafficPolicy' && `${o.metadata.namespace ?? ''}/${o.metadata.name}` === name,
    );
    if (policy === undefined) return false;
    const parts = policyMatches(policy);
    if (parts.length === 0) parts.push(requestPart({}));
    const selectsSources = list(record((policy as { spec?: unknown }).spec).sourceSelector).length > 0;
    return selectsSources === bySource && [...routeParts].every((p) => parts.includes(p));
  });
  return found.length > 0 ? found : [...candidates];
}

function resolveBackend(
  estate: RenderedEstate,
  clientCluster: string,
  objects: readonly KubeObject[],
  destination: Json,
  weight: number,
  usedObjects: UsedObject[],
): Backend {
  const host = text(destination.host) ?? '';
  const subset = text(destination.subset);
  const port =
    typeof record(destination.port).number === 'number' ? (record(destination.port).number as number) : undefined;
  const target = estate.mgmt.find((o) => {
    if (o.kind !== 'Destination') return false;
    const status = record((o as { status?: unknown }).status);
    const cluster = text(record(record(record((o as { spec?: unknown }).spec).kubeService).ref).clusterName);
    return (
      (status.localFqdn === host && cluster === clientCluster) ||
      record(status.appliedFederation).federatedHostname === host
    );
  });
  let via: Backend['via'] = 'unknown';
  let cluster: string | undefined;
  if (target !== undefined) {
    cluster = text(record(record(record((target as { spec?: unknown }).spec).kubeService).ref).clusterName);
    via =
      cluster === clientCluster && record((target as { status?: unknown }).status).localFqdn === host
        ? 'local'
        : 'federation';
    if (via === 'federation') {
      const entry = objects.find(
        (o) => o.kind === 'ServiceEntry' && list(record((o as { spec?: unknown }).spec).hosts).includes(host),
      );
      if (entry !== undefined) usedObjects.push(used(clientCluster, entry));
    }
  }
  let subsetLabels: Record<string, string> | undefined;
  if (subset !== undefined) {
    const rule = objects.find(
      (o) => o.kind === 'DestinationRule' && record((o as { spec?: unknown }).spec).host === host,
    );
    if (rule !== undefined) {
      usedObjects.push(used(clientCluster, rule));
      const found = list(record((rule as { spec?: unknown }).spec).subsets)
        .map(record)
        .find((s) => s.name === subset);
      if (found !== undefined) subsetLabels = labelsOf(found.labels);
    }
  }
  return {
    host,
    weight,
    ...(port === undefined ? {} : { port }),
    ...(subset === undefined ? {} : { subset }),
    ...(subsetLabels === undefined ? {} : { subsetLabels }),
    ...(target === undefined ? {} : { destination: target.metadata.name }),
    ...(cluster === undefined ? {} : { cluster }),
    via,
  };
}

function evaluateAccess(
  estate: RenderedEstate,
  cluster: string,
  namespace: string,
  workloadLabels: Record<string, string>,
  request: HypotheticalRequest,
  source: Source | undefined,
  usedObjects: UsedObject[],
  notes: Set<string>,
  destination: KubeObject,
): AccessAnswer {
  const meshName = text(record(record((destination as { spec?: unknown }).spec).mesh).name);
  const mesh =
    meshName === undefined ? undefined : estate.mgmt.find((o) => o.kind === 'Mesh' && o.metadata.name === meshName);
  const rootNamespace =
    text(record(record(record((mesh as { spec?: unknown } | undefined)?.spec).istio).installation).namespace) ??
    'istio-system';
  const policies = (estate.clusters.get(cluster) ?? []).filter((o) => {
    if (o.kind !== 'AuthorizationPolicy') return false;
    if (o.metadata.namespace !== namespace && o.metadata.namespace !== rootNamespace) return false;
    const selector = record(record((o as { spec?: unknown }).spec).selector);
    const match = labelsOf(selector.matchLabels);
    return Object.entries(match).every(([k, v]) => workloadLabels[k] === v);
  });
  for (const policy of policies) usedObjects.push(used(cluster, policy));
  const actionOf = (p: KubeObject) => text(record((p as { spec?: unknown }).spec).action) ?? 'ALLOW';
  const rulesOf = (p: KubeObject) => list(record((p as { spec?: unknown }).spec).rules).map(record);
  let unknown = false;
  for (const policy of policies.filter((p) => actionOf(p) === 'DENY')) {
    const results = rulesOf(policy).map((rule) => ruleMatches(rule, request, source, notes));
    if (results.includes(true)) {
      return {
        decision: 'DENY',
        reason: `AuthorizationPolicy ${policy.metadata.namespace ?? ''}/${policy.metadata.name} denies it`,
        allowedBy: [],
        decidedBy: used(cluster, policy),
      };
    }
    if (results.includes(undefined)) unknown = true;
  }
  const allows = policies.filter((p) => actionOf(p) === 'ALLOW');
  if (allows.length === 0) {
    return unknown
      ? { decision: 'UNKNOWN', reason: 'a DENY rule depends on the source: give --from', allowedBy: [] }
      : {
          decision: 'ALLOW',
          reason: 'no AuthorizationPolicy selects the destination: Istio allows every request',
          allowedBy: [],
        };
  }
  const allowedBy: string[] = [];
  let decidedBy: UsedObject | undefined;
  for (const policy of allows) {
    const results = rulesOf(policy).map((rule) => ruleMatches(rule, request, source, notes));
    if (results.includes(true)) {
      allowedBy.push(...parents(policy, 'AccessPolicy'));
      decidedBy ??= used(cluster, policy);
    } else if (results.includes(undefined)) unknown = true;
  }
  if (decidedBy !== undefined) {
    return {
      decision: 'ALLOW',
      reason: `allowed by AuthorizationPolicy ${decidedBy.namespace ?? ''}/${decidedBy.name}`,
      allowedBy: [...new Set(allowedBy)].sort(),
      decidedBy,
    };
  }
  if (unknown) return { decision: 'UNKNOWN', reason: 'the ALLOW rules name sources: give --from', allowedBy: [] };
  const defaultDeny = allows.find((p) => rulesOf(p).length === 0);
  const by =
    defaultDeny === undefined
      ? ''
      : ` (${
          parents(defaultDeny, 'VirtualMesh')
            .map((v) => `VirtualMesh ${v}`)
            .join(', ') || `AuthorizationPolicy ${defaultDeny.metadata.name}`
        } denies by default)`;
  return {
    decision: 'DENY',
    reason: `no AccessPolicy allows it: AuthorizationPolicies select the destination and none of their rules matches${by}`,
    allowedBy: [],
  };
}
