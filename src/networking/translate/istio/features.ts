// TrafficPolicy features for Istio, as an explicit ordered list. Route features set one field of
// each of the policy's VirtualService routes; DestinationRule features set one field of the
// Destination's DestinationRule. The order is the order fields are translated and reported in.
import type { TrafficPolicyPolicy } from '../../../api/networking/v1/traffic-policy.ts';
import { canonicalJson } from '../../canonical-json.ts';
import { clusterObjectKey, refKey } from '../../keys.ts';
import type { TrafficPolicy } from '../../model.ts';
import type { IndexedDestination, KubeServiceRef } from '../../networking-index.ts';
import type { TrafficPolicyFeature } from '../support.ts';
import { hostFrom } from './hostnames.ts';
import type { CorsPolicy, Headers, HTTPFaultInjection, HTTPRetry, OutlierDetection, TLSMode } from './istio-types.ts';
import { translateStringMatch } from './request-matchers.ts';
import { subsetName } from './subsets.ts';
import type { NetworkingPlan } from '../../plan/plan-model.ts';

/** A port chosen now, or `'route'`: the port of each per-port route (same-numbered port on the target). */
export type PortChoice = number | 'route' | undefined;

export interface RouteDestinationDraft {
  readonly host: string;
  readonly subset?: string;
  readonly port: PortChoice;
  readonly weight?: number;
  readonly headers?: Headers;
}

export interface MirrorDraft {
  readonly host: string;
  readonly port: PortChoice;
  readonly percentage?: number;
}

/** The VirtualService route fields a TrafficPolicy can set, before per-port expansion. */
export interface RouteFields {
  timeout?: string;
  retries?: HTTPRetry;
  corsPolicy?: CorsPolicy;
  fault?: HTTPFaultInjection;
  mirror?: MirrorDraft;
  headers?: Headers;
  route?: RouteDestinationDraft[];
}

export interface DestinationRuleFields {
  outlierDetection?: OutlierDetection;
  tls?: { mode: TLSMode };
}

export interface FeatureContext {
  readonly index: NetworkingPlan;
  readonly destination: IndexedDestination;
  readonly service: KubeServiceRef;
  /**
   * The cluster whose clients the routes are for: the Destination's own, or a cluster it is
   * federated to (there, other Services are reached by their host names as seen from that cluster).
   */
  readonly clientCluster: string;
  readonly policy: TrafficPolicy;
  /** Filled by features: notes for the policy's status on this Destination. */
  readonly warnings: string[];
  /** Filled by the traffic shift: subsets the targets' DestinationRules must define. */
  readonly subsets: { target: IndexedDestination; labels: Readonly<Record<string, string>> }[];
}

export type FeatureValue<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: string[] };

interface Feature<Fields, K extends keyof Fields> {
  readonly policyField: TrafficPolicyFeature;
  readonly field: K;
  /** Its translation reads context.clientCluster (the host names of the Services it names). */
  readonly perClientCluster?: true;
  readonly translate: (policy: TrafficPolicyPolicy, context: FeatureContext) => FeatureValue<Fields[K]> | undefined;
}

export type FeatureList<Fields> = readonly { [K in keyof Fields]-?: Feature<Fields, K> }[keyof Fields][];

const ok = <T>(value: T): FeatureValue<T> => ({ ok: true, value });
const invalid = <T>(...errors: string[]): FeatureValue<T> => ({ ok: false, errors });

function portsOf(destination: IndexedDestination): number[] {
  return (destination.destination.spec.kubeService?.ports ?? []).flatMap((p) => (p.port === undefined ? [] : [p.port]));
}

function describeService(ref: KubeServiceRef): string {
  return `${ref.namespace}/${ref.name} in cluster ${ref.cluster}`;
}

/** A service reference with namespace and cluster defaulting to the selected Destination's. */
function resolveService(
  ref: { readonly name: string; readonly namespace?: string | undefined; readonly clusterName?: string | undefined },
  context: FeatureContext,
  path: string,
): IndexedDestination | string {
  const namespace = ref.namespace === undefined || ref.namespace === '' ? context.service.namespace : ref.namespace;
  const cluster = ref.clusterName === undefined || ref.clusterName === '' ? context.service.cluster : ref.clusterName;
  const found = context.index.destinationByService.get(clusterObjectKey(cluster, namespace, ref.name));
  return found ?? `${path}: no Destination for Service ${describeService({ name: ref.name, namespace, cluster })}`;
}

