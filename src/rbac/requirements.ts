// What writing one policy object asks of a Role: the actions it uses and the selectors and refs it
// contains, each with the test a single scope must pass. Objects of other kinds ask nothing.
import type { z } from 'zod';
import { AccessPolicySpec } from '../api/networking/v1/access-policy.ts';
import { TrafficPolicySpec, type TrafficPolicyPolicy } from '../api/networking/v1/traffic-policy.ts';
import { VirtualMeshSpec } from '../api/networking/v1/virtual-mesh.ts';
import { VirtualDestinationSpec } from '../api/enterprise/v1beta1/virtual-destination.ts';
import type {
  AccessPolicyScope,
  RoleSpec,
  TrafficPolicyAction,
  TrafficPolicyScope,
  VirtualDestinationScope,
  VirtualMeshAction,
  VirtualMeshScope,
} from '../api/rbac/v1/role.ts';
import {
  clusterRefPermits,
  destinationSelectorPermitted,
  identitySelectorPermitted,
  objectRefPermits,
  refListPermits,
  workloadSelectorPermitted,
} from './selectors.ts';
import {
  clusterRefWords,
  destinationSelectorWords,
  identitySelectorWords,
  objectRefWords,
  selectorListWords,
  workloadSelectorWords,
} from './words.ts';

export type ScopeField =
  'trafficPolicyScopes' | 'accessPolicyScopes' | 'virtualMeshScopes' | 'virtualDestinationScopes';

export interface Requirement {
  /** Actions are reported together with what the object selects; selectors on their own. */
  readonly kind: 'action' | 'selector';
  readonly words: string;
}

/** The requirements of one object and, for a Role, one predicate per scope over requirement indexes. */
export interface PolicyCheck {
  readonly kind: string;
  readonly field: ScopeField;
  /** What the object selects, in words ("destination reviews.bookinfo.cluster-1"). */
  readonly target: string;
  readonly requirements: readonly Requirement[];
  scopes(role: RoleSpec): readonly ((requirement: number) => boolean)[];
}

interface Rule<S> {
  readonly requirement: Requirement;
  readonly permits: (scope: S) => boolean;
}

function check<S>(
  kind: string,
  field: ScopeField,
  target: string,
  rules: readonly Rule<S>[],
  scopesOf: (role: RoleSpec) => readonly S[] | undefined,
): PolicyCheck {
  return {
    kind,
    field,
    target,
    requirements: rules.map((rule) => rule.requirement),
    scopes: (role) => (scopesOf(role) ?? []).map((scope) => (index: number) => rules[index]?.permits(scope) ?? false),
  };
}

/** Each TrafficPolicy `spec.policy` field and the action that permits it; csrf and rateLimit have none but ALL. */
const TRAFFIC_POLICY_FIELDS: readonly (readonly [keyof TrafficPolicyPolicy, TrafficPolicyAction])[] = [
  ['trafficShift', 'TRAFFIC_SHIFT'],
  ['faultInjection', 'FAULT_INJECTION'],
  ['requestTimeout', 'REQUEST_TIMEOUT'],
  ['retries', 'RETRIES'],
  ['corsPolicy', 'CORS_POLICY'],
  ['mirror', 'MIRROR'],
  ['headerManipulation', 'HEADER_MANIPULATION'],
  ['outlierDetection', 'OUTLIER_DETECTION'],
  ['mtls', 'MTLS_CONFIG'],
  ['csrf', 'ALL'],
  ['rateLimit', 'ALL'],
];

const VIRTUAL_MESH_FIELDS: readonly (readonly [
  'mtlsConfig' | 'federation' | 'globalAccessPolicy',
  VirtualMeshAction,
])[] = [
  ['mtlsConfig', 'MTLS_CONFIG'],
  ['federation', 'FEDERATION'],
  ['globalAccessPolicy', 'GLOBAL_ACCESS_POLICY'],
];

/** Actions: only listed ones (or ALL) are permitted; a scope without actions permits none. */
function actionPermitted<A extends string>(allowed: readonly A[] | undefined, action: A | 'ALL'): boolean {
  return (allowed ?? []).some((entry) => entry === 'ALL' || entry === action);
}

