// Table tests of the role-based API's decision: the personas of docs/role-based-api.md (system
// administrator, mesh owner, destination owner and consumer), then each scope, action, wildcard and
// omitted-field rule on its own, for TrafficPolicy, AccessPolicy, VirtualMesh and VirtualDestination.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RoleSpec } from '../api/rbac/v1/role.ts';
import { parseKubeYaml } from '../snapshot/yaml.ts';
import { decide, type NamedRole, type NamedRoleBinding, type Operation, type PolicyObject } from './decide.ts';

const personas: NamedRole[] = parseKubeYaml(
  readFileSync(join(import.meta.dirname, '..', 'api', 'testdata', 'roles.yaml'), 'utf8'),
  'roles.yaml',
)
  .map((doc) => doc.object)
  .filter((object) => object.kind === 'Role')
  .map((object) => ({ metadata: object.metadata, spec: RoleSpec.parse((object as { spec?: unknown }).spec) }));

const NS = 'gloo-mesh';
function role(name: string, spec: unknown): NamedRole {
  return { metadata: { name, namespace: NS }, spec: RoleSpec.parse(spec) };
}
function bind(roleName: string, ...subjects: { kind?: string; name: string; namespace?: string }[]): NamedRoleBinding {
  return { metadata: { name: `${roleName}-binding`, namespace: NS }, spec: { roleRef: { name: roleName }, subjects } };
}

const TP = 'networking.mesh.gloo.solo.io/v1';
const policyOf =
  (apiVersion: string, kind: string) =>
  (spec: unknown): PolicyObject => ({ apiVersion, kind, metadata: { name: 'p', namespace: NS }, spec });
const tp = policyOf(TP, 'TrafficPolicy');
const ap = policyOf(TP, 'AccessPolicy');
const vm = policyOf(TP, 'VirtualMesh');
const vd = policyOf('networking.enterprise.mesh.gloo.solo.io/v1beta1', 'VirtualDestination');
const ref = (name: string, namespace = 'bookinfo', clusterName = 'cluster-1') => ({ name, namespace, clusterName });
const toService = (...refs: ReturnType<typeof ref>[]) => [{ kubeServiceRefs: { services: refs } }];
const fromWorkloads = (matcher: object) => [{ kubeWorkloadMatcher: matcher }];
const productpage = fromWorkloads({
  labels: { app: 'productpage', version: 'v1' },
  namespaces: ['bookinfo'],
  clusters: ['cluster-1'],
});
const mesh1 = { name: 'istiod-istio-system-cluster-1', namespace: NS };
const mesh2 = { name: 'istiod-istio-system-cluster-2', namespace: NS };

interface Case {
  readonly name: string;
  readonly roles: readonly NamedRole[];
  readonly bindings: readonly NamedRoleBinding[];
  readonly user?: string;
  readonly groups?: readonly string[];
  readonly operation?: Operation;
  readonly object?: PolicyObject;
  readonly oldObject?: PolicyObject;
  /** undefined: allowed; a string: denied with exactly this reason. */
  readonly denied?: string;
}

const asUser = (roleName: string) => [bind(roleName, { kind: 'User', name: 'alice' })];
/** The persona Roles of the docs, with alice bound to one of them. */
const persona = (roleName: string) => ({ roles: personas, bindings: asUser(roleName) });
/** The destination consumer's edge: from productpage v1 to ratings on cluster-1. */
const productpageToRatings = { destinationSelector: toService(ref('ratings')), sourceSelector: productpage };