/**
 * The port to send to on `target`. Without an explicit port: the target's only port, or (several
 * ports) the same port number as each route's, when the target has every port the Destination has.
 */
function resolvePort(
  explicit: number | undefined,
  target: IndexedDestination,
  context: FeatureContext,
  path: string,
): { readonly port: PortChoice } | { readonly error: string } {
  const targetPorts = portsOf(target);
  const name = target.service === undefined ? target.key : describeService(target.service);
  if (explicit !== undefined && explicit !== 0) {
    return targetPorts.includes(explicit)
      ? { port: explicit }
      : { error: `${path}.port: Service ${name} has no port ${String(explicit)}` };
  }
  if (targetPorts.length <= 1) return { port: targetPorts[0] };
  // A Set: a Service may list thousands of ports, and includes() in every() grew with their square.
  const offered = new Set(targetPorts);
  if (portsOf(context.destination).every((p) => offered.has(p))) return { port: 'route' };
  return { error: `${path}.port: Service ${name} has several ports (${targetPorts.join(', ')}); say which one` };
}

function translateHeaderManipulation(h: NonNullable<TrafficPolicyPolicy['headerManipulation']>): Headers {
  const headers: Headers = {};
  const request = {
    ...(h.appendRequestHeaders === undefined ? {} : { add: { ...h.appendRequestHeaders } }),
    ...(h.removeRequestHeaders === undefined ? {} : { remove: [...h.removeRequestHeaders] }),
  };
  const response = {
    ...(h.appendResponseHeaders === undefined ? {} : { add: { ...h.appendResponseHeaders } }),
    ...(h.removeResponseHeaders === undefined ? {} : { remove: [...h.removeResponseHeaders] }),
  };
  if (Object.keys(request).length > 0) headers.request = request;
  if (Object.keys(response).length > 0) headers.response = response;
  return headers;
}

/** Workloads of `target` (same cluster and namespace, matching its selector) that carry `labels`. */
function subsetHasWorkloads(
  target: IndexedDestination,
  labels: Readonly<Record<string, string>>,
  index: NetworkingPlan,
): boolean {
  const service = target.service;
  if (service === undefined) return false;
  const selector = target.destination.spec.kubeService?.workloadSelectorLabels ?? {};
  const wanted = Object.entries({ ...selector, ...labels });
  return (index.workloadsByClusterNamespace.get(`${service.cluster}/${service.namespace}`) ?? []).some((w) =>
    wanted.every(([k, v]) => w.labels[k] === v),
  );
}

/** Notes a target in another cluster that is not federated to the client's cluster: its host would not resolve. */
function noteRemote(target: IndexedDestination, context: FeatureContext, path: string, host: string): void {
  if (target.service === undefined || target.service.cluster === context.clientCluster) return;
  const federation = context.index.federation.destinations.get(target);
  const reachable =
    federation !== undefined &&
    federation.errors.length === 0 &&
    federation.toMeshes.some((mesh) => mesh.spec.istio?.installation?.cluster === context.clientCluster);
  if (reachable) return;
  context.warnings.push(
    `${path}: ${describeService(target.service)} is reached as ${host}, which resolves only where a VirtualMesh federates it; it is not federated to cluster ${context.clientCluster}`,
  );
}