function actionWords(prefix: string, field: string, action: string): string {
  return action === 'ALL' ? `${prefix} ALL (needed for spec.policy.${field})` : `${prefix} ${action}`;
}

function trafficPolicyCheck(spec: TrafficPolicySpec): PolicyCheck {
  const destinations = spec.destinationSelector?.length ? spec.destinationSelector : [{}];
  const workloads = spec.sourceSelector?.length ? spec.sourceSelector : [{}];
  const rules: Rule<TrafficPolicyScope>[] = [
    ...destinations.map((selector) => ({
      requirement: {
        kind: 'selector' as const,
        words: `destinationSelector for ${destinationSelectorWords(selector)}`,
      },
      permits: (scope: TrafficPolicyScope) => destinationSelectorPermitted(scope.destinationSelectors, selector),
    })),
    ...workloads.map((selector) => ({
      requirement: { kind: 'selector' as const, words: `sourceSelector for ${workloadSelectorWords(selector)}` },
      permits: (scope: TrafficPolicyScope) => workloadSelectorPermitted(scope.workloadSelectors, selector),
    })),
    ...TRAFFIC_POLICY_FIELDS.filter(([field]) => spec.policy?.[field] !== undefined).map(([field, action]) => ({
      requirement: { kind: 'action' as const, words: actionWords('trafficPolicyAction', field, action) },
      permits: (scope: TrafficPolicyScope) => actionPermitted(scope.trafficPolicyActions, action),
    })),
  ];
  const target = selectorListWords(spec.destinationSelector, destinationSelectorWords, 'any Destination');
  return check('TrafficPolicy', 'trafficPolicyScopes', target, rules, (role) => role.trafficPolicyScopes);
}

function accessPolicyCheck(spec: AccessPolicySpec): PolicyCheck {
  const destinations = spec.destinationSelector?.length ? spec.destinationSelector : [{}];
  const identities = spec.sourceSelector?.length ? spec.sourceSelector : [{}];
  const rules: Rule<AccessPolicyScope>[] = [
    ...destinations.map((selector) => ({
      requirement: {
        kind: 'selector' as const,
        words: `destinationSelector for ${destinationSelectorWords(selector)}`,
      },
      permits: (scope: AccessPolicyScope) => destinationSelectorPermitted(scope.destinationSelectors, selector),
    })),
    ...identities.map((selector) => ({
      requirement: { kind: 'selector' as const, words: `sourceSelector for ${identitySelectorWords(selector)}` },
      permits: (scope: AccessPolicyScope) => identitySelectorPermitted(scope.identitySelectors, selector),
    })),
  ];
  const target = selectorListWords(spec.destinationSelector, destinationSelectorWords, 'any Destination');
  return check('AccessPolicy', 'accessPolicyScopes', target, rules, (role) => role.accessPolicyScopes);
}

function virtualMeshCheck(spec: VirtualMeshSpec): PolicyCheck {
  const rules: Rule<VirtualMeshScope>[] = [
    ...(spec.meshes ?? []).map((ref) => ({
      requirement: { kind: 'selector' as const, words: `mesh ${objectRefWords(ref)}` },
      permits: (scope: VirtualMeshScope) => refListPermits(scope.meshRefs, ref, objectRefPermits),
    })),
    ...VIRTUAL_MESH_FIELDS.filter(([field]) => spec[field] !== undefined).map(([, action]) => ({
      requirement: { kind: 'action' as const, words: `virtualMeshAction ${action}` },
      permits: (scope: VirtualMeshScope) => actionPermitted(scope.virtualMeshActions, action),
    })),
  ];
  const meshes = (spec.meshes ?? []).map(objectRefWords);
  const target = meshes.length === 0 ? 'no mesh' : `meshes ${meshes.join(', ')}`;
  return check('VirtualMesh', 'virtualMeshScopes', target, rules, (role) => role.virtualMeshScopes);
}

