// The role-based API's admission objects `meshctl install` writes: the ValidatingWebhookConfiguration
// (rules, failure policy, mode; its caBundle is kept by the webhook itself), the Service in front of
// the management plane's webhook port, and the bootstrap admin Role with its RoleBinding. Pure.
import { RBAC_MODE_ANNOTATION } from '../api/labels.ts';
import type { KubeObject } from '../api/meta.ts';
import { GOVERNED_KINDS } from '../rbac/requirements.ts';

export type RbacMode = 'permissive' | 'enforcing';
export type FailurePolicy = 'Fail' | 'Ignore';

export const RBAC_WEBHOOK_SERVICE = 'mesh-hub-rbac-webhook';
/** The Secret (install namespace) with the webhook's CA and serving certificate. */
export const RBAC_WEBHOOK_SECRET = 'mesh-hub-rbac-webhook-tls';
export const RBAC_WEBHOOK_PATH = '/admission';
/** The controller's container port for the webhook (HTTPS). */
export const RBAC_WEBHOOK_PORT = 9443;
export const BOOTSTRAP_ADMIN_ROLE = 'mesh-hub-admin';
/** Always bound to the bootstrap admin Role: the API server's own superuser group. */
export const BOOTSTRAP_ADMIN_GROUP = 'system:masters';

/** Cluster-scoped, so named per install namespace. */
export function rbacWebhookConfigurationName(installNamespace: string): string {
  return `mesh-hub-${installNamespace}-rbac-webhook`;
}

/** The webhook's name inside the configuration (a fully qualified name). */
export function rbacWebhookName(installNamespace: string): string {
  return `rbac.${installNamespace}.meshhub.dev`;
}

/** In permissive mode the webhook never denies, so an outage of it should not block anything either. */
export function defaultFailurePolicy(mode: RbacMode): FailurePolicy {
  return mode === 'permissive' ? 'Ignore' : 'Fail';
}

export interface RbacWebhookOptions {
  readonly namespace: string;
  readonly mode: RbacMode;
  readonly failurePolicy: FailurePolicy;
  /** A URL the API server calls instead of the Service (a management plane running outside the cluster). */
  readonly url?: string;
  /** Users bound to the bootstrap admin Role besides the group system:masters (the installing identity). */
  readonly adminUsers: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  /** How long the API server waits for an answer. */
  readonly timeoutSeconds?: number;
}

export function rbacWebhookConfiguration(options: RbacWebhookOptions): KubeObject {
  const resources = (group: string) => GOVERNED_KINDS.filter((k) => k.group === group).map((k) => k.plural);
  const groups = [...new Set(GOVERNED_KINDS.map((k) => k.group))];
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: {
      name: rbacWebhookConfigurationName(options.namespace),
      labels: { ...options.labels },
      annotations: { [RBAC_MODE_ANNOTATION]: options.mode },
    },
    webhooks: [
      {
        name: rbacWebhookName(options.namespace),
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        failurePolicy: options.failurePolicy,
        timeoutSeconds: options.timeoutSeconds ?? 10,
        matchPolicy: 'Equivalent',
        clientConfig:
          options.url === undefined
            ? {
                service: {
                  namespace: options.namespace,
                  name: RBAC_WEBHOOK_SERVICE,
                  path: RBAC_WEBHOOK_PATH,
                  port: 443,
                },
              }
            : { url: options.url },
        rules: groups.map((group) => ({
          apiGroups: [group],
          apiVersions: ['*'],
          operations: ['CREATE', 'UPDATE', 'DELETE'],
          resources: resources(group),
          scope: '*',
        })),
      },
    ],
  };
}

const ANY = '*';

export function rbacWebhookObjects(options: RbacWebhookOptions & { readonly controllerApp: string }): KubeObject[] {
  const { namespace, labels } = options;
  const refs = [{ name: ANY, namespace: ANY, clusterName: ANY }];
  const anyDestination = [
    { kubeServiceMatcher: { labels: { [ANY]: ANY }, namespaces: [ANY], clusters: [ANY] } },
    { kubeServiceRefs: { services: refs } },
  ];
  const adminRole = {
    apiVersion: 'rbac.enterprise.mesh.gloo.solo.io/v1',
    kind: 'Role',
    metadata: { name: BOOTSTRAP_ADMIN_ROLE, namespace, labels: { ...labels } },
    spec: {
      trafficPolicyScopes: [
        {
          trafficPolicyActions: ['ALL'],
          destinationSelectors: anyDestination,
          workloadSelectors: [{ kubeWorkloadMatcher: { labels: { [ANY]: ANY }, namespaces: [ANY], clusters: [ANY] } }],
        },
      ],
      virtualMeshScopes: [{ virtualMeshActions: ['ALL'], meshRefs: [{ name: ANY, namespace: ANY }] }],
      accessPolicyScopes: [
        {
          identitySelectors: [
            {
              kubeIdentityMatcher: { namespaces: [ANY], clusters: [ANY] },
              kubeServiceAccountRefs: { serviceAccounts: refs },
            },
          ],
          destinationSelectors: anyDestination,
        },
      ],
      virtualDestinationScopes: [
        {
          virtualMeshRefs: [{ name: ANY, namespace: ANY }],
          meshRefs: [{ name: ANY, namespace: ANY }],
          destinationSelectors: anyDestination,
          destinations: [{ kubeService: refs[0] }],
        },
      ],
    },
  };
  const adminBinding = {
    apiVersion: 'rbac.enterprise.mesh.gloo.solo.io/v1',
    kind: 'RoleBinding',
    metadata: { name: BOOTSTRAP_ADMIN_ROLE, namespace, labels: { ...labels } },
    spec: {
      roleRef: { name: BOOTSTRAP_ADMIN_ROLE, namespace },
      subjects: [
        { kind: 'Group', name: BOOTSTRAP_ADMIN_GROUP },
        ...[...new Set(options.adminUsers)].sort().map((name) => ({ kind: 'User', name })),
      ],
    },
  };
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: RBAC_WEBHOOK_SERVICE, namespace, labels: { ...labels } },
    spec: {
      selector: { app: options.controllerApp },
      ports: [{ name: 'webhook', port: 443, targetPort: 'webhook', protocol: 'TCP' }],
    },
  };
  return [adminRole, adminBinding, service, rbacWebhookConfiguration(options)] as KubeObject[];
}