function translateTrafficShift(
  shift: NonNullable<TrafficPolicyPolicy['trafficShift']>,
  context: FeatureContext,
): FeatureValue<RouteDestinationDraft[]> {
  const errors: string[] = [];
  const drafts: RouteDestinationDraft[] = [];
  (shift.destinations ?? []).forEach((weighted, i) => {
    const path = `spec.policy.trafficShift.destinations[${i}]`;
    const common = {
      ...(weighted.weight === undefined ? {} : { weight: weighted.weight }),
      ...(weighted.options?.headerManipulation === undefined
        ? {}
        : { headers: translateHeaderManipulation(weighted.options.headerManipulation) }),
    };
    if (weighted.kubeService !== undefined) {
      const target = resolveService(weighted.kubeService, context, `${path}.kubeService`);
      if (typeof target === 'string') return void errors.push(target);
      const resolved = resolvePort(weighted.kubeService.port, target, context, `${path}.kubeService`);
      if ('error' in resolved) return void errors.push(resolved.error);
      const port = resolved.port;
      const host = hostFrom(context.clientCluster, target, context.index);
      noteRemote(target, context, `${path}.kubeService`, host);
      const labels = weighted.kubeService.subset ?? {};
      if (Object.keys(labels).length > 0) {
        context.subsets.push({ target, labels });
        if (!subsetHasWorkloads(target, labels, context.index)) {
          const text = Object.entries(labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(',');
          context.warnings.push(`${path}.kubeService.subset: no Workload of the Service carries ${text} yet`);
        }
      }
      drafts.push({ host, port, ...(Object.keys(labels).length > 0 ? { subset: subsetName(labels) } : {}), ...common });
      return;
    }
    if (weighted.virtualDestination !== undefined) {
      const ref = weighted.virtualDestination;
      const key = refKey({ name: ref.name, namespace: ref.namespace ?? context.policy.metadata.namespace });
      const found = context.index.virtualDestinationByKey.get(key);
      const hostname = found?.spec.hostname;
      if (found === undefined) return void errors.push(`${path}.virtualDestination: no VirtualDestination ${key}`);
      if (hostname === undefined || hostname === '') {
        return void errors.push(`${path}.virtualDestination: VirtualDestination ${key} has no hostname`);
      }
      const number = found.spec.port?.number;
      const subset = ref.subset ?? {};
      drafts.push({
        host: hostname,
        port: number,
        ...(Object.keys(subset).length > 0 ? { subset: subsetName(subset) } : {}),
        ...common,
      });
      return;
    }
    // staticDestination and clusterHeader have no Istio equivalent without an enterprise gateway.
    const kind = weighted.staticDestination !== undefined ? 'staticDestination' : 'clusterHeader';
    errors.push(`${path}.${kind}: not supported for Istio Destinations`);
  });
  return errors.length > 0 ? invalid(...errors) : ok(drafts);
}

function translateMirror(
  mirror: NonNullable<TrafficPolicyPolicy['mirror']>,
  context: FeatureContext,
): FeatureValue<MirrorDraft> {
  const path = 'spec.policy.mirror';
  if (mirror.kubeService === undefined) return invalid(`${path}.kubeService: a mirror needs a destination`);
  const target = resolveService(mirror.kubeService, context, `${path}.kubeService`);
  if (typeof target === 'string') return invalid(target);
  const resolved = resolvePort(mirror.port, target, context, path);
  if ('error' in resolved) return invalid(resolved.error);
  const port = resolved.port;
  const host = hostFrom(context.clientCluster, target, context.index);
  noteRemote(target, context, `${path}.kubeService`, host);
  return ok({ host, port, ...(mirror.percentage === undefined ? {} : { percentage: mirror.percentage }) });
}

function translateCors(cors: NonNullable<TrafficPolicyPolicy['corsPolicy']>): CorsPolicy {
  return {
    ...(cors.allowOrigins === undefined
      ? {}
      : { allowOrigins: cors.allowOrigins.map((o) => translateStringMatch(o, false)) }),
    ...(cors.allowMethods === undefined ? {} : { allowMethods: [...cors.allowMethods] }),
    ...(cors.allowHeaders === undefined ? {} : { allowHeaders: [...cors.allowHeaders] }),
    ...(cors.exposeHeaders === undefined ? {} : { exposeHeaders: [...cors.exposeHeaders] }),
    ...(cors.maxAge === undefined ? {} : { maxAge: cors.maxAge }),
    ...(cors.allowCredentials === undefined ? {} : { allowCredentials: cors.allowCredentials }),
  };
}

function translateFault(fault: NonNullable<TrafficPolicyPolicy['faultInjection']>): FeatureValue<HTTPFaultInjection> {
  // The API documents an omitted percentage as "all requests".
  const percentage = { value: fault.percentage ?? 100 };
  if (fault.fixedDelay !== undefined) return ok({ delay: { fixedDelay: fault.fixedDelay, percentage } });
  if (fault.abort !== undefined) return ok({ abort: { httpStatus: fault.abort.httpStatus, percentage } });
  return invalid('spec.policy.faultInjection: set fixedDelay or abort');
}

/** In translation order: timeout, retries, CORS, fault, mirror, headers, traffic shift. */
export const ROUTE_FEATURES: FeatureList<RouteFields> = [
  {
    policyField: 'requestTimeout',
    field: 'timeout',
    translate: (p) => (p.requestTimeout === undefined ? undefined : ok(p.requestTimeout)),
  },
  {
    policyField: 'retries',
    field: 'retries',
    translate: (p) =>
      p.retries === undefined
        ? undefined
        : ok({
            attempts: p.retries.attempts ?? 0,
            ...(p.retries.perTryTimeout === undefined ? {} : { perTryTimeout: p.retries.perTryTimeout }),
          }),
  },
  {
    policyField: 'corsPolicy',
    field: 'corsPolicy',
    translate: (p) => (p.corsPolicy === undefined ? undefined : ok(translateCors(p.corsPolicy))),
  },
  {
    policyField: 'faultInjection',
    field: 'fault',
    translate: (p) => (p.faultInjection === undefined ? undefined : translateFault(p.faultInjection)),
  },
  {
    policyField: 'mirror',
    field: 'mirror',
    perClientCluster: true,
    translate: (p, context) => (p.mirror === undefined ? undefined : translateMirror(p.mirror, context)),
  },
  {
    policyField: 'headerManipulation',
    field: 'headers',
    translate: (p) =>
      p.headerManipulation === undefined ? undefined : ok(translateHeaderManipulation(p.headerManipulation)),
  },
  {
    policyField: 'trafficShift',
    field: 'route',
    perClientCluster: true,
    translate: (p, context) =>
      p.trafficShift === undefined ? undefined : translateTrafficShift(p.trafficShift, context),
  },
];

const OUTLIER_DEFAULTS = { consecutiveErrors: 5, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 100 };

/** In translation order: outlier detection, then the mTLS mode (which overrides Settings). */
export const DESTINATION_RULE_FEATURES: FeatureList<DestinationRuleFields> = [
  {
    policyField: 'outlierDetection',
    field: 'outlierDetection',
    translate: (p) => {
      const od = p.outlierDetection;
      if (od === undefined) return undefined;
      // Zero means "not set" in the API (proto3 scalars): Gloo Mesh's defaults apply.
      return ok({
        consecutive5xxErrors: od.consecutiveErrors || OUTLIER_DEFAULTS.consecutiveErrors,
        interval: od.interval ?? OUTLIER_DEFAULTS.interval,
        baseEjectionTime: od.baseEjectionTime ?? OUTLIER_DEFAULTS.baseEjectionTime,
        maxEjectionPercent: od.maxEjectionPercent || OUTLIER_DEFAULTS.maxEjectionPercent,
      });
    },
  },
  {
    policyField: 'mtls',
    field: 'tls',
    // An `istio` block without tlsMode is the enum's zero value, DISABLE, as in the API.
    translate: (p) => (p.mtls?.istio === undefined ? undefined : ok({ mode: p.mtls.istio.tlsMode ?? 'DISABLE' })),
  },
];

/**
 * True when the policy sets a feature whose translation depends on the client cluster; otherwise
 * translating it for any cluster gives the same fields, claims and errors.
 */
export function translationDependsOnClientCluster(policy: TrafficPolicyPolicy): boolean {
  const features: readonly { readonly policyField: TrafficPolicyFeature; readonly perClientCluster?: true }[] = [
    ...ROUTE_FEATURES,
    ...DESTINATION_RULE_FEATURES,
  ];
  return features.some((feature) => feature.perClientCluster === true && policy[feature.policyField] !== undefined);
}

export interface AppliedFeatures<Fields> {
  readonly fields: Fields;
  /** One claim per field set, for conflict detection between policies. */
  readonly claims: { field: string; value: string }[];
}

/** Runs an ordered feature list over a policy: the fields it sets and their claims; errors are collected. */
export function applyFeatures<Fields extends object>(
  features: FeatureList<Fields>,
  policy: TrafficPolicyPolicy,
  context: FeatureContext,
  errors: string[],
): AppliedFeatures<Fields> {
  const fields: Record<string, unknown> = {};
  const claims: { field: string; value: string }[] = [];
  for (const feature of features) {
    const result = feature.translate(policy, context);
    if (result === undefined) continue;
    if (!result.ok) {
      errors.push(...result.errors);
      continue;
    }
    fields[String(feature.field)] = result.value;
    claims.push({ field: `policy.${feature.policyField}`, value: canonicalJson(result.value) });
  }
  return { fields: fields as Fields, claims };
}
