// `meshctl explain request` for a Destination in a Linkerd mesh, on the objects Mesh Hub's Linkerd
// translator writes (src/networking/translate/linkerd/), evaluated the way Linkerd evaluates them.
//
// Routing (outbound, in the client's proxy): the HTTPRoutes parented on the Service the client calls
// (in its own cluster: the Service itself; from another cluster: Linkerd multicluster's mirror
// `<service>-<cluster>`); the best-matching rule of all of them wins (gateway-route-match.ts). No
// route: every request goes to the Service. A rule gives weighted backendRefs, timeouts.request, and
// its route's retry.linkerd.io annotations give retries.
// Access (inbound, in the destination's proxy): the Server selecting the destination's pods on the
// pod port; with HTTPRoutes parented on it, the request must match one of them and the
// AuthorizationPolicies of that route or of the Server apply; one whose required
// MeshTLSAuthentications all name the source's identity allows it. Otherwise the Server's
// accessPolicy decides (Mesh Hub writes `deny`). No Server: Linkerd's default inbound policy, read
// from the clusters' own objects when the estate has them (UNKNOWN otherwise).
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  LINKERD_DEFAULT_INBOUND_POLICY_ANNOTATION,
  LINKERD_RETRY_HTTP_ANNOTATION,
  LINKERD_RETRY_LIMIT_ANNOTATION,
  LINKERD_RETRY_TIMEOUT_ANNOTATION,
  TRUST_DOMAIN_ANNOTATION,
} from '../api/labels.ts';
import type { KubeObject } from '../api/meta.ts';
import { HttpMatcher } from '../api/networking/v1/traffic-policy.ts';
import { canonicalJson } from '../networking/canonical-json.ts';
import { type LinkerdIdentityDomain, linkerdIdentity } from '../networking/translate/linkerd/identities.ts';
import { extractLinkerdMirrors, type LinkerdMirror } from '../networking/translate/linkerd/mirrors.ts';
import { translateRouteMatches } from '../networking/translate/linkerd/route-matches.ts';
import {
  backingWorkloads,
  clusterInputsOf,
  destinationOfService,
  type DestinationFacts,
  explainedMeshOf,
  list,
  meshKindOf,
  num,
  objectsOf,
  parents,
  percentOf,
  qualifiedName,
  record,
  requestPort,
  type ServicePort,
  sourceFacts,
  type SourceFacts,
  specOf,
  statusOf,
  text,
  used,
  labelsOf,
} from './estate-objects.ts';
import type {
  AccessAnswer,
  Backend,
  Explanation,
  HypotheticalRequest,
  RenderedEstate,
  RouteAnswer,
  UsedObject,
} from './explanation.ts';
import { type ChosenRule, chooseRule, describeGatewayMatch, orderRoutes } from './gateway-route-match.ts';

const POLICY_GROUP = 'policy.linkerd.io';
const GATEWAY_GROUP = 'gateway.networking.k8s.io';

interface Context {
  readonly estate: RenderedEstate;
  readonly request: HypotheticalRequest;
  readonly used: UsedObject[];
  readonly notes: Set<string>;
  /** Linkerd multicluster's mirror Services kept by a Link; undefined when the estate has no cluster inputs. */
  readonly mirrors: readonly LinkerdMirror[] | undefined;
}

function mirrorsOf(estate: RenderedEstate): LinkerdMirror[] | undefined {
  const links = clusterInputsOf(estate, 'multicluster.linkerd.io', 'Link');
  const services = clusterInputsOf(estate, '', 'Service');
  return links === undefined || services === undefined ? undefined : extractLinkerdMirrors(links, services);
}

function identityDomain(mesh: KubeObject | undefined): LinkerdIdentityDomain {
  const trustDomain = mesh?.metadata.annotations?.[TRUST_DOMAIN_ANNOTATION];
  return {
    controlPlaneNamespace: text(record(record(specOf(mesh).linkerd).installation).namespace) ?? 'linkerd',
    trustDomain: trustDomain === undefined || trustDomain === '' ? 'cluster.local' : trustDomain,
  };
}

