// The Open Service Mesh translator (OSM v1.2, its last release). For one Destination, which of its
// policies OSM can express, then its objects, all in the Service's namespace and cluster:
//   TrafficSplit   <service>                     trafficShift (split.smi-spec.io/v1alpha2)
//   Retry          <service>-<sa>-<sa-namespace> retries, one per source service account
//   TrafficTarget  <service>-<policy>-<policy-namespace>[-<destination sa>]
//   HTTPRouteGroup <service>-<policy>-<policy-namespace>   one pair per AccessPolicy
// OSM has no multicluster, no per-request matching for splits and retries, and no timeout, fault,
// CORS, mirror, header or outlier settings: those are rejected on OSM Destinations (osm-support.ts).
import type { KubeObject } from '../../../api/meta.ts';
import { sanitizeName } from '../../../discovery/names.ts';
import { canonicalJson } from '../../canonical-json.ts';
import { objectRefKey } from '../../keys.ts';
import type { AccessPolicy, TrafficPolicy } from '../../model.ts';
import type { IndexedDestination, KubeServiceRef, NetworkingIndex } from '../../networking-index.ts';
import { FieldOwnership, type FieldClaim } from '../../validate/conflicts.ts';
import { selectSourceWorkloads } from '../../validate/workload-selection.ts';
import { parentsAnnotation, translatedMetadata } from '../output-meta.ts';
import { unsupportedFeatureErrors, unsupportedMemberFeature } from '../support.ts';
import type { ClusterObject, DestinationDecision, MeshTranslator, PolicyOutcome } from '../translator.ts';
import { outcome } from '../translator.ts';
import { osmMeshConfigOf, type OsmMeshConfig } from './mesh-config.ts';
import { OSM_SUPPORT } from './osm-support.ts';
import {
  OSM_API_VERSIONS,
  type HttpRouteGroupSpec,
  type RetrySpec,
  type RetryPolicySpec,
  type ServiceAccountSubject,
  type TrafficSplitSpec,
  type TrafficTargetSpec,
} from './osm-types.ts';
import { retrySources, translateRetries } from './retry.ts';
import { backingWorkloads, meshKeyOf, workloadServiceAccounts } from './service-accounts.ts';
import { translateTrafficShift } from './traffic-split.ts';
import { translateAccessPolicy, type TrafficTargetDraft } from './traffic-target.ts';
import { translateOsmMember } from './virtual-mesh-member.ts';

const NOT_SUPPORTED = `not supported for ${OSM_SUPPORT.meshName} Destinations`;

/** What the accepted policies of one Destination add up to, until its outputs are written. */
interface OsmDestinationPlan {
  readonly destination: IndexedDestination;
  readonly service: KubeServiceRef;
  readonly meshKey: string;
  /** The mesh's MeshConfig, when the cluster's objects show it. */
  readonly meshConfig: OsmMeshConfig | undefined;
  split: { readonly spec: TrafficSplitSpec; readonly policies: TrafficPolicy[] } | undefined;
  /** By source service account (`namespace/name`). */
  readonly retries: Map<
    string,
    { readonly source: ServiceAccountSubject; readonly spec: RetryPolicySpec; readonly policies: TrafficPolicy[] }
  >;
  readonly targets: { readonly policy: AccessPolicy; readonly draft: TrafficTargetDraft }[];
  /** The Destination's own identities: the service accounts of the workloads it selects. */
  destinationServiceAccounts: readonly ServiceAccountSubject[];
}

/** One error per set TrafficPolicy feature OSM cannot express, and for request matchers. */
export function unsupportedOsmErrors(policy: TrafficPolicy): string[] {
  const errors = unsupportedFeatureErrors(policy.spec.policy, OSM_SUPPORT);
  if ((policy.spec.httpRequestMatchers ?? []).length > 0) {
    errors.push(`spec.httpRequestMatchers: ${NOT_SUPPORTED} (${OSM_SUPPORT.features.requestMatchers.how})`);
  }
  return errors;
}

function policyName(policy: TrafficPolicy | AccessPolicy): string {
  return `${policy.kind} ${policy.metadata.namespace ?? ''}/${policy.metadata.name}`;
}

function subjectKey(subject: ServiceAccountSubject): string {
  return `${subject.namespace}/${subject.name}`;
}

