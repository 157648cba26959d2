// TrafficPolicy features Linkerd can express, as an ordered list of what each sets on an outbound
// HTTPRoute rule (Gateway API, parented on the Destination's Service):
//   requestTimeout      rule timeouts.request
//   retries             the route's retry.linkerd.io annotations (Linkerd reads retries per route,
//                       so rules with different retries go to different HTTPRoutes)
//   headerManipulation  RequestHeaderModifier / ResponseHeaderModifier filters
//   trafficShift        weighted backendRefs: Services of the same cluster, or Linkerd multicluster
//                       mirror Services (`<svc>-<cluster>`) for Services of linked clusters
// Everything else is declared unsupported in linkerd-support.ts and rejected before this runs.
import type { HeaderManipulation, TrafficPolicyPolicy } from '../../../api/networking/v1/traffic-policy.ts';
import { canonicalJson } from '../../canonical-json.ts';
import { clusterObjectKey } from '../../keys.ts';
import type { IndexedDestination, KubeServiceRef } from '../../networking-index.ts';
import { linkerdDuration } from './linkerd-duration.ts';
import type { HTTPRouteFilter, HeaderModifier } from './linkerd-types.ts';
import type { LinkerdMirrorIndex } from './mirrors.ts';
import { nonServiceTarget } from '../shift-targets.ts';

export interface RetrySetting {
  readonly limit: number;
  readonly timeout?: string;
}

/** A backend before ports are chosen: the port to use for each port of the Destination's Service. */
export interface BackendDraft {
  readonly name: string;
  readonly namespace: string;
  readonly weight: number;
  /** Destination port → backend port. */
  readonly ports: ReadonlyMap<number, number>;
  readonly filters?: readonly HTTPRouteFilter[];
}

export interface RuleFields {
  timeout?: string;
  retries?: RetrySetting;
  filters?: HTTPRouteFilter[];
  backends?: BackendDraft[];
}

export interface TrafficContext {
  readonly destination: IndexedDestination;
  readonly service: KubeServiceRef;
  readonly destinationByService: (key: string) => IndexedDestination | undefined;
  readonly mirrors: LinkerdMirrorIndex;
  /** Filled by features: notes for the policy's status on this Destination. */
  readonly warnings: string[];
}

export interface TranslatedFeatures {
  readonly fields: RuleFields;
  /** One per feature set: the field and its canonical value, for conflicts between policies. */
  readonly claims: readonly { readonly field: string; readonly value: string }[];
}

export function portsOf(destination: IndexedDestination): number[] {
  return (destination.destination.spec.kubeService?.ports ?? []).flatMap((p) => (p.port === undefined ? [] : [p.port]));
}

function headerModifier(add: Readonly<Record<string, string>> | undefined, remove: readonly string[] | undefined) {
  const modifier: HeaderModifier = {};
  const entries = Object.entries(add ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length > 0) modifier.add = entries.map(([name, value]) => ({ name, value }));
  if ((remove ?? []).length > 0) modifier.remove = [...new Set(remove)].sort();
  return modifier.add === undefined && modifier.remove === undefined ? undefined : modifier;
}

export function headerFilters(h: HeaderManipulation): HTTPRouteFilter[] {
  const filters: HTTPRouteFilter[] = [];
  const request = headerModifier(h.appendRequestHeaders, h.removeRequestHeaders);
  if (request !== undefined) filters.push({ type: 'RequestHeaderModifier', requestHeaderModifier: request });
  const response = headerModifier(h.appendResponseHeaders, h.removeResponseHeaders);
  if (response !== undefined) filters.push({ type: 'ResponseHeaderModifier', responseHeaderModifier: response });
  return filters;
}

function describe(ref: KubeServiceRef): string {
  return `${ref.namespace}/${ref.name} in cluster ${ref.cluster}`;
}

/** Destination port → target port: explicit, the target's only port, or the same number. */
function targetPorts(
  explicit: number | undefined,
  target: IndexedDestination,
  own: readonly number[],
  path: string,
): Map<number, number> | string {
  const offered = portsOf(target);
  const name = target.service === undefined ? target.key : describe(target.service);
  if (explicit !== undefined && explicit !== 0) {
    if (!offered.includes(explicit)) return `${path}.port: Service ${name} has no port ${String(explicit)}`;
    return new Map(own.map((p) => [p, explicit]));
  }
  const only = offered[0];
  if (offered.length === 1 && only !== undefined) return new Map(own.map((p) => [p, only]));
  const set = new Set(offered);
  if (own.every((p) => set.has(p))) return new Map(own.map((p) => [p, p]));
  return `${path}.port: Service ${name} has several ports (${offered.join(', ')}); say which one`;
}

