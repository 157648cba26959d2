// The Linkerd translator: for one Destination (a Kubernetes Service in a Linkerd mesh), which of its
// policies Linkerd can express, then its outbound HTTPRoutes (traffic-features.ts,
// outbound-routes.ts) and its inbound policy objects (access-policy.ts).
import type { KubeObject } from '../../../api/meta.ts';
import { canonicalJson } from '../../canonical-json.ts';
import { objectRefKey } from '../../keys.ts';
import { meshTypeOf } from '../../mesh-type.ts';
import type { AccessPolicy, Mesh, TrafficPolicy, VirtualMesh } from '../../model.ts';
import type { IndexedDestination, KubeServiceRef, NetworkingIndex } from '../../networking-index.ts';
import type { NetworkingPlan } from '../../plan/plan-model.ts';
import type { VirtualMeshCheck } from '../../plan/virtual-mesh-membership.ts';
import { FieldOwnership, type FieldClaim } from '../../validate/conflicts.ts';
import { parentsAnnotation, translatedMetadata } from '../output-meta.ts';
import { unsupportedFeatureErrors, unsupportedMemberFeature } from '../support.ts';
import type {
  ClusterObject,
  DestinationDecision,
  MemberTranslation,
  MeshTranslator,
  PolicyOutcome,
} from '../translator.ts';
import { outcome } from '../translator.ts';
import { type LinkerdAccessRule, serverPorts, translateAccessPolicy, writeAccessObjects } from './access-policy.ts';
import { type IdentityContext, type LinkerdIdentityDomain, linkerdIdentityDomain } from './identities.ts';
import { GATEWAY_API_VERSION, type HTTPRouteMatch, MAX_RULES_PER_ROUTE } from './linkerd-types.ts';
import { LINKERD_SUPPORT } from './linkerd-support.ts';
import { linkerdMirrorsOf } from './mirrors.ts';
import { buildOutboundRoutes, retryGroup, type RuleDraft } from './outbound-routes.ts';
import { translateRouteMatches } from './route-matches.ts';
import { portsOf, translateTrafficFeatures, type TrafficContext } from './traffic-features.ts';

function describeMatch(match: HTTPRouteMatch): string {
  const parts: string[] = [];
  if (match.path !== undefined) parts.push(`path ${match.path.type} ${match.path.value}`);
  if (match.method !== undefined) parts.push(`method ${match.method}`);
  for (const h of match.headers ?? []) parts.push(`header ${h.name} ${h.type} ${h.value}`);
  for (const q of match.queryParams ?? []) parts.push(`query ${q.name} ${q.type} ${q.value}`);
  return `the HTTPRoute rule for ${parts.join(', ')}`;
}

function policyName(policy: TrafficPolicy | AccessPolicy, kind: string): string {
  return `${kind} ${policy.metadata.namespace ?? ''}/${policy.metadata.name}`;
}

/** What the accepted policies of one Destination add up to, until its outputs are written. */
interface LinkerdDestinationPlan {
  readonly destination: IndexedDestination;
  readonly service: KubeServiceRef;
  readonly drafts: Map<string, RuleDraft>;
  readonly access: LinkerdAccessRule[];
  /** The VirtualMesh whose default deny covers this Destination, if any. */
  readonly denyingVirtualMesh: VirtualMesh | undefined;
}

/** Source selectors of a TrafficPolicy that Linkerd can honour: none, or every client of the Service's cluster. */
function sourceSelectorErrors(policy: TrafficPolicy, cluster: string): string[] {
  const selectors = policy.spec.sourceSelector ?? [];
  if (selectors.length === 0) return [];
  const everyLocalClient = selectors.some((s) => {
    const m = s.kubeWorkloadMatcher;
    const clusters = m?.clusters ?? [];
    return (
      Object.keys(m?.labels ?? {}).length === 0 &&
      (m?.namespaces ?? []).length === 0 &&
      (clusters.length === 0 || clusters.includes(cluster))
    );
  });
  return everyLocalClient
    ? []
    : [`spec.sourceSelector: not supported for Linkerd Destinations (${LINKERD_SUPPORT.features.sourceSelector.how})`];
}