/** The source's Linkerd identity; null when it is not in a Linkerd mesh (it has none). */
function sourceIdentity(source: SourceFacts): string | null {
  if (explainedMeshOf(source.mesh) !== 'linkerd') return null;
  return linkerdIdentity(identityDomain(source.mesh), source.namespace, source.serviceAccount);
}

function clusterDomain(mesh: KubeObject | undefined): string {
  return text(record(specOf(mesh).linkerd).clusterDomain) ?? 'cluster.local';
}

function parentedOn(route: KubeObject, group: string, kind: string, name: string, port?: number): boolean {
  return list(specOf(route).parentRefs).some((raw) => {
    const ref = record(raw);
    const refPort = num(ref.port);
    return (
      (text(ref.group) ?? GATEWAY_GROUP) === group &&
      (text(ref.kind) ?? 'Gateway') === kind &&
      ref.name === name &&
      (refPort === undefined || port === undefined || refPort === port)
    );
  });
}

/** The TrafficPolicies among a route's parents whose request matchers the translator turns into this rule's match. */
function rulePolicies(estate: RenderedEstate, route: KubeObject, match: unknown): string[] {
  const wanted = canonicalJson(match);
  return parents(route, 'TrafficPolicy').filter((name) => {
    const policy = estate.mgmt.find((o) => o.kind === 'TrafficPolicy' && qualifiedName(o) === name);
    if (policy === undefined) return false;
    const matchers = z.array(HttpMatcher).safeParse(specOf(policy).httpRequestMatchers ?? []);
    if (!matchers.success) return false;
    const translated = translateRouteMatches(matchers.data);
    return translated.ok && translated.value.some((m) => canonicalJson(m) === wanted);
  });
}

function retriesOf(route: KubeObject): Record<string, unknown> | undefined {
  const annotations = route.metadata.annotations ?? {};
  const limit = annotations[LINKERD_RETRY_LIMIT_ANNOTATION];
  const http = annotations[LINKERD_RETRY_HTTP_ANNOTATION];
  const timeout = annotations[LINKERD_RETRY_TIMEOUT_ANNOTATION];
  if (limit === undefined && http === undefined && timeout === undefined) return undefined;
  return {
    ...(limit === undefined ? {} : { limit: Number(limit) }),
    ...(timeout === undefined ? {} : { timeout }),
    ...(http === undefined ? {} : { http }),
  };
}

/** The clusters Destinations live in: the names Linkerd multicluster's mirrors end with. */
function knownClusters(estate: RenderedEstate): string[] {
  const clusters = new Set(estate.clusters.keys());
  for (const o of estate.mgmt) {
    if (o.kind !== 'Destination') continue;
    const cluster = text(record(record(specOf(o).kubeService).ref).clusterName);
    if (cluster !== undefined) clusters.add(cluster);
  }
  // Longest first, so that `east-1` is not taken for `1`.
  return [...clusters].sort((a, b) => b.length - a.length);
}

function resolveBackend(
  ctx: Context,
  clientCluster: string,
  domain: string,
  name: string,
  namespace: string,
  port: number | undefined,
  weight: number,
  total: number,
): Backend {
  const base = {
    weight: percentOf(weight, total),
    ...(percentOf(weight, total) === weight ? {} : { objectWeight: weight }),
    ...(port === undefined ? {} : { port }),
  };
  const local = destinationOfService(ctx.estate, clientCluster, namespace, name);
  if (local !== undefined) {
    const host = text(statusOf(local).localFqdn) ?? `${name}.${namespace}.svc.${domain}`;
    return { host, ...base, destination: local.metadata.name, cluster: clientCluster, via: 'local' };
  }
  if (ctx.mirrors !== undefined) {
    const mirror = ctx.mirrors.find((m) => m.cluster === clientCluster && m.namespace === namespace && m.name === name);
    const target =
      mirror === undefined
        ? undefined
        : destinationOfService(
            ctx.estate,
            mirror.targetCluster,
            mirror.targetService.namespace,
            mirror.targetService.name,
          );
    if (mirror === undefined || target === undefined) {
      return { host: `${name}.${namespace}.svc.${domain}`, ...base, via: 'unknown' };
    }
    return {
      host: `${name}.${namespace}.svc.${domain}`,
      ...base,
      destination: target.metadata.name,
      cluster: mirror.targetCluster,
      via: 'federation',
    };
  }
  for (const cluster of knownClusters(ctx.estate)) {
    if (cluster === clientCluster || !name.endsWith(`-${cluster}`)) continue;
    const target = destinationOfService(ctx.estate, cluster, namespace, name.slice(0, -cluster.length - 1));
    if (target === undefined) continue;
    ctx.notes.add(
      `Service ${namespace}/${name} in cluster ${clientCluster} is taken to be Linkerd multicluster's mirror of ${target.metadata.name} (the clusters' own objects, which would show the mirror and its Link, were not given)`,
    );
    return {
      host: `${name}.${namespace}.svc.${domain}`,
      ...base,
      destination: target.metadata.name,
      cluster,
      via: 'federation',
    };
  }
  return { host: `${name}.${namespace}.svc.${domain}`, ...base, via: 'unknown' };
}