function translateShift(
  shift: NonNullable<TrafficPolicyPolicy['trafficShift']>,
  context: TrafficContext,
  errors: string[],
): BackendDraft[] {
  const backends: BackendDraft[] = [];
  const own = portsOf(context.destination);
  const list = shift.destinations ?? [];
  list.forEach((weighted, i) => {
    const path = `spec.policy.trafficShift.destinations[${String(i)}]`;
    const ref = weighted.kubeService;
    if (ref === undefined) {
      const kind = nonServiceTarget(weighted);
      errors.push(
        `${path}.${kind}: not supported for Linkerd Destinations (Linkerd routes to Kubernetes Services only: shift to a kubeService)`,
      );
      return;
    }
    if (Object.keys(ref.subset ?? {}).length > 0) {
      errors.push(
        `${path}.kubeService.subset: not supported for Linkerd Destinations (Linkerd has no subsets; shift to a Service that selects those pods)`,
      );
      return;
    }
    const namespace = ref.namespace === undefined || ref.namespace === '' ? context.service.namespace : ref.namespace;
    const cluster = ref.clusterName === undefined || ref.clusterName === '' ? context.service.cluster : ref.clusterName;
    const targetRef = { name: ref.name, namespace, cluster };
    const target = context.destinationByService(clusterObjectKey(cluster, namespace, ref.name));
    if (target === undefined) {
      errors.push(`${path}.kubeService: no Destination for Service ${describe(targetRef)}`);
      return;
    }
    const ports = targetPorts(ref.port, target, own, `${path}.kubeService`);
    if (typeof ports === 'string') {
      errors.push(ports);
      return;
    }
    let backend = { name: ref.name, namespace };
    if (cluster !== context.service.cluster) {
      const mirror = context.mirrors.find(context.service.cluster, targetRef);
      if (mirror === undefined) {
        errors.push(
          `${path}.kubeService: Service ${describe(targetRef)} has no Linkerd mirror in cluster ${context.service.cluster} (expected Service ${namespace}/${ref.name}-${cluster}, kept by a Link to cluster ${cluster})`,
        );
        return;
      }
      backend = { name: mirror.name, namespace: mirror.namespace };
    }
    const filters =
      weighted.options?.headerManipulation === undefined ? [] : headerFilters(weighted.options.headerManipulation);
    backends.push({
      ...backend,
      // One destination without a weight takes all traffic; Gateway API's default weight is 1.
      weight: weighted.weight ?? (list.length === 1 ? 1 : 0),
      ports,
      ...(filters.length > 0 ? { filters } : {}),
    });
  });
  return backends;
}

export function translateTrafficFeatures(
  policy: TrafficPolicyPolicy,
  context: TrafficContext,
): { ok: true; value: TranslatedFeatures } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const fields: RuleFields = {};
  const claims: { field: string; value: string }[] = [];
  if (policy.requestTimeout !== undefined) {
    const d = linkerdDuration(policy.requestTimeout, 'spec.policy.requestTimeout');
    if (d.ok) {
      fields.timeout = d.value;
      claims.push({ field: 'policy.requestTimeout', value: d.value });
    } else errors.push(d.error);
  }
  if (policy.retries !== undefined) {
    const attempts = policy.retries.attempts ?? 0;
    let timeout: string | undefined;
    if (policy.retries.perTryTimeout !== undefined) {
      const d = linkerdDuration(policy.retries.perTryTimeout, 'spec.policy.retries.perTryTimeout');
      if (d.ok) timeout = d.value;
      else errors.push(d.error);
    }
    if (attempts > 0) {
      fields.retries = { limit: attempts, ...(timeout === undefined ? {} : { timeout }) };
      claims.push({ field: 'policy.retries', value: canonicalJson(fields.retries) });
    } else {
      context.warnings.push(
        'spec.policy.retries.attempts: 0 attempts, so Mesh Hub writes no retries (Linkerd retries nothing unless told)',
      );
    }
  }
  if (policy.headerManipulation !== undefined) {
    const filters = headerFilters(policy.headerManipulation);
    if (filters.length > 0) {
      fields.filters = filters;
      claims.push({ field: 'policy.headerManipulation', value: canonicalJson(filters) });
    }
  }
  if (policy.trafficShift !== undefined) {
    const backends = translateShift(policy.trafficShift, context, errors);
    if (errors.length === 0) {
      fields.backends = backends;
      claims.push({
        field: 'policy.trafficShift',
        value: canonicalJson(backends.map((b) => ({ ...b, ports: [...b.ports.entries()] }))),
      });
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: { fields, claims } };
}