const cases: Case[] = [
  // System administrator: everything, everywhere.
  ...[
    tp({ policy: { trafficShift: { destinations: [] }, csrf: {}, retries: { attempts: 2 } } }),
    tp({ destinationSelector: toService(ref('reviews', 'other', 'cluster-2')), policy: { mirror: {} } }),
    ap({}),
    ap({ sourceSelector: [{ kubeServiceAccountRefs: { serviceAccounts: [ref('x', 'y', 'z')] } }] }),
    vm({ meshes: [mesh1, mesh2], federation: {}, mtlsConfig: { autoRestartPods: true } }),
    vd({
      hostname: 'r.global',
      meshList: { meshes: [mesh1] },
      static: { destinations: [{ kubeService: ref('reviews') }] },
    }),
    vd({ hostname: 'r.global', virtualMesh: { name: 'vm', namespace: NS }, localized: {} }),
  ].map((object): Case => ({
    name: `admin-role: ${String(object.kind)} ${JSON.stringify(object.spec)}`,
    ...persona('admin-role'),
    object,
  })),
  // Mesh owner: every action on cluster-1, nothing else; no VirtualMesh.
  {
    ...persona('mesh-owner-role'),
    name: 'mesh owner: any action for a destination on cluster-1 from workloads on cluster-1',
    object: tp({
      destinationSelector: toService(ref('reviews')),
      sourceSelector: fromWorkloads({ clusters: ['cluster-1'] }),
      policy: { trafficShift: {} },
    }),
  },
  {
    ...persona('mesh-owner-role'),
    name: 'mesh owner: an omitted sourceSelector means workloads on every cluster',
    object: tp({ destinationSelector: toService(ref('reviews')), policy: { retries: {} } }),
    denied: 'no bound Role permits sourceSelector for any Workload',
  },
  {
    ...persona('mesh-owner-role'),
    name: 'mesh owner: a destination on cluster-2',
    object: tp({
      destinationSelector: toService(ref('reviews', 'bookinfo', 'cluster-2')),
      sourceSelector: fromWorkloads({ clusters: ['cluster-1'] }),
    }),
    denied: 'no bound Role permits destinationSelector for destination reviews.bookinfo.cluster-2',
  },
  {
    ...persona('mesh-owner-role'),
    name: 'mesh owner: a matcher on cluster-1 in any namespace with any labels',
    object: tp({
      destinationSelector: [{ kubeServiceMatcher: { labels: { app: 'reviews' }, clusters: ['cluster-1'] } }],
      sourceSelector: fromWorkloads({ namespaces: ['bookinfo'], clusters: ['cluster-1'] }),
      policy: { outlierDetection: {} },
    }),
  },
  {
    ...persona('mesh-owner-role'),
    name: 'mesh owner: no virtualMeshScopes, so no VirtualMesh',
    object: vm({ meshes: [mesh1] }),
    denied: 'no bound Role has virtualMeshScopes (needed to write a VirtualMesh)',
  },
  {
    ...persona('mesh-owner-role'),
    name: 'mesh owner: an AccessPolicy between identities and destinations of cluster-1',
    object: ap({
      sourceSelector: [{ kubeIdentityMatcher: { namespaces: ['bookinfo'], clusters: ['cluster-1'] } }],
      destinationSelector: toService(ref('ratings')),
    }),
  },
  {
    ...persona('mesh-owner-role'),
    name: 'mesh owner: an AccessPolicy from identities on every cluster',
    object: ap({
      sourceSelector: [{ kubeIdentityMatcher: { namespaces: ['bookinfo'] } }],
      destinationSelector: toService(ref('ratings')),
    }),
    denied: 'no bound Role permits sourceSelector for identities in namespaces bookinfo',
  },
  {
    ...persona('mesh-owner-role'),
    name: 'mesh owner: no virtualDestinationScopes',
    object: vd({ hostname: 'h', virtualMesh: { name: 'vm' }, localized: {} }),
    denied: 'no bound Role has virtualDestinationScopes (needed to write a VirtualDestination)',
  },
  // Destination owner: every action for ratings, selected by reference only.
  {
    ...persona('destination-owner-role'),
    name: 'destination owner: a traffic shift for ratings on cluster-2 from any workload',
    object: tp({
      destinationSelector: toService(ref('ratings', 'bookinfo', 'cluster-2')),
      policy: { trafficShift: {}, faultInjection: {} },
    }),
  },
  {
    ...persona('destination-owner-role'),
    name: 'destination owner: no kubeServiceMatcher in the scope, so selecting by matcher is denied',
    object: tp({ destinationSelector: [{ kubeServiceMatcher: { namespaces: ['bookinfo'] } }] }),
    denied: 'no bound Role permits destinationSelector for Destinations in namespaces bookinfo',
  },
  {
    ...persona('destination-owner-role'),
    name: 'destination owner: an AccessPolicy to ratings from any service account',
    object: ap({
      sourceSelector: [{ kubeServiceAccountRefs: { serviceAccounts: [ref('productpage')] } }],
      destinationSelector: toService(ref('ratings', 'bookinfo', 'cluster-9')),
    }),
  },
  {
    ...persona('destination-owner-role'),
    name: 'destination owner: an AccessPolicy selecting identities by matcher',
    object: ap({
      sourceSelector: [{ kubeIdentityMatcher: { namespaces: ['bookinfo'] } }],
      destinationSelector: toService(ref('ratings')),
    }),
    denied: 'no bound Role permits sourceSelector for identities in namespaces bookinfo',
  },
  // Destination consumer: retries, timeouts and faults from productpage v1 to ratings.
  {
    ...persona('destination-consumer-role'),
    name: 'destination consumer: retries and a timeout from productpage v1 to ratings',
    object: tp({
      ...productpageToRatings,
      policy: { retries: {}, requestTimeout: '1s' },
    }),
  },
  {
    ...persona('destination-consumer-role'),
    name: 'destination consumer: a traffic shift is not among its actions',
    object: tp({
      ...productpageToRatings,
      policy: { trafficShift: {} },
    }),
    denied: 'no bound Role permits trafficPolicyAction TRAFFIC_SHIFT for destination ratings.bookinfo.cluster-1',
  },
  {
    ...persona('destination-consumer-role'),
    name: 'destination consumer: leaving out the version label selects more workloads',
    object: tp({
      destinationSelector: toService(ref('ratings')),
      sourceSelector: fromWorkloads({ labels: { app: 'productpage' }, namespaces: ['bookinfo'] }),
    }),
    denied: 'no bound Role permits sourceSelector for Workloads with labels app=productpage in namespaces bookinfo',
  },
  {
    ...persona('destination-consumer-role'),
    name: 'destination consumer: a policy with no action for its edge',
    object: tp({
      destinationSelector: toService(ref('ratings', 'bookinfo', 'cluster-2')),
      sourceSelector: productpage,
    }),
  },
  {
    ...persona('destination-consumer-role'),
    name: 'destination consumer: csrf needs ALL',
    object: tp({ ...productpageToRatings, policy: { csrf: {} } }),
    denied:
      'no bound Role permits trafficPolicyAction ALL (needed for spec.policy.csrf) for destination ratings.bookinfo.cluster-1',
  },
  // Wildcards and omitted fields, one at a time.
  ...((): Case[] => {
    const namespaceOnly = role('ns-only', {
      trafficPolicyScopes: [
        {
          trafficPolicyActions: ['RETRIES'],
          destinationSelectors: [{ kubeServiceMatcher: { namespaces: ['bookinfo'] } }],
        },
      ],
    });
    const base = { roles: [namespaceOnly], bindings: asUser('ns-only') };
    return [
      {
        ...base,
        name: 'omitted labels and clusters in the scope allow any',
        object: tp({
          destinationSelector: [
            { kubeServiceMatcher: { labels: { a: 'b' }, namespaces: ['bookinfo'], clusters: ['c9'] } },
          ],
          policy: { retries: {} },
        }),
      },
      {
        ...base,
        name: 'omitted workloadSelectors in the scope allow any workloads, even all',
        object: tp({ destinationSelector: [{ kubeServiceMatcher: { namespaces: ['bookinfo'] } }] }),
      },
      {
        ...base,
        name: 'a namespace not listed',
        object: tp({ destinationSelector: [{ kubeServiceMatcher: { namespaces: ['bookinfo', 'other'] } }] }),
        denied: 'no bound Role permits destinationSelector for Destinations in namespaces bookinfo, other',
      },
      {
        ...base,
        name: 'an omitted policy namespace list means every namespace',
        object: tp({ destinationSelector: [{ kubeServiceMatcher: { clusters: ['c1'] } }] }),
        denied: 'no bound Role permits destinationSelector for Destinations on clusters c1',
      },
      {
        ...base,
        name: 'an omitted destinationSelector means every Destination',
        object: tp({ policy: { retries: {} } }),
        denied: 'no bound Role permits destinationSelector for any Destination',
      },
    ];
  })(),
  ...((): Case[] => {
    const wild = role('wild', {
      trafficPolicyScopes: [
        {
          trafficPolicyActions: ['ALL'],
          destinationSelectors: [
            { kubeServiceRefs: { services: [{ name: '*', namespace: 'bookinfo' }] } },
            { kubeServiceMatcher: { labels: { '*': 'v1', team: '*' } } },
          ],
          workloadSelectors: [{ kubeWorkloadMatcher: {} }],
        },
      ],
    });
    const base = { roles: [wild], bindings: asUser('wild') };
    return [
      {
        ...base,
        name: 'name "*" and an omitted clusterName match any',
        object: tp({
          destinationSelector: toService(ref('anything', 'bookinfo', 'cluster-7')),
          policy: { mirror: {} },
        }),
      },
      {
        ...base,
        name: 'a literal namespace in a ref',
        object: tp({ destinationSelector: toService(ref('reviews', 'other')) }),
        denied: 'no bound Role permits destinationSelector for destination reviews.other.cluster-1',
      },
      {
        ...base,
        name: 'label key "*" with a literal value, and a required key with any value',
        object: tp({ destinationSelector: [{ kubeServiceMatcher: { labels: { team: 'x', version: 'v1' } } }] }),
      },
      {
        ...base,
        name: 'a label value the scope does not allow',
        object: tp({ destinationSelector: [{ kubeServiceMatcher: { labels: { team: 'x', version: 'v2' } } }] }),
        denied: 'no bound Role permits destinationSelector for Destinations with labels team=x, version=v2',
      },
      {
        ...base,
        name: 'a required label key left out',
        object: tp({ destinationSelector: [{ kubeServiceMatcher: { labels: { version: 'v1' } } }] }),
        denied: 'no bound Role permits destinationSelector for Destinations with labels version=v1',
      },
      {
        ...base,
        name: 'an empty kubeWorkloadMatcher in the scope allows any workloads',
        object: tp({
          destinationSelector: toService(ref('a', 'bookinfo')),
          sourceSelector: fromWorkloads({ labels: { x: 'y' } }),
        }),
      },
    ];
  })(),
  ...((): Case[] => {
    const noActions = role('no-actions', { trafficPolicyScopes: [{}] });
    const base = { roles: [noActions], bindings: asUser('no-actions') };
    return [
      { ...base, name: 'a scope with no actions and no selectors: any selectors, no action', object: tp({}) },
      {
        ...base,
        name: 'a scope with no actions permits no action',
        object: tp({ policy: { requestTimeout: '1s' } }),
        denied: 'no bound Role permits trafficPolicyAction REQUEST_TIMEOUT for any Destination',
      },
    ];
  })(),
  ...((): Case[] => {
    const split = role('split', {
      trafficPolicyScopes: [
        { trafficPolicyActions: ['RETRIES'], destinationSelectors: toService(ref('reviews')) },
        { trafficPolicyActions: ['TRAFFIC_SHIFT'], destinationSelectors: toService(ref('ratings')) },
      ],
    });
    const base = { roles: [split], bindings: asUser('split') };
    return [
      {
        ...base,
        name: 'an action permitted only for another destination',
        object: tp({ destinationSelector: toService(ref('reviews')), policy: { trafficShift: {} } }),
        denied: 'no bound Role permits trafficPolicyAction TRAFFIC_SHIFT for destination reviews.bookinfo.cluster-1',
      },
      {
        ...base,
        name: 'two destinations each permitted by a different scope',
        object: tp({ destinationSelector: toService(ref('reviews'), ref('ratings')) }),
        denied:
          'no bound Role permits destinationSelector for destination reviews.bookinfo.cluster-1, ratings.bookinfo.cluster-1',
      },
      {
        ...base,
        name: 'two selectors each permitted by a different scope',
        object: tp({ destinationSelector: [...toService(ref('reviews')), ...toService(ref('ratings'))] }),
        denied:
          'no single scope of a bound Role permits all of: destinationSelector for destination reviews.bookinfo.cluster-1; destinationSelector for destination ratings.bookinfo.cluster-1; sourceSelector for any Workload',
      },
    ];
  })(),
  ...((): Case[] => {
    const vmRole = role('vm', {
      virtualMeshScopes: [
        { virtualMeshActions: ['FEDERATION'], meshRefs: [mesh1, { name: '*', namespace: 'team-a' }] },
      ],
    });
    const base = { roles: [vmRole], bindings: asUser('vm') };
    return [
      {
        ...base,
        name: 'VirtualMesh: a listed mesh with a permitted action',
        object: vm({ meshes: [mesh1, { name: 'm', namespace: 'team-a' }], federation: {} }),
      },
      {
        ...base,
        name: 'VirtualMesh: an action not listed',
        object: vm({ meshes: [mesh1], mtlsConfig: {} }),
        denied:
          'no bound Role permits virtualMeshAction MTLS_CONFIG for meshes gloo-mesh/istiod-istio-system-cluster-1',
      },
      {
        ...base,
        name: 'VirtualMesh: a mesh not listed',
        object: vm({ meshes: [mesh2] }),
        denied: 'no bound Role permits mesh gloo-mesh/istiod-istio-system-cluster-2',
      },
    ];
  })(),
  ...((): Case[] => {
    const vdRole = role('vd', {
      virtualDestinationScopes: [
        {
          virtualMeshRefs: [{ name: 'vm', namespace: NS }],
          destinations: [{ kubeService: { name: 'reviews', namespace: 'bookinfo', clusterName: '*' } }],
        },
      ],
    });
    const base = { roles: [vdRole], bindings: asUser('vd') };
    const backing = (...refs: ReturnType<typeof ref>[]) => ({ destinations: refs.map((r) => ({ kubeService: r })) });
    return [
      {
        ...base,
        name: 'VirtualDestination: a listed VirtualMesh and backing destinations',
        object: vd({
          virtualMesh: { name: 'vm', namespace: NS },
          static: backing(ref('reviews'), ref('reviews', 'bookinfo', 'cluster-2')),
        }),
      },
      {
        ...base,
        name: 'VirtualDestination: omitted meshRefs and destinationSelectors allow any',
        object: vd({
          meshList: { meshes: [mesh2] },
          localized: { destinationSelectors: [{ kubeServiceMatcher: { namespaces: ['x'] } }] },
        }),
      },
      {
        ...base,
        name: 'VirtualDestination: another VirtualMesh',
        object: vd({ virtualMesh: { name: 'other', namespace: NS }, static: backing(ref('reviews')) }),
        denied: 'no bound Role permits virtualMesh gloo-mesh/other',
      },
      {
        ...base,
        name: 'VirtualDestination: a backing destination not listed',
        object: vd({ virtualMesh: { name: 'vm', namespace: NS }, static: backing(ref('ratings')) }),
        denied: 'no bound Role permits backing destination ratings.bookinfo.cluster-1',
      },
    ];
  })(),
  // Subjects, operations and objects outside the role-based API.
  {
    name: 'a binding to a group',
    roles: personas,
    bindings: [bind('admin-role', { kind: 'Group', name: 'admins' })],
    groups: ['admins'],
    object: vm({}),
  },
  {
    name: 'a binding to a service account',
    roles: personas,
    bindings: [bind('admin-role', { kind: 'ServiceAccount', name: 'ci', namespace: 'p' })],
    user: 'system:serviceaccount:p:ci',
    object: vm({}),
  },
  {
    name: 'a subject without kind is a user',
    roles: personas,
    bindings: [bind('admin-role', { name: 'alice' })],
    object: vm({}),
  },
  {
    name: 'no binding for the user',
    roles: personas,
    bindings: [bind('admin-role', { kind: 'User', name: 'bob' })],
    object: vm({}),
    denied: 'no RoleBinding binds a Role to this user or its groups',
  },
  {
    ...persona('missing'),
    name: 'a binding to a Role that does not exist',
    object: vm({}),
    denied: 'no RoleBinding binds a Role to this user or its groups',
  },
  {
    ...persona('destination-consumer-role'),
    name: 'deletion is judged on the object as it is',
    operation: 'DELETE',
    oldObject: tp({
      ...productpageToRatings,
      policy: { trafficShift: {} },
    }),
    denied: 'no bound Role permits trafficPolicyAction TRAFFIC_SHIFT for destination ratings.bookinfo.cluster-1',
  },
  {
    ...persona('destination-consumer-role'),
    name: 'deleting a permitted object',
    operation: 'DELETE',
    oldObject: tp({
      ...productpageToRatings,
      policy: { retries: {} },
    }),
  },
  {
    ...persona('destination-consumer-role'),
    name: 'an update must be permitted before and after',
    operation: 'UPDATE',
    object: tp({
      ...productpageToRatings,
      policy: { retries: {} },
    }),
    oldObject: tp({ destinationSelector: toService(ref('reviews')), sourceSelector: productpage }),
    denied: 'the object as it is: no bound Role permits destinationSelector for destination reviews.bookinfo.cluster-1',
  },
  {
    name: 'kinds outside the role-based API are not judged',
    roles: [],
    bindings: [],
    object: { apiVersion: 'v1', kind: 'ConfigMap', spec: {} },
  },
  {
    ...persona('admin-role'),
    name: 'an unreadable spec is denied with its field',
    object: tp({ policy: { retries: { attempts: 'three' } } }),
    denied: 'TrafficPolicy spec.policy.retries.attempts: Invalid input: expected number, received string',
  },
];