/** Names the rule taken, and the rule of another route it tied with, which the route order decided against. */
function useChosen(ctx: Context, cluster: string, chosen: ChosenRule): void {
  ctx.used.push(used(cluster, chosen.route, chosen.ruleIndex));
  if (chosen.tiedWith === undefined) return;
  ctx.used.push(used(cluster, chosen.tiedWith.route, chosen.tiedWith.ruleIndex));
  const stamped = (chosen.route.metadata as { creationTimestamp?: unknown }).creationTimestamp !== undefined;
  ctx.notes.add(
    `HTTPRoute ${qualifiedName(chosen.tiedWith.route)} rules[${String(chosen.tiedWith.ruleIndex)}] matches as well as HTTPRoute ${qualifiedName(chosen.route)} rules[${String(chosen.ruleIndex)}]: Linkerd takes the older route, then the first by namespace/name${stamped ? '' : '; these objects have no creation time, so the name decided here'}`,
  );
}

function evaluateOutbound(
  ctx: Context,
  clientCluster: string,
  service: { readonly name: string; readonly namespace: string },
  port: ServicePort | undefined,
  domain: string,
): RouteAnswer {
  const routes = orderRoutes(
    objectsOf(ctx.estate, clientCluster, 'HTTPRoute', service.namespace).filter((r) =>
      parentedOn(r, '', 'Service', service.name, port?.port),
    ),
  );
  const where = `Service ${service.namespace}/${service.name} in ${clientCluster}`;
  if (routes.length === 0) {
    return {
      reason: `no HTTPRoute on ${where}: Linkerd sends every request to the Service`,
      trafficPolicies: [],
      backends: [resolveBackend(ctx, clientCluster, domain, service.name, service.namespace, port?.port, 1, 1)],
    };
  }
  const unknowns = new Set<string>();
  const chosen = chooseRule(routes, ctx.request, unknowns);
  for (const note of unknowns) ctx.notes.add(note);
  if (chosen === undefined) {
    for (const route of routes) ctx.used.push(used(clientCluster, route));
    return {
      reason: `no rule of the HTTPRoutes on ${where} matches: Linkerd fails the request (a Service with routes serves only their requests)`,
      trafficPolicies: [],
      backends: [],
    };
  }
  const { route, rule, ruleIndex, match } = chosen;
  useChosen(ctx, clientCluster, chosen);
  const refs = list(rule.backendRefs).map(record);
  const weights = refs.map((r) => num(r.weight) ?? 1);
  const total = weights.reduce((a, b) => a + b, 0);
  const backends = refs.map((r, i) =>
    resolveBackend(
      ctx,
      clientCluster,
      domain,
      text(r.name) ?? '',
      text(r.namespace) ?? route.metadata.namespace ?? '',
      num(r.port),
      weights[i] ?? 1,
      total,
    ),
  );
  if (refs.length === 0) {
    backends.push(resolveBackend(ctx, clientCluster, domain, service.name, service.namespace, port?.port, 1, 1));
  }
  const filters = list(rule.filters);
  if (filters.length > 0) ctx.notes.add(`the rule also applies filters: ${JSON.stringify(filters)}`);
  const policies = rulePolicies(ctx.estate, route, match);
  const timeout = text(record(rule.timeouts).request);
  const retries = retriesOf(route);
  const isDefault = policies.length === 0 && describeGatewayMatch(match) === 'path PathPrefix "/"';
  return {
    routeObject: used(clientCluster, route),
    routeIndex: ruleIndex,
    reason: isDefault
      ? 'the default rule Mesh Hub adds (prefix /): every request no other rule takes, to the Service itself'
      : `matched: ${describeGatewayMatch(match)}`,
    trafficPolicies: policies,
    ...(timeout === undefined ? {} : { timeout }),
    ...(retries === undefined ? {} : { retries }),
    backends,
  };
}

