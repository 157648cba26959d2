// The Istio translator: for one Destination, which of its policies apply (features, references,
// conflicts), then its VirtualService, DestinationRule and AuthorizationPolicy.
import type { KubeObject } from '../../../api/meta.ts';
import { canonicalJson } from '../../canonical-json.ts';
import { desiredIssuedCertificates, trustReads, type TrustInput } from '../../../certs/issued-certificates.ts';
import { compareStrings, objectRefKey } from '../../keys.ts';
import type { VirtualMeshCheck } from '../../plan/virtual-mesh-membership.ts';
import type { AccessPolicy, Mesh, TrafficPolicy } from '../../model.ts';
import type { IndexedDestination, KubeServiceRef } from '../../networking-index.ts';
import { FieldOwnership, type FieldClaim } from '../../validate/conflicts.ts';
import { workloadSelectorCoversCluster } from '../../validate/workload-selection.ts';
import { parentsAnnotation, translatedMetadata } from '../output-meta.ts';
import { unsupportedFeatureErrors } from '../support.ts';
import { ISTIO_SUPPORT } from './istio-support.ts';
import type {
  ClusterObject,
  DestinationDecision,
  KeptTranslation,
  MemberTranslation,
  MeshTranslator,
  PolicyOutcome,
  RequiredSubset,
} from '../translator.ts';
import { outcome } from '../translator.ts';
import { istioApiVersions } from './api-versions.ts';
import { MAX_AUTHORIZATION_RULES, translateAccessPolicy } from './authorization-policy.ts';
import {
  DESTINATION_RULE_FEATURES,
  ROUTE_FEATURES,
  type DestinationRuleFields,
  applyFeatures,
  type FeatureContext,
  type RouteFields,
  translationDependsOnClientCluster,
} from './features.ts';
import { existingVirtualServicesOf } from './existing-virtual-services.ts';
import { localFqdn } from '../../networking-index.ts';
import { writeEastWestGateways, writeFederation } from './federation.ts';
import { writeGlobalAccessPolicy } from './global-access.ts';
import { writeVirtualDestination } from './virtual-destination.ts';
import type {
  AuthorizationPolicySpec,
  DestinationRuleSpec,
  HTTPMatchRequest,
  Rule,
  Subset,
  TcpKeepalive,
  TLSMode,
} from './istio-types.ts';
import { translateRequestMatchers } from './request-matchers.ts';
import { subsetsFor } from './subsets.ts';
import { buildHttpRoutes, type RouteDraft } from './virtual-service.ts';
import type { NetworkingPlan } from '../../plan/plan-model.ts';

/** The mTLS mode of every DestinationRule unless a TrafficPolicy overrides it. */
export function defaultTlsMode(index: NetworkingPlan): TLSMode {
  const settings = index.settings;
  // Without a Settings object, the one the installation writes (ISTIO_MUTUAL) applies; a Settings
  // object without a mode means the API's zero value, DISABLE, as in Gloo Mesh 1.x.
  if (settings === undefined) return 'ISTIO_MUTUAL';
  return settings.spec.mtls?.istio?.tlsMode ?? 'DISABLE';
}

function describeMatch(match: HTTPMatchRequest): string {
  const parts: string[] = [];
  const stringMatch = (m: { exact?: string; prefix?: string; regex?: string }) =>
    m.exact !== undefined ? `= ${m.exact}` : m.prefix !== undefined ? `prefix ${m.prefix}` : `~ ${m.regex ?? ''}`;
  if (match.uri !== undefined) parts.push(`uri ${stringMatch(match.uri)}`);
  if (match.method !== undefined) parts.push(`method ${stringMatch(match.method)}`);
  for (const [name, m] of Object.entries(match.headers ?? {})) parts.push(`header ${name} ${stringMatch(m)}`);
  for (const [name, m] of Object.entries(match.withoutHeaders ?? {})) parts.push(`no header ${name} ${stringMatch(m)}`);
  for (const [name, m] of Object.entries(match.queryParams ?? {})) parts.push(`query ${name} ${stringMatch(m)}`);
  if (match.sourceLabels !== undefined) {
    parts.push(
      `source ${Object.entries(match.sourceLabels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')}`,
    );
  }
  if (match.sourceNamespace !== undefined) parts.push(`source namespace ${match.sourceNamespace}`);
  return parts.length === 0 ? 'the route for every request' : `the route for ${parts.join(', ')}`;
}

function policyName(
  policy: { readonly metadata: { name: string; namespace?: string | undefined } },
  kind: string,
): string {
  return `${kind} ${policy.metadata.namespace ?? ''}/${policy.metadata.name}`;
}

