// AccessPolicy → what an SMI TrafficTarget allows on one Destination: the source service accounts
// and the HTTPRouteGroup matches (paths and methods). SMI names identities exactly, with no
// namespace or cluster wildcard, so selectors that name namespaces (or nothing: every identity) are
// expanded to the service accounts of the discovered workloads of the Destination's mesh; the
// TrafficTarget follows as workloads come and go. OSM 1.2 has no multicluster: identities in other
// clusters cannot reach the Destination and are left out.
import type { IdentitySelector } from '../../../api/common/selectors.ts';
import type { AccessPolicy } from '../../model.ts';
import type { IndexedDestination, IndexedWorkload, NetworkingIndex } from '../../networking-index.ts';
import { identitySelectorNamesAll } from '../../validate/workload-selection.ts';
import { OSM_MESH_NAME } from './osm-support.ts';
import {
  HTTP_ROUTE_METHODS,
  type HttpRouteMatch,
  type HttpRouteMethod,
  type ServiceAccountSubject,
} from './osm-types.ts';
import { meshWorkloads, serviceAccountSubject, uniqueServiceAccounts } from './service-accounts.ts';
import { rejected, translated, type Translation } from './translation-result.ts';

export interface TrafficTargetDraft {
  /** Empty when no allowed identity can reach the Destination: nothing is written for it. */
  readonly sources: readonly ServiceAccountSubject[];
  readonly matches: readonly HttpRouteMatch[];
  readonly warnings: readonly string[];
}

/** The name of the one match of a policy that allows every path. */
export const ANY_PATH_MATCH = 'any-path';

function isSet(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}

function listed(values: readonly string[] | undefined, value: string): boolean {
  return values === undefined || values.length === 0 || values.includes(value);
}

/**
 * An AccessPolicy path (exact, `prefix*`, `*suffix` or `*`, as Istio reads it) as the RE2 regex
 * OSM gives Envoy, which matches it against the whole path.
 */
export function pathRegex(path: string): string | undefined {
  const escape = (text: string) => text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
  if (path === '*') return '.*';
  const inner = path.slice(1, -1);
  if (inner.includes('*')) return undefined;
  if (path.startsWith('*')) return `.*${escape(path.slice(1))}`;
  if (path.endsWith('*')) return `${escape(path.slice(0, -1))}.*`;
  return escape(path);
}

function translateMethods(methods: readonly string[]): Translation<HttpRouteMethod[]> {
  const errors: string[] = [];
  const out = new Set<HttpRouteMethod>();
  methods.forEach((method, i) => {
    const upper = method.toUpperCase();
    const known = HTTP_ROUTE_METHODS.find((m) => m === upper);
    if (known === undefined) {
      errors.push(
        `spec.allowedMethods[${i}]: "${method}" is not a method an SMI HTTPRouteGroup accepts (${HTTP_ROUTE_METHODS.join(', ')})`,
      );
    } else out.add(known);
  });
  if (errors.length > 0) return rejected(errors);
  // `*` already allows every method.
  return translated(out.size === 0 || out.has('*') ? ['*'] : [...out]);
}

export function translateMatches(policy: AccessPolicy): Translation<HttpRouteMatch[]> {
  const methods = translateMethods(policy.spec.allowedMethods ?? []);
  const errors = methods.ok ? [] : [...methods.errors];
  const paths = policy.spec.allowedPaths ?? [];
  const matches: HttpRouteMatch[] = [];
  const seen = new Set<string>();
  paths.forEach((path, i) => {
    const regex = pathRegex(path);
    if (regex === undefined) {
      errors.push(`spec.allowedPaths[${i}]: "${path}" has a * inside; only a leading or trailing * is supported`);
      return;
    }
    if (seen.has(regex)) return;
    seen.add(regex);
    matches.push({ name: `path-${i}`, pathRegex: regex, methods: methods.ok ? methods.value : [] });
  });
  if (errors.length > 0 || !methods.ok) return rejected(errors);
  if (paths.length === 0) matches.push({ name: ANY_PATH_MATCH, pathRegex: '.*', methods: methods.value });
  return translated(matches);
}

/**
 * SMI TrafficTarget v1alpha3 has no port. allowedPorts that include every port of the Service
 * restrict nothing and are accepted; any real restriction cannot be expressed.
 */
function checkPorts(policy: AccessPolicy, destination: IndexedDestination): string[] {
  const allowed = new Set(policy.spec.allowedPorts ?? []);
  if (allowed.size === 0) return [];
  const ports = destination.destination.spec.kubeService?.ports ?? [];
  const uncovered = ports.filter(
    (p) =>
      !(p.port !== undefined && allowed.has(p.port)) &&
      !(p.targetPortNumber !== undefined && allowed.has(p.targetPortNumber)),
  );
  if (uncovered.length === 0) return [];
  return [
    `spec.allowedPorts: not supported for ${OSM_MESH_NAME} Destinations unless they include every port of the Service (an SMI TrafficTarget has no port); this Service also has port ${uncovered.map((p) => String(p.port ?? '?')).join(', ')}`,
  ];
}