function decideTrafficPolicy(
  plan: LinkerdDestinationPlan,
  policy: TrafficPolicy,
  ownership: FieldOwnership,
  context: Omit<TrafficContext, 'warnings'>,
): PolicyOutcome {
  const unsupported = [
    ...unsupportedFeatureErrors(policy.spec.policy, LINKERD_SUPPORT),
    ...sourceSelectorErrors(policy, plan.service.cluster),
  ];
  if (unsupported.length > 0) return outcome('INVALID', unsupported);
  const warnings: string[] = [];
  const features = translateTrafficFeatures(policy.spec.policy ?? {}, { ...context, warnings });
  if (!features.ok) return outcome('INVALID', features.errors, warnings);
  if (features.value.claims.length === 0) return outcome('ACCEPTED', [], warnings);
  const matches = translateRouteMatches(policy.spec.httpRequestMatchers);
  if (!matches.ok) return outcome('INVALID', matches.errors, warnings);
  const claims: FieldClaim[] = [];
  for (const match of matches.value) {
    const scope = describeMatch(match);
    for (const claim of features.value.claims) claims.push({ scope, ...claim });
  }
  const conflicts = ownership.conflicts(claims);
  if (conflicts.length > 0) return outcome('INVALID', conflicts, warnings);

  // Gateway API holds at most 16 rules per HTTPRoute; the one without retries keeps one for the default rule.
  const counts = new Map<string, number>();
  for (const draft of plan.drafts.values()) {
    const group = retryGroup(draft.fields.retries);
    counts.set(group, (counts.get(group) ?? 0) + 1);
  }
  for (const match of matches.value) {
    const existing = plan.drafts.get(canonicalJson(match));
    const group = retryGroup({ ...existing?.fields, ...features.value.fields }.retries);
    if (existing !== undefined && retryGroup(existing.fields.retries) === group) continue;
    counts.set(group, (counts.get(group) ?? 0) + 1);
    if ((counts.get(group) ?? 0) > MAX_RULES_PER_ROUTE - (group === '' ? 1 : 0)) {
      return outcome(
        'FAILED',
        [
          `the HTTPRoute of this Destination${group === '' ? '' : ` for ${group}`} would hold more than ${String(MAX_RULES_PER_ROUTE)} rules, Gateway API's maximum`,
        ],
        warnings,
      );
    }
  }

  ownership.commit(policyName(policy, 'TrafficPolicy'), claims);
  for (const match of matches.value) {
    const key = canonicalJson(match);
    let draft = plan.drafts.get(key);
    if (draft === undefined) {
      draft = { match, fields: {}, policies: [] };
      plan.drafts.set(key, draft);
    }
    Object.assign(draft.fields, features.value.fields);
    draft.policies.push(policy);
  }
  return outcome('ACCEPTED', [], warnings);
}

function identityContext(plan: LinkerdDestinationPlan, mesh: Mesh, index: NetworkingIndex): IdentityContext {
  return {
    cluster: plan.service.cluster,
    local: linkerdIdentityDomain(mesh),
    domainsIn: (cluster) => {
      // Only reached for sources in another cluster: a scan of the meshes there is cheap.
      const domains: LinkerdIdentityDomain[] = [];
      for (const m of index.meshByKey.values()) {
        if (meshTypeOf(m) === 'linkerd' && m.spec.linkerd?.installation?.cluster === cluster) {
          domains.push(linkerdIdentityDomain(m));
        }
      }
      return domains;
    },
  };
}

function decideAccessPolicies(
  plan: LinkerdDestinationPlan,
  policies: readonly AccessPolicy[],
  identities: IdentityContext,
): [AccessPolicy, PolicyOutcome][] {
  const selector = plan.destination.destination.spec.kubeService?.workloadSelectorLabels ?? {};
  if (policies.length > 0 && Object.keys(selector).length === 0) {
    const failed = outcome('FAILED', [
      `Destination ${plan.destination.key} selects no pods (its Service has no selector); a Linkerd Server for it would select every pod in namespace ${plan.service.namespace}`,
    ]);
    return policies.map((p) => [p, failed]);
  }
  const servers = serverPorts(plan.destination);
  return policies.map((policy) => {
    const decision = translateAccessPolicy(policy, plan.destination, servers, identities);
    if (!decision.ok) return [policy, outcome('INVALID', decision.errors)];
    plan.access.push(decision.rule);
    return [policy, outcome('ACCEPTED', [], decision.warnings)];
  });
}