function decideTrafficPolicy(
  plan: OsmDestinationPlan,
  policy: TrafficPolicy,
  ownership: FieldOwnership,
  index: NetworkingIndex,
): PolicyOutcome {
  const errors = unsupportedOsmErrors(policy);
  const fields = policy.spec.policy ?? {};
  const warnings: string[] = [];
  const shift =
    fields.trafficShift === undefined ? undefined : translateTrafficShift(fields.trafficShift, plan.service, index);
  if (shift !== undefined && !shift.ok) errors.push(...shift.errors);
  if (shift !== undefined && selectSourceWorkloads(policy.spec.sourceSelector, index) !== 'all') {
    errors.push(
      `spec.sourceSelector: a trafficShift on ${OSM_SUPPORT.meshName} Destinations applies to every client (an SMI TrafficSplit has no source); remove the sourceSelector or the trafficShift`,
    );
  }
  const retry = fields.retries === undefined ? undefined : translateRetries(fields.retries);
  if (retry !== undefined && !retry.ok) errors.push(...retry.errors);
  if (errors.length > 0) return outcome('INVALID', errors);

  const claims: FieldClaim[] = [];
  const split = shift?.ok === true && shift.value.backends.length > 0 ? shift.value : undefined;
  if (split !== undefined) {
    claims.push({ scope: 'the TrafficSplit', field: 'policy.trafficShift', value: canonicalJson(split.backends) });
  }
  const retrySpec = retry?.ok === true ? retry.value : undefined;
  let retryFrom: readonly ServiceAccountSubject[] = [];
  if (retrySpec !== undefined) {
    const sources = retrySources(policy.spec.sourceSelector, plan.meshKey, plan.service.cluster, index);
    retryFrom = sources.serviceAccounts;
    if (sources.elsewhere > 0) {
      warnings.push(
        `spec.sourceSelector: ${sources.elsewhere} selected workload(s) outside this Destination's mesh in cluster ${plan.service.cluster} get no Retry (OSM 1.2 has no multicluster support)`,
      );
    }
    if (retryFrom.length === 0) {
      warnings.push(
        `spec.sourceSelector: no selected workload is in this Destination's mesh in cluster ${plan.service.cluster}; no Retry is written`,
      );
    } else if (plan.meshConfig === undefined) {
      warnings.push(
        'spec.policy.retries: OSM applies Retry objects only when its MeshConfig sets spec.featureFlags.enableRetryPolicy: true',
      );
    } else if (!plan.meshConfig.retryPolicyEnabled) {
      warnings.push(
        `spec.policy.retries: OSM ignores the Retry objects written for this policy until its MeshConfig ${plan.meshConfig.description} sets spec.featureFlags.enableRetryPolicy: true (Mesh Hub does not manage it)`,
      );
    }
    const value = canonicalJson(retrySpec);
    for (const source of retryFrom) {
      claims.push({
        scope: `the Retry from service account ${subjectKey(source)}`,
        field: 'policy.retries',
        value,
      });
    }
  }
  const conflicts = ownership.conflicts(claims);
  if (conflicts.length > 0) return outcome('INVALID', conflicts, warnings);
  ownership.commit(policyName(policy), claims);

  if (split !== undefined) {
    if (plan.split === undefined) plan.split = { spec: split, policies: [policy] };
    else plan.split.policies.push(policy);
  }
  if (retrySpec !== undefined) {
    for (const source of retryFrom) {
      const key = subjectKey(source);
      const existing = plan.retries.get(key);
      if (existing === undefined) plan.retries.set(key, { source, spec: retrySpec, policies: [policy] });
      else existing.policies.push(policy);
    }
  }
  return outcome('ACCEPTED', [], warnings);
}

function decideAccessPolicies(
  plan: OsmDestinationPlan,
  policies: readonly AccessPolicy[],
  index: NetworkingIndex,
): [AccessPolicy, PolicyOutcome][] {
  if (policies.length === 0) return [];
  plan.destinationServiceAccounts = workloadServiceAccounts(backingWorkloads(plan.destination, index));
  if (plan.destinationServiceAccounts.length === 0) {
    const failed = outcome('FAILED', [
      `Destination ${plan.destination.key} selects no discovered Workload; an SMI TrafficTarget allows access to the service account of the Destination's workloads, so there is none to write yet`,
    ]);
    return policies.map((p) => [p, failed]);
  }
  const permissive =
    plan.meshConfig?.permissive === true
      ? [
          `OSM does not enforce TrafficTargets: its MeshConfig ${plan.meshConfig.description} sets spec.traffic.enablePermissiveTrafficPolicyMode: true, so every meshed client may call this Service (Mesh Hub does not manage the MeshConfig)`,
        ]
      : [];
  return policies.map((policy) => {
    const draft = translateAccessPolicy(policy, plan.destination, plan.meshKey, index);
    if (!draft.ok) return [policy, outcome('INVALID', draft.errors)];
    plan.targets.push({ policy, draft: draft.value });
    return [policy, outcome('ACCEPTED', [], [...permissive, ...draft.value.warnings])];
  });
}