/** OSM's protocol of a Service port: its appProtocol, else a `<protocol>-` name prefix, else http. */
export function osmPortProtocol(port: {
  readonly name?: string | undefined;
  readonly appProtocol?: string | undefined;
}): string {
  if (port.appProtocol !== undefined && port.appProtocol !== '') return port.appProtocol;
  const name = port.name ?? '';
  return ['tcp-server-first', 'http', 'tcp', 'grpc'].find((p) => name.startsWith(`${p}-`)) ?? 'http';
}

/**
 * OSM authorizes TCP ports by the TrafficTarget's TCP rules only, and a TrafficTarget without any
 * allows its sources on every TCP port: paths and methods cannot narrow that.
 */
function tcpPortWarnings(policy: AccessPolicy, destination: IndexedDestination): string[] {
  if ((policy.spec.allowedPaths ?? []).length === 0 && (policy.spec.allowedMethods ?? []).length === 0) return [];
  const tcp = (destination.destination.spec.kubeService?.ports ?? []).filter((p) =>
    osmPortProtocol(p).startsWith('tcp'),
  );
  if (tcp.length === 0) return [];
  return [
    `spec.allowedPaths, spec.allowedMethods: OSM treats port ${tcp.map((p) => String(p.port ?? '?')).join(', ')} of this Service as TCP, where a TrafficTarget allows its sources whatever the path or method`,
  ];
}

interface SourceContext {
  readonly cluster: string;
  readonly meshWorkloads: () => readonly IndexedWorkload[];
}

/** The service accounts one selector names in the Destination's cluster, and notes on the expansion. */
function selectorSources(
  selector: IdentitySelector,
  path: string,
  context: SourceContext,
  warnings: string[],
): ServiceAccountSubject[] {
  const subjects: ServiceAccountSubject[] = [];
  const matcher = selector.kubeIdentityMatcher;
  const namespaces = matcher?.namespaces ?? [];
  const clusters = matcher?.clusters ?? [];
  if (matcher !== undefined && (namespaces.length > 0 || clusters.length > 0) && listed(clusters, context.cluster)) {
    const found = context
      .meshWorkloads()
      .filter((w) => listed(namespaces, w.namespace))
      .map((w) => serviceAccountSubject(w.namespace, w.serviceAccount));
    const unique = uniqueServiceAccounts(found);
    subjects.push(...unique);
    warnings.push(
      `${path}.kubeIdentityMatcher: SMI names service accounts, not namespaces; allowed the ${unique.length} service account(s) of the discovered workloads${namespaces.length > 0 ? ` in namespace${namespaces.length > 1 ? 's' : ''} ${namespaces.join(', ')}` : ''} of cluster ${context.cluster}`,
    );
  }
  for (const ref of selector.kubeServiceAccountRefs?.serviceAccounts ?? []) {
    if (isSet(ref.clusterName) && ref.clusterName !== context.cluster) continue;
    if (isSet(ref.name) && isSet(ref.namespace)) {
      subjects.push(serviceAccountSubject(ref.namespace, ref.name));
      continue;
    }
    // A reference that leaves out the name or namespace matches any: expanded like a namespace.
    for (const w of context.meshWorkloads()) {
      if (
        (!isSet(ref.name) || ref.name === w.serviceAccount) &&
        (!isSet(ref.namespace) || ref.namespace === w.namespace)
      ) {
        subjects.push(serviceAccountSubject(w.namespace, w.serviceAccount));
      }
    }
  }
  return subjects;
}

export function translateAccessPolicy(
  policy: AccessPolicy,
  destination: IndexedDestination,
  meshKey: string,
  index: NetworkingIndex,
): Translation<TrafficTargetDraft> {
  const service = destination.service;
  if (service === undefined) throw new Error(`translateAccessPolicy: ${destination.key} is not a Kubernetes Service`);
  const cluster = service.cluster;
  let workloads: readonly IndexedWorkload[] | undefined;
  const context: SourceContext = {
    cluster,
    meshWorkloads: () => (workloads ??= meshWorkloads(meshKey, cluster, index)),
  };
  const matches = translateMatches(policy);
  const errors = [...(matches.ok ? [] : matches.errors), ...checkPorts(policy, destination)];
  if (errors.length > 0 || !matches.ok) return rejected(errors);

  const warnings = tcpPortWarnings(policy, destination);
  const selectors = policy.spec.sourceSelector ?? [];
  let sources: ServiceAccountSubject[];
  if (selectors.length === 0 || selectors.some(identitySelectorNamesAll)) {
    // Every identity: SMI has no wildcard, so every identity OSM can present to this Destination.
    sources = uniqueServiceAccounts(
      context.meshWorkloads().map((w) => serviceAccountSubject(w.namespace, w.serviceAccount)),
    );
  } else {
    sources = uniqueServiceAccounts(
      selectors.flatMap((selector, i) => selectorSources(selector, `spec.sourceSelector[${i}]`, context, warnings)),
    );
  }
  if (sources.length === 0) {
    warnings.push(
      `spec.sourceSelector: no allowed identity is in cluster ${cluster}, where this Destination is (OSM 1.2 has no multicluster support); no TrafficTarget is written for it`,
    );
  }
  return translated({ sources, matches: matches.value, warnings });
}