/**
 * Linkerd's default inbound policy for the Destination's pods, from the clusters' own objects: a pod
 * template's annotation, else its namespace's, else the install's proxy.defaultInboundPolicy
 * (linkerd-config), else all-unauthenticated. Undefined when the objects are not known or the pods
 * disagree.
 */
function defaultInboundPolicy(
  ctx: Context,
  destination: DestinationFacts,
): { policy: string; from: string } | undefined {
  if (ctx.estate.clusterInputs === undefined) return undefined;
  const objects = ctx.estate.clusterInputs.get(destination.cluster) ?? [];
  const controlPlane = identityDomain(destination.mesh).controlPlaneNamespace;
  const config = objects.find(
    (o) => o.kind === 'ConfigMap' && o.metadata.namespace === controlPlane && o.metadata.name === 'linkerd-config',
  );
  let install = 'all-unauthenticated';
  let from = "Linkerd's default";
  const values = text(record((config as { data?: unknown } | undefined)?.data).values);
  if (values !== undefined) {
    let parsed: unknown;
    try {
      parsed = parseYaml(values);
    } catch {
      return undefined;
    }
    const configured = text(record(record(parsed).proxy).defaultInboundPolicy);
    if (configured !== undefined) {
      install = configured;
      from = `ConfigMap ${controlPlane}/linkerd-config`;
    }
  }
  const namespace = objects.find((o) => o.kind === 'Namespace' && o.metadata.name === destination.namespace);
  const fromNamespace = namespace?.metadata.annotations?.[LINKERD_DEFAULT_INBOUND_POLICY_ANNOTATION];
  const found = new Map<string, string>();
  for (const workload of backingWorkloads(ctx.estate, destination)) {
    const controller = record(record(specOf(workload).kubernetes).controller);
    const owner = objects.find(
      (o) =>
        ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind) &&
        o.metadata.namespace === controller.namespace &&
        o.metadata.name === controller.name,
    );
    const annotations = labelsOf(record(record(record(specOf(owner).template).metadata).annotations));
    const onPods = annotations[LINKERD_DEFAULT_INBOUND_POLICY_ANNOTATION];
    if (onPods !== undefined) found.set(onPods, `the pod template of ${String(controller.name)}`);
    else if (fromNamespace !== undefined) found.set(fromNamespace, `Namespace ${destination.namespace}`);
    else found.set(install, from);
  }
  if (found.size === 0)
    found.set(fromNamespace ?? install, fromNamespace === undefined ? from : `Namespace ${destination.namespace}`);
  if (found.size > 1) return undefined;
  const [entry] = found;
  return entry === undefined ? undefined : { policy: entry[0], from: entry[1] };
}

/** What a default inbound policy does with the source. */
function defaultPolicyDecision(
  policy: string,
  identity: string | null | undefined,
  sameCluster: boolean,
): AccessAnswer['decision'] {
  switch (policy) {
    case 'all-unauthenticated':
    case 'audit':
      return 'ALLOW';
    case 'all-authenticated':
      return identity === undefined ? 'UNKNOWN' : identity === null ? 'DENY' : 'ALLOW';
    case 'cluster-unauthenticated':
      return sameCluster ? 'ALLOW' : 'UNKNOWN';
    case 'cluster-authenticated':
      return identity === null ? 'DENY' : sameCluster && identity !== undefined ? 'ALLOW' : 'UNKNOWN';
    case 'deny':
      return 'DENY';
    default:
      return 'UNKNOWN';
  }
}