/** `<service>-<policy>-<policy namespace>`: the HTTPRouteGroup and (one identity) TrafficTarget of a policy. */
export function accessObjectName(service: KubeServiceRef, policy: AccessPolicy): string {
  return sanitizeName(`${service.name}-${policy.metadata.name}-${policy.metadata.namespace ?? ''}`);
}

export function retryName(service: KubeServiceRef, source: ServiceAccountSubject): string {
  return sanitizeName(`${service.name}-${source.name}-${source.namespace}`);
}

function writeOsmOutputs(plan: OsmDestinationPlan, index: NetworkingIndex): ClusterObject[] {
  const { service, destination } = plan;
  const objects: KubeObject[] = [];
  const meta = (name: string, parents: Parameters<typeof parentsAnnotation>[0]) =>
    translatedMetadata(
      name,
      service.namespace,
      index.installNamespace,
      parentsAnnotation({ destinations: [destination.destination], ...parents }),
    );

  if (plan.split !== undefined) {
    objects.push({
      apiVersion: OSM_API_VERSIONS.trafficSplit,
      kind: 'TrafficSplit',
      metadata: meta(service.name, { trafficPolicies: plan.split.policies }),
      spec: plan.split.spec,
    });
  }
  for (const { source, spec, policies } of plan.retries.values()) {
    const retry: RetrySpec = {
      source,
      destinations: [{ kind: 'Service', name: service.name, namespace: service.namespace }],
      retryPolicy: spec,
    };
    objects.push({
      apiVersion: OSM_API_VERSIONS.policy,
      kind: 'Retry',
      metadata: meta(retryName(service, source), { trafficPolicies: policies }),
      spec: retry,
    });
  }
  for (const { policy, draft } of plan.targets) {
    if (draft.sources.length === 0) continue;
    const name = accessObjectName(service, policy);
    const routes: HttpRouteGroupSpec = { matches: draft.matches };
    objects.push({
      apiVersion: OSM_API_VERSIONS.httpRouteGroup,
      kind: 'HTTPRouteGroup',
      metadata: meta(name, { accessPolicies: [policy] }),
      spec: routes,
    });
    const several = plan.destinationServiceAccounts.length > 1;
    for (const identity of plan.destinationServiceAccounts) {
      const target: TrafficTargetSpec = {
        destination: identity,
        rules: [{ kind: 'HTTPRouteGroup', name, matches: draft.matches.map((m) => m.name) }],
        sources: draft.sources,
      };
      objects.push({
        apiVersion: OSM_API_VERSIONS.trafficTarget,
        kind: 'TrafficTarget',
        metadata: meta(several ? sanitizeName(`${name}-${identity.name}`) : name, { accessPolicies: [policy] }),
        spec: target,
      });
    }
  }
  return objects.map((object) => ({ cluster: service.cluster, object }));
}

export const osmTranslator: MeshTranslator = {
  support: OSM_SUPPORT,
  translateMember: (member, check, plan) => translateOsmMember(member, check.virtualMesh, plan),
  // Planning rejects VirtualDestinations on meshes whose failover is unsupported; this is the backstop.
  translateVirtualDestination: (virtualDestination) => ({
    objects: [],
    errors: virtualDestination.exportTo.map((mesh) =>
      unsupportedMemberFeature('failover', OSM_SUPPORT, objectRefKey(mesh)),
    ),
    warnings: [],
  }),
  decide(destination, trafficPolicies, accessPolicies, index): DestinationDecision {
    const service = destination.service;
    const meshKey = meshKeyOf(destination);
    const mesh = destination.mesh;
    if (service === undefined || meshKey === undefined || mesh === undefined) {
      throw new Error(`osmTranslator: ${destination.key} must be a Kubernetes Service in a known mesh`);
    }
    const plan: OsmDestinationPlan = {
      destination,
      service,
      meshKey,
      meshConfig: osmMeshConfigOf(mesh, index),
      split: undefined,
      retries: new Map(),
      targets: [],
      destinationServiceAccounts: [],
    };
    const ownership = new FieldOwnership();
    const tpOutcomes = trafficPolicies.map(
      (policy) => [policy, decideTrafficPolicy(plan, policy, ownership, index)] as const,
    );
    const apOutcomes = decideAccessPolicies(plan, accessPolicies, index);
    return {
      trafficPolicies: tpOutcomes,
      accessPolicies: apOutcomes,
      // OSM shifts between whole Services: no policy needs a subset of another Destination.
      requiredSubsets: [],
      writeOutputs: () => writeOsmOutputs(plan, index),
    };
  },
};