interface Translated {
  readonly routeFields: RouteFields;
  readonly routeClaims: { readonly field: string; readonly value: string }[];
  readonly drFields: DestinationRuleFields;
  readonly drClaims: { readonly field: string; readonly value: string }[];
}

function translateFeatures(context: FeatureContext): Translated | string[] {
  const policy = context.policy.spec.policy ?? {};
  const errors: string[] = [];
  const route = applyFeatures(ROUTE_FEATURES, policy, context, errors);
  const destinationRule = applyFeatures(DESTINATION_RULE_FEATURES, policy, context, errors);
  return errors.length > 0
    ? errors
    : {
        routeFields: route.fields,
        routeClaims: route.claims,
        drFields: destinationRule.fields,
        drClaims: destinationRule.claims,
      };
}

/** The routes and DestinationRule fields accepted policies set for the clients of one cluster. */
interface ClientPlan {
  readonly routes: Map<string, RouteDraft>;
  readonly drFields: DestinationRuleFields;
  readonly drPolicies: TrafficPolicy[];
}

/** What the accepted policies of one Destination add up to, until its outputs are written. */
interface IstioDestinationPlan extends ClientPlan {
  readonly destination: IndexedDestination;
  readonly service: KubeServiceRef;
  readonly mesh: Mesh;
  readonly rules: { policy: AccessPolicy; rule: Rule }[];
  /** Federated: the clusters of the meshes it is federated to (never its own). */
  readonly federatedClusters: readonly string[];
  /** The plan for each of those clusters, made when a policy first applies there. */
  readonly federated: Map<string, ClientPlan>;
}

function newClientPlan(): ClientPlan {
  return { routes: new Map(), drFields: {}, drPolicies: [] };
}

/** What a cluster no policy applies to gets: read only, never part of an output. */
const NO_CLIENT_PLAN: ClientPlan = newClientPlan();

function clientPlanOf(plan: IstioDestinationPlan, cluster: string): ClientPlan {
  let clientPlan = plan.federated.get(cluster);
  if (clientPlan === undefined) {
    clientPlan = newClientPlan();
    plan.federated.set(cluster, clientPlan);
  }
  return clientPlan;
}

/** Claims of one policy's routes for the clients of one cluster, with the matches they apply to. */
interface ClientClaims {
  readonly plan: ClientPlan;
  readonly translated: Translated;
  readonly matches: readonly HTTPMatchRequest[];
  readonly claims: FieldClaim[];
}

function clientClaims(
  plan: ClientPlan,
  translated: Translated,
  policy: TrafficPolicy,
  cluster: string,
  scopePrefix: string,
): ClientClaims {
  const selectors = policy.spec.sourceSelector ?? [];
  const matches =
    translated.routeClaims.length === 0
      ? []
      : translateRequestMatchers(policy.spec.httpRequestMatchers, selectors, cluster);
  const claims: FieldClaim[] = [];
  for (const match of matches) {
    const scope = `${scopePrefix}${describeMatch(match)}`;
    for (const claim of translated.routeClaims) claims.push({ scope, ...claim });
  }
  for (const claim of translated.drClaims) claims.push({ scope: `${scopePrefix}the DestinationRule`, ...claim });
  return { plan, translated, matches, claims };
}

function commitClaims(client: ClientClaims, policy: TrafficPolicy): void {
  const { plan, translated } = client;
  for (const match of client.matches) {
    const key = canonicalJson(match);
    let draft = plan.routes.get(key);
    if (draft === undefined) {
      draft = { match, fields: {}, policies: [] };
      plan.routes.set(key, draft);
    }
    Object.assign(draft.fields, translated.routeFields);
    draft.policies.push(policy);
  }
  if (translated.drClaims.length > 0) {
    Object.assign(plan.drFields, translated.drFields);
    plan.drPolicies.push(policy);
  }
}