/** Whether a MeshTLSAuthentication names the identity; undefined when the identity is not known. */
function authenticationNames(
  authentication: KubeObject,
  identity: string | null | undefined,
  local: LinkerdIdentityDomain,
): boolean | undefined {
  const spec = specOf(authentication);
  const patterns = [
    ...list(spec.identities).filter((i): i is string => typeof i === 'string'),
    ...list(spec.identityRefs).flatMap((raw) => {
      const ref = record(raw);
      const name = text(ref.name) ?? '';
      switch (text(ref.kind)) {
        case 'ServiceAccount':
          return [linkerdIdentity(local, text(ref.namespace) ?? authentication.metadata.namespace ?? '', name)];
        case 'Namespace':
          return [linkerdIdentity(local, name, '')];
        default:
          return [];
      }
    }),
  ];
  if (identity === null) return false;
  if (identity === undefined) return patterns.length === 0 ? false : undefined;
  return patterns.some((p) => p === '*' || p === identity || (p.startsWith('*.') && identity.endsWith(p.slice(1))));
}

function authorizes(
  ctx: Context,
  cluster: string,
  policy: KubeObject,
  identity: string | null | undefined,
  local: LinkerdIdentityDomain,
): boolean | undefined {
  let result: boolean | undefined = true;
  for (const raw of list(specOf(policy).requiredAuthenticationRefs)) {
    const ref = record(raw);
    const kind = text(ref.kind);
    let ok: boolean | undefined;
    if (kind === 'MeshTLSAuthentication') {
      const namespace = text(ref.namespace) ?? policy.metadata.namespace;
      const authentication = objectsOf(ctx.estate, cluster, kind, namespace).find((o) => o.metadata.name === ref.name);
      if (authentication === undefined) {
        ctx.notes.add(
          `AuthorizationPolicy ${qualifiedName(policy)} requires MeshTLSAuthentication ${String(ref.name)}, which is not among the outputs`,
        );
        ok = false;
      } else {
        ctx.used.push(used(cluster, authentication));
        ok = authenticationNames(authentication, identity, local);
      }
    } else if (kind === 'ServiceAccount') {
      const expected = linkerdIdentity(
        local,
        text(ref.namespace) ?? policy.metadata.namespace ?? '',
        text(ref.name) ?? '',
      );
      ok = identity === undefined ? undefined : identity === expected;
    } else {
      ctx.notes.add(
        `AuthorizationPolicy ${qualifiedName(policy)}: a required ${String(kind)} is not evaluated (Mesh Hub does not write one)`,
      );
      ok = undefined;
    }
    if (ok === false) return false;
    if (ok === undefined) result = undefined;
  }
  return result;
}

