// AccessPolicy → one AuthorizationPolicy rule: `from` the selected identities (SPIFFE principals
// `<trustDomain>/ns/<namespace>/sa/<serviceAccount>`, or namespaces), `to` the allowed paths,
// methods and ports. All rules of a Destination go into one ALLOW policy on its workloads.
import type { IdentitySelector } from '../../../api/common/selectors.ts';
import type { AccessPolicy } from '../../model.ts';
import type { IndexedDestination, NetworkingIndex } from '../../networking-index.ts';
import { identitySelectorNamesAll } from '../../validate/workload-selection.ts';
import type { FeatureValue } from './features.ts';
import type { Rule, Source } from './istio-types.ts';

/** Istio's limit on rules per AuthorizationPolicy (CRD maxItems). */
export const MAX_AUTHORIZATION_RULES = 512;

function trustDomains(cluster: string | undefined, index: NetworkingIndex): string[] | string {
  if (cluster === undefined || cluster === '') {
    return index.allTrustDomains.length > 0
      ? [...index.allTrustDomains]
      : 'no Istio mesh with a trust domain was discovered';
  }
  const found = index.trustDomainsByCluster.get(cluster);
  return found === undefined || found.length === 0
    ? `no Istio mesh with a trust domain was discovered in cluster ${cluster}`
    : [...found];
}

/**
 * Istio principals allow one wildcard, at the start or the end. A service account named without a
 * namespace can only be written as a suffix match, which also ignores the trust domain.
 */
function principal(trustDomain: string, namespace: string, serviceAccount: string): string {
  if (namespace === '') return serviceAccount === '' ? `${trustDomain}/ns/*` : `*/sa/${serviceAccount}`;
  return `${trustDomain}/ns/${namespace}/sa/${serviceAccount === '' ? '*' : serviceAccount}`;
}

function buildSource(selector: IdentitySelector, path: string, index: NetworkingIndex): Source | string[] {
  const errors: string[] = [];
  const principals: string[] = [];
  const namespaces: string[] = [];
  const matcher = selector.kubeIdentityMatcher;
  if (matcher !== undefined) {
    const clusters = matcher.clusters ?? [];
    if (clusters.length > 0) {
      for (const cluster of clusters) {
        const domains = trustDomains(cluster, index);
        if (typeof domains === 'string') {
          errors.push(`${path}.kubeIdentityMatcher.clusters: ${domains}`);
          continue;
        }
        const inNamespaces = (matcher.namespaces ?? []).length > 0 ? (matcher.namespaces ?? []) : [''];
        for (const domain of domains) for (const ns of inNamespaces) principals.push(principal(domain, ns, ''));
      }
    } else {
      namespaces.push(...(matcher.namespaces ?? []));
    }
  }
  (selector.kubeServiceAccountRefs?.serviceAccounts ?? []).forEach((ref, i) => {
    const domains = trustDomains(ref.clusterName, index);
    if (typeof domains === 'string') {
      errors.push(`${path}.kubeServiceAccountRefs.serviceAccounts[${i}]: ${domains}`);
      return;
    }
    for (const domain of domains) principals.push(principal(domain, ref.namespace ?? '', ref.name));
  });
  if (errors.length > 0) return errors;
  const source: Source = {};
  if (principals.length > 0) source.principals = [...new Set(principals)].sort();
  if (namespaces.length > 0) source.namespaces = [...new Set(namespaces)].sort();
  return source;
}

/** Ports as the workload sees them: a Service port is mapped to its numeric target port. */
function workloadPort(port: number, destination: IndexedDestination): string {
  const servicePort = destination.destination.spec.kubeService?.ports?.find((p) => p.port === port);
  return String(servicePort?.targetPortNumber ?? port);
}

export function translateAccessPolicy(
  policy: AccessPolicy,
  destination: IndexedDestination,
  index: NetworkingIndex,
): FeatureValue<Rule> {
  const spec = policy.spec;
  const rule: Rule = {};
  const selectors = spec.sourceSelector ?? [];
  // No selector, or one that names every identity, allows any source: no `from` at all.
  if (selectors.length > 0 && !selectors.some(identitySelectorNamesAll)) {
    const errors: string[] = [];
    const from: { source: Source }[] = [];
    selectors.forEach((selector, i) => {
      const source = buildSource(selector, `spec.sourceSelector[${i}]`, index);
      if (Array.isArray(source)) errors.push(...source);
      else if (source.principals !== undefined || source.namespaces !== undefined) from.push({ source });
    });
    if (errors.length > 0) return { ok: false, errors };
    if (from.length === 0) return { ok: false, errors: ['spec.sourceSelector: names no identity'] };
    rule.from = from;
  }
  const paths = spec.allowedPaths ?? [];
  const methods = spec.allowedMethods ?? [];
  const ports = [...new Set((spec.allowedPorts ?? []).map((p) => workloadPort(p, destination)))];
  if (paths.length > 0 || methods.length > 0 || ports.length > 0) {
    rule.to = [
      {
        operation: {
          ...(paths.length > 0 ? { paths: [...paths] } : {}),
          ...(methods.length > 0 ? { methods: [...methods] } : {}),
          ...(ports.length > 0 ? { ports } : {}),
        },
      },
    ];
  }
  return { ok: true, value: rule };
}