function decideTrafficPolicy(
  plan: IstioDestinationPlan,
  policy: TrafficPolicy,
  ownership: FieldOwnership,
  index: NetworkingPlan,
  subsets: RequiredSubset[],
): PolicyOutcome {
  const unsupported = unsupportedFeatureErrors(policy.spec.policy, ISTIO_SUPPORT);
  if (unsupported.length > 0) return outcome('INVALID', unsupported);
  const cluster = plan.service.cluster;
  const selectors = policy.spec.sourceSelector ?? [];
  const covers = (c: string) => selectors.length === 0 || selectors.some((s) => workloadSelectorCoversCluster(s, c));
  const local = covers(cluster);
  const federatedClusters = plan.federatedClusters.filter(covers);
  const warnings: string[] = [];
  if (!local) {
    // Its sources are all in other clusters: they reach this Destination through federation.
    const note = `spec.sourceSelector: every selected source is outside cluster ${cluster}; this Destination's own VirtualService is unchanged (clients in other clusters are configured by federation)`;
    if (federatedClusters.length === 0) return outcome('ACCEPTED', [], [note]);
    warnings.push(note);
  }
  const context: FeatureContext = {
    index,
    destination: plan.destination,
    service: plan.service,
    clientCluster: cluster,
    policy,
    warnings,
    subsets: [],
  };
  const translated = translateFeatures(context);
  if (Array.isArray(translated)) return outcome('INVALID', translated, warnings);
  if (local && translated.routeClaims.length > 0) {
    const host = localFqdn(plan.service, index);
    const existing = existingVirtualServicesOf(index).find(cluster, host);
    if (existing !== undefined) {
      return outcome(
        'FAILED',
        [
          `VirtualService ${existing.namespace}/${existing.name} in cluster ${cluster}, not written by Mesh Hub, already routes ${host}; Istio would not merge a second one, so this policy's routes are not written`,
        ],
        warnings,
      );
    }
  }
  if (translated.drClaims.length > 0 && selectors.length > 0) {
    warnings.push(
      'spec.sourceSelector: outlierDetection and mtls apply to traffic from every source, not only the selected ones',
    );
  }

  const clients: ClientClaims[] = local ? [clientClaims(plan, translated, policy, cluster, '')] : [];
  // Translated again per federated cluster only when host names of other Services differ there.
  const perClientCluster = federatedClusters.length > 0 && translationDependsOnClientCluster(policy.spec.policy ?? {});
  for (const clientCluster of federatedClusters) {
    const clientPlan = clientPlanOf(plan, clientCluster);
    // The same policy as seen from a federated cluster: only host names differ, so no new errors or notes.
    const remote = perClientCluster
      ? translateFeatures({ ...context, clientCluster, warnings: [], subsets: [] })
      : translated;
    if (Array.isArray(remote)) return outcome('INVALID', remote, warnings);
    clients.push(clientClaims(clientPlan, remote, policy, clientCluster, `cluster ${clientCluster} (federated): `));
  }
  const conflicts = ownership.conflicts(clients.flatMap((c) => c.claims));
  if (conflicts.length > 0) return outcome('INVALID', conflicts, warnings);

  ownership.commit(
    policyName(policy, 'TrafficPolicy'),
    clients.flatMap((c) => c.claims),
  );
  for (const client of clients) commitClaims(client, policy);
  for (const { target, labels } of context.subsets) subsets.push({ target, labels, policy, from: plan.destination });
  return outcome('ACCEPTED', [], warnings);
}

function decideAccessPolicies(
  plan: IstioDestinationPlan,
  policies: readonly AccessPolicy[],
  index: NetworkingPlan,
): [AccessPolicy, PolicyOutcome][] {
  const selector = plan.destination.destination.spec.kubeService?.workloadSelectorLabels ?? {};
  if (policies.length > 0 && Object.keys(selector).length === 0) {
    const failed = outcome('FAILED', [
      `Destination ${plan.destination.key} selects no pods (its Service has no selector); an AuthorizationPolicy for it would apply to every workload in namespace ${plan.service.namespace}`,
    ]);
    return policies.map((p) => [p, failed]);
  }
  return policies.map((policy) => {
    const rule = translateAccessPolicy(policy, plan.destination, index);
    if (!rule.ok) return [policy, outcome('INVALID', rule.errors)];
    if (plan.rules.length >= MAX_AUTHORIZATION_RULES) {
      return [
        policy,
        outcome('FAILED', [
          `the AuthorizationPolicy of this Destination already holds ${String(MAX_AUTHORIZATION_RULES)} rules, Istio's maximum`,
        ]),
      ];
    }
    plan.rules.push({ policy, rule: rule.value });
    return [policy, outcome('ACCEPTED')];
  });
}