function evaluateAccess(
  ctx: Context,
  destination: DestinationFacts,
  port: ServicePort | undefined,
  identity: string | null | undefined,
  sourceCluster: string | undefined,
): AccessAnswer {
  const cluster = destination.cluster;
  const namespace = destination.namespace;
  const who = identity === null ? 'a client without a Linkerd identity' : (identity ?? 'the source');
  if (port === undefined) {
    return { decision: 'UNKNOWN', reason: `Service ${namespace}/${destination.service} has no port`, allowedBy: [] };
  }
  const servers = orderRoutes(
    objectsOf(ctx.estate, cluster, 'Server', namespace).filter((s) => {
      const spec = specOf(s);
      const selector = labelsOf(record(spec.podSelector).matchLabels);
      return (
        spec.port === port.podPort &&
        Object.entries(selector).every(([k, v]) => destination.workloadSelectorLabels[k] === v)
      );
    }),
  );
  const server = servers[0];
  if (server === undefined) {
    const fallback = defaultInboundPolicy(ctx, destination);
    if (fallback !== undefined) {
      const decision = defaultPolicyDecision(fallback.policy, identity, sourceCluster === cluster);
      return {
        decision,
        reason: `no Server selects the pods of ${namespace}/${destination.service} on port ${String(port.podPort)}: Linkerd's default inbound policy ${fallback.policy} (from ${fallback.from}) ${decision === 'ALLOW' ? 'allows' : decision === 'DENY' ? 'denies' : 'decides on what is not known here, for'} ${who}`,
        allowedBy: [],
      };
    }
    return {
      decision: 'UNKNOWN',
      reason: `no Server selects the pods of ${namespace}/${destination.service} on port ${String(port.podPort)}: Linkerd's default inbound policy decides (all-unauthenticated unless the install or a config.linkerd.io/default-inbound-policy annotation says otherwise, which the outputs do not show)`,
      allowedBy: [],
    };
  }
  ctx.used.push(used(cluster, server));
  if (servers.length > 1) {
    ctx.notes.add(
      `${String(servers.length)} Servers select port ${String(port.podPort)}: Linkerd uses the oldest, here ${server.metadata.name}`,
    );
  }
  const policies = objectsOf(ctx.estate, cluster, 'AuthorizationPolicy', namespace);
  const targeting = (group: string, kind: string, name: string) =>
    policies.filter((p) => {
      const target = record(specOf(p).targetRef);
      return (text(target.group) ?? '') === group && target.kind === kind && target.name === name;
    });
  const routes = orderRoutes(
    objectsOf(ctx.estate, cluster, 'HTTPRoute', namespace).filter((r) =>
      parentedOn(r, POLICY_GROUP, 'Server', server.metadata.name),
    ),
  );
  let candidates = targeting(POLICY_GROUP, 'Server', server.metadata.name);
  let onRoute = '';
  if (routes.length > 0) {
    const unknowns = new Set<string>();
    const chosen = chooseRule(routes, ctx.request, unknowns);
    for (const note of unknowns) ctx.notes.add(note);
    if (chosen === undefined) {
      for (const route of routes) ctx.used.push(used(cluster, route));
      if (unknowns.size > 0) {
        return {
          decision: 'UNKNOWN',
          reason: `whether an HTTPRoute on Server ${qualifiedName(server)} matches cannot be decided`,
          allowedBy: [],
        };
      }
      return {
        decision: 'DENY',
        reason: `no HTTPRoute on Server ${qualifiedName(server)} matches the request: Linkerd refuses it (a Server with HTTPRoutes serves only their requests)`,
        allowedBy: [],
        decidedBy: used(cluster, server),
      };
    }
    useChosen(ctx, cluster, chosen);
    candidates = [...targeting(GATEWAY_GROUP, 'HTTPRoute', chosen.route.metadata.name), ...candidates];
    onRoute = ` or on its HTTPRoute ${chosen.route.metadata.name}`;
  }
  for (const policy of candidates) ctx.used.push(used(cluster, policy));
  const local = identityDomain(destination.mesh);
  const allowing: KubeObject[] = [];
  let unknown = false;
  for (const policy of candidates) {
    const result = authorizes(ctx, cluster, policy, identity, local);
    if (result === true) allowing.push(policy);
    if (result === undefined) unknown = true;
  }
  const first = allowing[0];
  if (first !== undefined) {
    return {
      decision: 'ALLOW',
      reason: `allowed by AuthorizationPolicy ${qualifiedName(first)}`,
      allowedBy: [...new Set(allowing.flatMap((p) => parents(p, 'AccessPolicy')))].sort(),
      decidedBy: used(cluster, first),
    };
  }
  if (unknown)
    return { decision: 'UNKNOWN', reason: 'the AuthorizationPolicies name identities: give --from', allowedBy: [] };
  const accessPolicy = text(specOf(server).accessPolicy) ?? 'deny';
  if (accessPolicy === 'all-unauthenticated') {
    return {
      decision: 'ALLOW',
      reason: `Server ${qualifiedName(server)} allows every client (accessPolicy all-unauthenticated)`,
      allowedBy: [],
      decidedBy: used(cluster, server),
    };
  }
  if (accessPolicy !== 'deny') {
    return {
      decision: 'UNKNOWN',
      reason: `Server ${qualifiedName(server)} falls back to accessPolicy ${accessPolicy}, which is not evaluated`,
      allowedBy: [],
    };
  }
  const virtualMeshes = parents(server, 'VirtualMesh');
  const byDefault =
    virtualMeshes.length > 0 ? ` (${virtualMeshes.map((v) => `VirtualMesh ${v}`).join(', ')} denies by default)` : '';
  return {
    decision: 'DENY',
    reason: `no AccessPolicy allows it: Server ${qualifiedName(server)} denies what no AuthorizationPolicy on it${onRoute} allows, and none allows ${who}${byDefault}`,
    allowedBy: [],
    decidedBy: used(cluster, server),
  };
}