describe('the role-based API decision', () => {
  for (const c of cases) {
    it(c.name, () => {
      const decision = decide(
        {
          user: { username: c.user ?? 'alice', groups: c.groups ?? [] },
          operation: c.operation ?? 'CREATE',
          object: c.object,
          oldObject: c.oldObject,
        },
        c.roles,
        c.bindings,
      );
      if (c.denied === undefined) assert.equal(decision.allowed, true, decision.allowed ? '' : decision.message);
      else assert.equal(decision.allowed ? 'allowed' : decision.reason, c.denied);
    });
  }

  it('names the user, groups, verb and object in the message, and the Role that allowed', () => {
    const denied = decide(
      {
        user: { username: 'alice', groups: ['devs'] },
        operation: 'CREATE',
        object: tp({ destinationSelector: toService(ref('reviews')), policy: { trafficShift: {} } }),
      },
      [role('r', { trafficPolicyScopes: [{ trafficPolicyActions: ['RETRIES'] }] })],
      asUser('r'),
    );
    assert.equal(
      denied.allowed ? '' : denied.message,
      'user "alice" (groups devs) may not create TrafficPolicy gloo-mesh/p: no bound Role permits trafficPolicyAction TRAFFIC_SHIFT for destination reviews.bookinfo.cluster-1',
    );
    const allowed = decide(
      { user: { username: 'alice', groups: [] }, operation: 'CREATE', object: vm({}) },
      personas,
      asUser('admin-role'),
    );
    assert.deepEqual(allowed, {
      allowed: true,
      governed: true,
      role: 'gloo-mesh/admin-role',
      binding: 'gloo-mesh/admin-role-binding',
    });
  });
});