function writeIstioOutputs(
  plan: IstioDestinationPlan,
  index: NetworkingPlan,
  requiredSubsets: readonly RequiredSubset[],
): ClusterObject[] {
  const { service, destination } = plan;
  const versions = istioApiVersions(plan.mesh);
  const host = localFqdn(service, index);
  const objects: KubeObject[] = [];
  const meta = (parents: Parameters<typeof parentsAnnotation>[0]) =>
    translatedMetadata(service.name, service.namespace, index.installNamespace, parentsAnnotation(parents));

  const drafts = [...plan.routes.values()];
  if (drafts.length > 0) {
    const ports = (destination.destination.spec.kubeService?.ports ?? []).flatMap((p) =>
      p.port === undefined ? [] : [p.port],
    );
    objects.push({
      apiVersion: versions.networking,
      kind: 'VirtualService',
      metadata: meta({ destinations: [destination.destination], trafficPolicies: drafts.flatMap((d) => d.policies) }),
      spec: { hosts: [host], http: buildHttpRoutes(drafts, host, ports) },
    });
  }

  const subsets = subsetsFor(requiredSubsets.map((s) => s.labels));
  const drSpec: DestinationRuleSpec = {
    host,
    trafficPolicy: {
      tls: plan.drFields.tls ?? { mode: defaultTlsMode(index) },
      ...(plan.drFields.outlierDetection === undefined ? {} : { outlierDetection: plan.drFields.outlierDetection }),
    },
    ...(subsets.length > 0 ? { subsets } : {}),
  };
  objects.push({
    apiVersion: versions.networking,
    kind: 'DestinationRule',
    metadata: meta({
      destinations: [destination.destination],
      trafficPolicies: [...plan.drPolicies, ...requiredSubsets.map((s) => s.policy)],
    }),
    spec: drSpec,
  });

  if (plan.rules.length > 0) {
    const apSpec: AuthorizationPolicySpec = {
      selector: { matchLabels: { ...(destination.destination.spec.kubeService?.workloadSelectorLabels ?? {}) } },
      action: 'ALLOW',
      rules: plan.rules.map((r) => r.rule),
    };
    objects.push({
      apiVersion: versions.security,
      kind: 'AuthorizationPolicy',
      metadata: meta({ destinations: [destination.destination], accessPolicies: plan.rules.map((r) => r.policy) }),
      spec: apSpec,
    });
  }
  const local = objects.map((object) => ({ cluster: service.cluster, object }));
  return [...local, ...writeFederatedOutputs(plan, index, requiredSubsets, subsets)];
}

function tcpKeepalive(keepalive: {
  readonly probes?: number | undefined;
  readonly time?: string | undefined;
  readonly interval?: string | undefined;
}): TcpKeepalive {
  return {
    ...(keepalive.probes === undefined ? {} : { probes: keepalive.probes }),
    ...(keepalive.time === undefined ? {} : { time: keepalive.time }),
    ...(keepalive.interval === undefined ? {} : { interval: keepalive.interval }),
  };
}

/** The Destination's federated host in every mesh it is federated to (see federation.ts). */
function writeFederatedOutputs(
  plan: IstioDestinationPlan,
  index: NetworkingPlan,
  requiredSubsets: readonly RequiredSubset[],
  subsets: readonly Subset[],
): ClusterObject[] {
  const federation = index.federation.destinations.get(plan.destination);
  if (federation === undefined || federation.errors.length > 0) return [];
  const ports = (plan.destination.destination.spec.kubeService?.ports ?? []).flatMap((p) =>
    p.port === undefined ? [] : [p.port],
  );
  const keepalive = federation.check.virtualMesh.spec.federation?.tcpKeepalive;
  const clientPlan = (client: Mesh) =>
    plan.federated.get(client.spec.istio?.installation?.cluster ?? '') ?? NO_CLIENT_PLAN;
  const written = writeFederation({
    destination: plan.destination,
    service: plan.service,
    mesh: plan.mesh,
    federation,
    index,
    subsets,
    // Routes in a client's own namespace that name a subset of this host: istioctl analyze looks
    // for the subset in that namespace, so the DestinationRule is also written there (private to it).
    namespacesFor: (client) => {
      if (requiredSubsets.length === 0) return [];
      const cluster = client.spec.istio?.installation?.cluster ?? '';
      const namespace = client.spec.istio?.installation?.namespace ?? '';
      return [
        ...new Set(
          requiredSubsets.flatMap((s) =>
            s.from.service?.cluster === cluster && s.from.service.namespace !== namespace
              ? [s.from.service.namespace]
              : [],
          ),
        ),
      ].sort(compareStrings);
    },
    destinationRuleFor: (client) => {
      const { drFields, drPolicies } = clientPlan(client);
      // Through an east-west gateway only mTLS works: it routes by the SNI of Istio's mTLS.
      const defaultMode = federation.flatNetwork ? defaultTlsMode(index) : 'ISTIO_MUTUAL';
      return {
        trafficPolicy: {
          tls: drFields.tls ?? { mode: defaultMode },
          ...(drFields.outlierDetection === undefined ? {} : { outlierDetection: drFields.outlierDetection }),
          ...(keepalive === undefined ? {} : { connectionPool: { tcp: { tcpKeepalive: tcpKeepalive(keepalive) } } }),
        },
        subsets,
        policies: [...drPolicies, ...requiredSubsets.map((s) => s.policy)],
      };
    },
    virtualServiceFor: (client) => {
      const drafts = [...clientPlan(client).routes.values()];
      if (drafts.length === 0) return undefined;
      return {
        spec: { hosts: [federation.hostname], http: buildHttpRoutes(drafts, federation.hostname, ports) },
        policies: drafts.flatMap((d) => d.policies),
      };
    },
  });
  if (typeof written === 'string') {
    throw new Error(`istioTranslator: federation of ${plan.destination.key} was planned but fails: ${written}`);
  }
  return written;
}