export function explainLinkerdRequest(
  estate: RenderedEstate,
  request: HypotheticalRequest,
  destination: DestinationFacts,
): Explanation {
  const ctx: Context = {
    estate,
    request,
    used: [used('mgmt', destination.object)],
    notes: new Set(),
    mirrors: mirrorsOf(estate),
  };
  let source: SourceFacts | undefined;
  let identity: string | null | undefined;
  if (request.from !== undefined) {
    source = sourceFacts(estate, request.from);
    ctx.used.push(used('mgmt', source.object));
    identity = sourceIdentity(source);
  } else {
    ctx.notes.add('no --from: access that depends on the source identity is UNKNOWN');
  }
  const port = requestPort(destination, ctx.notes);
  const clientCluster = source?.cluster ?? destination.cluster;
  let route: Explanation['route'];
  const sourceMesh = source === undefined ? 'linkerd' : explainedMeshOf(source.mesh);
  if (source !== undefined && sourceMesh !== 'linkerd') {
    route = {
      error: `the source's mesh is ${source.mesh === undefined ? 'unknown' : meshKindOf(source.mesh)}, not Linkerd: its own proxy routes the request, and that is not evaluated for a Linkerd Destination`,
    };
  } else if (clientCluster === destination.cluster) {
    route = evaluateOutbound(
      ctx,
      clientCluster,
      { name: destination.service, namespace: destination.namespace },
      port,
      clusterDomain(destination.mesh),
    );
  } else {
    const kept = ctx.mirrors?.find(
      (m) =>
        m.cluster === clientCluster &&
        m.targetCluster === destination.cluster &&
        m.targetService.namespace === destination.namespace &&
        m.targetService.name === destination.service,
    );
    const mirror = kept?.name ?? `${destination.service}-${destination.cluster}`;
    if (ctx.mirrors === undefined || kept !== undefined)
      ctx.notes.add(
        `from cluster ${clientCluster}, Linkerd multicluster reaches Service ${destination.namespace}/${destination.service} of cluster ${destination.cluster} through its mirror ${mirror}; the HTTPRoutes on the Service in ${destination.cluster} apply to clients of that cluster only`,
      );
    route =
      ctx.mirrors !== undefined && kept === undefined
        ? {
            error: `no Linkerd mirror of Service ${destination.namespace}/${destination.service} of cluster ${destination.cluster} in cluster ${clientCluster} (no Link there keeps one): Linkerd cannot reach it from there`,
          }
        : evaluateOutbound(
            ctx,
            clientCluster,
            { name: mirror, namespace: kept?.namespace ?? destination.namespace },
            port,
            clusterDomain(source?.mesh),
          );
  }
  const access = evaluateAccess(ctx, destination, port, identity, source?.cluster);
  return {
    mesh: 'linkerd',
    request,
    ...(source === undefined
      ? {}
      : {
          source: {
            workload: source.workload,
            cluster: source.cluster,
            namespace: source.namespace,
            principal: identity ?? '(no Linkerd identity)',
            labels: source.labels,
          },
        }),
    destination: { name: destination.name, cluster: destination.cluster, host: destination.localFqdn },
    clientCluster,
    route,
    access,
    used: ctx.used,
    notes: [...ctx.notes],
  };
}