function writeLinkerdOutputs(plan: LinkerdDestinationPlan, installNamespace: string): ClusterObject[] {
  const { service, destination } = plan;
  const objects: KubeObject[] = [];
  const routes = buildOutboundRoutes(service, portsOf(destination), [...plan.drafts.values()]);
  for (const route of routes) {
    const metadata = translatedMetadata(
      route.name,
      service.namespace,
      installNamespace,
      parentsAnnotation({ destinations: [destination.destination], trafficPolicies: route.policies }),
    );
    objects.push({
      apiVersion: GATEWAY_API_VERSION,
      kind: 'HTTPRoute',
      metadata: { ...metadata, annotations: { ...metadata.annotations, ...route.annotations } },
      spec: route.spec,
    });
  }
  const selector = destination.destination.spec.kubeService?.workloadSelectorLabels ?? {};
  // A Service without a selector has no pods of its own to guard: default deny leaves it alone.
  const denying = Object.keys(selector).length > 0 ? plan.denyingVirtualMesh : undefined;
  const denyByDefault = denying !== undefined;
  const access = writeAccessObjects(destination, serverPorts(destination), plan.access, denyByDefault);
  for (const object of access) {
    const virtualMeshes = object.kind === 'Server' && denying !== undefined ? [denying] : [];
    objects.push({
      apiVersion: object.apiVersion,
      kind: object.kind,
      metadata: translatedMetadata(
        object.name,
        service.namespace,
        installNamespace,
        parentsAnnotation({
          destinations: [destination.destination],
          accessPolicies: object.policies,
          virtualMeshes,
        }),
      ),
      spec: object.spec,
    });
  }
  return objects.map((object) => ({ cluster: service.cluster, object }));
}

/** The VirtualMesh with globalAccessPolicy ENABLED that the Destination's mesh is a member of, if any. */
function denyingVirtualMesh(mesh: Mesh, plan: NetworkingPlan): VirtualMesh | undefined {
  const check = plan.virtualMeshes.byMesh.get(objectRefKey(mesh));
  return check?.virtualMesh.spec.globalAccessPolicy === 'ENABLED' ? check.virtualMesh : undefined;
}

/**
 * A Linkerd member of a VirtualMesh. Its default deny is written with its Destinations (their
 * Servers, see writeLinkerdOutputs), so that one Server guards each pod port whether an
 * AccessPolicy or the VirtualMesh asks for it; here, what Linkerd cannot do is reported.
 */
function translateMember(member: Mesh, check: VirtualMeshCheck): MemberTranslation {
  const meshKey = objectRefKey(member);
  const spec = check.virtualMesh.spec;
  const errors: string[] = [];
  const warnings: string[] = [];
  if (spec.mtlsConfig?.shared !== undefined)
    errors.push(unsupportedMemberFeature('sharedTrust', LINKERD_SUPPORT, meshKey));
  if (spec.federation !== undefined) {
    warnings.push(
      `VirtualMesh spec.federation: Linkerd Mesh ${meshKey} is federated by Linkerd's own multicluster (Links and mirror Services <service>-<cluster>), not by Mesh Hub: no ServiceEntries are written for it, and TrafficPolicies on its Destinations shift to mirror Services where a Link keeps them`,
    );
  }
  if (spec.globalAccessPolicy === 'ENABLED') {
    warnings.push(
      `VirtualMesh spec.globalAccessPolicy: on Linkerd Mesh ${meshKey}, default deny is a Server with accessPolicy deny on every port of every Destination's Service; pods that no Service selects keep Linkerd's default inbound policy`,
    );
  }
  return { objects: [], errors, warnings };
}

export const linkerdTranslator: MeshTranslator = {
  support: LINKERD_SUPPORT,
  translateMember,
  // Never reached while failover is declared unsupported (the plan reports it); kept total.
  translateVirtualDestination: (virtualDestination) => ({
    objects: [],
    errors: virtualDestination.exportTo.map((mesh) =>
      unsupportedMemberFeature('failover', LINKERD_SUPPORT, objectRefKey(mesh)),
    ),
    warnings: [],
  }),
  decide(destination, trafficPolicies, accessPolicies, index): DestinationDecision {
    const service = destination.service;
    const mesh = destination.mesh;
    if (service === undefined || mesh === undefined) {
      throw new Error(`linkerdTranslator: ${destination.key} must be a Kubernetes Service in a known mesh`);
    }
    const plan: LinkerdDestinationPlan = {
      destination,
      service,
      drafts: new Map(),
      access: [],
      denyingVirtualMesh: denyingVirtualMesh(mesh, index),
    };
    const ownership = new FieldOwnership();
    const context = {
      destination,
      service,
      destinationByService: (key: string) => index.destinationByService.get(key),
      mirrors: linkerdMirrorsOf(index),
    };
    const tpOutcomes = trafficPolicies.map(
      (policy) => [policy, decideTrafficPolicy(plan, policy, ownership, context)] as const,
    );
    const apOutcomes =
      accessPolicies.length === 0 ? [] : decideAccessPolicies(plan, accessPolicies, identityContext(plan, mesh, index));
    return {
      trafficPolicies: tpOutcomes,
      accessPolicies: apOutcomes,
      requiredSubsets: [],
      writeOutputs: () => writeLinkerdOutputs(plan, index.installNamespace),
    };
  },
};