function sameReads(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The member's shared trust (IssuedCertificate, PodBounceDirective): the previous pass's when it read the same. */
function memberTrust(mesh: Mesh, check: VirtualMeshCheck, plan: NetworkingPlan, previous: KeptTranslation | undefined) {
  const meshKey = objectRefKey(mesh);
  const gateways = plan.federation.meshes.get(meshKey)?.gateways ?? [];
  const input: TrustInput = {
    installNamespace: plan.installNamespace,
    virtualMesh: check.virtualMesh,
    members: [mesh],
    workloads: (plan.workloadsByMesh.get(meshKey) ?? []).map((w) => w.workload),
    gatewayDestinations: new Map([[meshKey, gateways.map((g) => g.destination.destination)]]),
    ...(plan.rootCertificates === undefined ? {} : { rootCertificates: plan.rootCertificates }),
  };
  const inputs = trustReads(input);
  if (previous !== undefined && sameReads(previous.inputs, inputs)) return previous;
  const objects: ClusterObject[] = [];
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const meshTrust of desiredIssuedCertificates(input).meshes) {
    objects.push(...meshTrust.objects.map((object) => ({ cluster: meshTrust.cluster, object })));
    errors.push(...meshTrust.errors);
    warnings.push(...meshTrust.warnings);
  }
  return { inputs, objects, errors, warnings };
}

/** A member Mesh of a VirtualMesh: its intermediate CA, its east-west gateway, default deny. */
function translateMember(
  mesh: Mesh,
  check: VirtualMeshCheck,
  plan: NetworkingPlan,
  previous?: MemberTranslation,
): MemberTranslation {
  const federation = plan.federation.meshes.get(objectRefKey(mesh));
  const trust = memberTrust(mesh, check, plan, previous?.kept);
  const objects: ClusterObject[] = [...trust.objects];
  if (federation !== undefined) objects.push(...writeEastWestGateways(federation, plan));
  objects.push(...writeGlobalAccessPolicy(mesh, check, plan));
  return { objects, errors: [...trust.errors], warnings: [...trust.warnings], kept: trust };
}

export const istioTranslator: MeshTranslator = {
  support: ISTIO_SUPPORT,
  translateMember,
  translateVirtualDestination: (virtualDestination, plan) => ({
    objects: writeVirtualDestination(virtualDestination, plan),
    errors: [],
    warnings: [],
  }),
  decide(destination, trafficPolicies, accessPolicies, index): DestinationDecision {
    const service = destination.service;
    const mesh = destination.mesh;
    if (service === undefined || mesh === undefined) {
      throw new Error(`istioTranslator: ${destination.key} must be a Kubernetes Service in a known mesh`);
    }
    const federation = index.federation.destinations.get(destination);
    const federatedClusters = new Set<string>();
    if (federation !== undefined && federation.errors.length === 0) {
      for (const client of federation.toMeshes) {
        const cluster = client.spec.istio?.installation?.cluster ?? '';
        if (cluster !== service.cluster) federatedClusters.add(cluster);
      }
    }
    const plan: IstioDestinationPlan = {
      destination,
      service,
      mesh,
      ...newClientPlan(),
      rules: [],
      federatedClusters: [...federatedClusters],
      federated: new Map(),
    };
    const ownership = new FieldOwnership();
    const requiredSubsets: RequiredSubset[] = [];
    const tpOutcomes = trafficPolicies.map(
      (policy) => [policy, decideTrafficPolicy(plan, policy, ownership, index, requiredSubsets)] as const,
    );
    const apOutcomes = decideAccessPolicies(plan, accessPolicies, index);
    return {
      trafficPolicies: tpOutcomes,
      accessPolicies: apOutcomes,
      requiredSubsets,
      writeOutputs: (subsets) => writeIstioOutputs(plan, index, subsets),
    };
  },
};