function virtualDestinationCheck(spec: VirtualDestinationSpec): PolicyCheck {
  const rules: Rule<VirtualDestinationScope>[] = [];
  const virtualMesh = spec.virtualMesh;
  if (virtualMesh !== undefined)
    rules.push({
      requirement: { kind: 'selector', words: `virtualMesh ${objectRefWords(virtualMesh)}` },
      permits: (scope) => refListPermits(scope.virtualMeshRefs, virtualMesh, objectRefPermits),
    });
  for (const ref of spec.meshList?.meshes ?? [])
    rules.push({
      requirement: { kind: 'selector', words: `mesh ${objectRefWords(ref)}` },
      permits: (scope) => refListPermits(scope.meshRefs, ref, objectRefPermits),
    });
  if (spec.localized !== undefined) {
    const selectors = spec.localized.destinationSelectors?.length ? spec.localized.destinationSelectors : [{}];
    for (const selector of selectors)
      rules.push({
        requirement: { kind: 'selector', words: `destinationSelector for ${destinationSelectorWords(selector)}` },
        permits: (scope) => destinationSelectorPermitted(scope.destinationSelectors, selector),
      });
  }
  for (const backing of spec.static?.destinations ?? []) {
    const service = backing.kubeService;
    if (service === undefined) continue;
    rules.push({
      requirement: { kind: 'selector', words: `backing destination ${clusterRefWords(service)}` },
      permits: (scope) =>
        refListPermits(
          (scope.destinations ?? []).flatMap((d) => (d.kubeService === undefined ? [] : [d.kubeService])),
          service,
          clusterRefPermits,
        ),
    });
  }
  const target = `hostname ${spec.hostname ?? '(none)'}`;
  return check(
    'VirtualDestination',
    'virtualDestinationScopes',
    target,
    rules,
    (role) => role.virtualDestinationScopes,
  );
}

/** The group/kind pairs the role-based API governs. */
export const GOVERNED_KINDS: readonly { readonly group: string; readonly kind: string; readonly plural: string }[] = [
  { group: 'networking.mesh.gloo.solo.io', kind: 'TrafficPolicy', plural: 'trafficpolicies' },
  { group: 'networking.mesh.gloo.solo.io', kind: 'AccessPolicy', plural: 'accesspolicies' },
  { group: 'networking.mesh.gloo.solo.io', kind: 'VirtualMesh', plural: 'virtualmeshes' },
  { group: 'networking.enterprise.mesh.gloo.solo.io', kind: 'VirtualDestination', plural: 'virtualdestinations' },
];

export type CheckResult =
  | { readonly outcome: 'governed'; readonly check: PolicyCheck }
  | { readonly outcome: 'ungoverned' }
  | { readonly outcome: 'invalid'; readonly message: string };

function parsed<T>(schema: z.ZodType<T>, spec: unknown, kind: string, build: (spec: T) => PolicyCheck): CheckResult {
  const result = schema.safeParse(spec ?? {});
  if (result.success) return { outcome: 'governed', check: build(result.data) };
  const issue = result.error.issues[0];
  const path = issue === undefined ? '' : ['spec', ...issue.path.map(String)].join('.');
  return { outcome: 'invalid', message: `${kind} ${path}: ${issue?.message ?? 'invalid'}` };
}

/** The requirements of an object by its apiVersion and kind. */
export function requirementsOf(object: { apiVersion?: unknown; kind?: unknown; spec?: unknown }): CheckResult {
  const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : '';
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const governed = GOVERNED_KINDS.find((entry) => entry.group === group && entry.kind === object.kind);
  switch (governed?.kind) {
    case 'TrafficPolicy':
      return parsed(TrafficPolicySpec, object.spec, governed.kind, trafficPolicyCheck);
    case 'AccessPolicy':
      return parsed(AccessPolicySpec, object.spec, governed.kind, accessPolicyCheck);
    case 'VirtualMesh':
      return parsed(VirtualMeshSpec, object.spec, governed.kind, virtualMeshCheck);
    case 'VirtualDestination':
      return parsed(VirtualDestinationSpec, object.spec, governed.kind, virtualDestinationCheck);
    default:
      return { outcome: 'ungoverned' };
  }
}
