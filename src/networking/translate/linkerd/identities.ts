// AccessPolicy sources → the Linkerd identities a MeshTLSAuthentication lists. A Linkerd identity
// is `<serviceAccount>.<namespace>.serviceaccount.identity.<control-plane namespace>.<trust domain>`;
// it does not name the cluster. Service accounts and namespaces of the Destination's own cluster
// are written as identityRefs (Linkerd resolves them with its own trust domain); identities of other
// clusters as identity strings with the trust domain of the Linkerd mesh there. A
// MeshTLSAuthentication holds one form or the other, so when both are needed every identity is
// written as a string. Nothing broader than what the selectors name is ever written.
import type { IdentitySelector } from '../../../api/common/selectors.ts';
import { TRUST_DOMAIN_ANNOTATION } from '../../../api/labels.ts';
import type { Mesh } from '../../model.ts';
import { identitySelectorNamesAll } from '../../validate/workload-selection.ts';
import type { IdentityRef, MeshTLSAuthenticationSpec } from './linkerd-types.ts';

export interface LinkerdIdentityDomain {
  /** The control plane's namespace (`linkerd`): part of every identity. */
  readonly controlPlaneNamespace: string;
  readonly trustDomain: string;
}

export function linkerdIdentityDomain(mesh: Mesh): LinkerdIdentityDomain {
  const trustDomain = mesh.metadata.annotations?.[TRUST_DOMAIN_ANNOTATION];
  return {
    controlPlaneNamespace: mesh.spec.linkerd?.installation?.namespace ?? 'linkerd',
    trustDomain: trustDomain === undefined || trustDomain === '' ? 'cluster.local' : trustDomain,
  };
}

function identitySuffix(domain: LinkerdIdentityDomain): string {
  return `serviceaccount.identity.${domain.controlPlaneNamespace}.${domain.trustDomain}`;
}

/** One service account, every service account of a namespace (`serviceAccount` ''), or of the mesh. */
export function linkerdIdentity(domain: LinkerdIdentityDomain, namespace: string, serviceAccount: string): string {
  if (namespace === '') return `*.${identitySuffix(domain)}`;
  return `${serviceAccount === '' ? '*' : serviceAccount}.${namespace}.${identitySuffix(domain)}`;
}

/** Who may call: anyone (no authentication required), or the identities of a MeshTLSAuthentication. */
export type LinkerdSources =
  | { readonly kind: 'any' }
  | { readonly kind: 'mesh-tls'; readonly spec: MeshTLSAuthenticationSpec; readonly warnings: readonly string[] };

export interface IdentityContext {
  /** The Destination's cluster, and its Linkerd mesh's identity domain. */
  readonly cluster: string;
  readonly local: LinkerdIdentityDomain;
  /** The identity domains of the Linkerd meshes of a cluster (none: its workloads have no Linkerd identity). */
  readonly domainsIn: (cluster: string) => readonly LinkerdIdentityDomain[];
}

interface Collected {
  refs: IdentityRef[];
  /** Identity strings for other clusters, with the domain each was written for. */
  strings: { identity: string; domain: LinkerdIdentityDomain; cluster: string }[];
  errors: string[];
}

function addForCluster(
  collected: Collected,
  context: IdentityContext,
  cluster: string,
  namespace: string,
  serviceAccount: string,
  path: string,
): void {
  if (cluster === '' || cluster === context.cluster) {
    if (namespace === '') {
      collected.strings.push({ identity: linkerdIdentity(context.local, '', ''), domain: context.local, cluster });
    } else if (serviceAccount === '') {
      collected.refs.push({ kind: 'Namespace', name: namespace });
    } else {
      collected.refs.push({ kind: 'ServiceAccount', name: serviceAccount, namespace });
    }
    return;
  }
  const domains = context.domainsIn(cluster);
  if (domains.length === 0) {
    collected.errors.push(
      `${path}: no Linkerd mesh was discovered in cluster ${cluster}, so its workloads have no Linkerd identity`,
    );
    return;
  }
  for (const domain of domains) {
    collected.strings.push({ identity: linkerdIdentity(domain, namespace, serviceAccount), domain, cluster });
  }
}

function refIdentity(ref: IdentityRef, domain: LinkerdIdentityDomain): string {
  return ref.kind === 'Namespace'
    ? linkerdIdentity(domain, ref.name, '')
    : linkerdIdentity(domain, ref.namespace ?? '', ref.name);
}

function sameDomain(a: LinkerdIdentityDomain, b: LinkerdIdentityDomain): boolean {
  return a.trustDomain === b.trustDomain && a.controlPlaneNamespace === b.controlPlaneNamespace;
}

export function translateSources(
  selectors: readonly IdentitySelector[] | undefined,
  context: IdentityContext,
): { ok: true; value: LinkerdSources } | { ok: false; errors: string[] } {
  const list = selectors ?? [];
  if (list.length === 0 || list.some(identitySelectorNamesAll)) return { ok: true, value: { kind: 'any' } };
  const collected: Collected = { refs: [], strings: [], errors: [] };
  list.forEach((selector, i) => {
    const path = `spec.sourceSelector[${String(i)}]`;
    const matcher = selector.kubeIdentityMatcher;
    const namespaces = matcher?.namespaces ?? [];
    const clusters = matcher?.clusters ?? [];
    if (clusters.length === 0) {
      for (const namespace of namespaces) collected.refs.push({ kind: 'Namespace', name: namespace });
    } else {
      for (const cluster of clusters) {
        for (const namespace of namespaces.length > 0 ? namespaces : ['']) {
          addForCluster(collected, context, cluster, namespace, '', `${path}.kubeIdentityMatcher.clusters`);
        }
      }
    }
    (selector.kubeServiceAccountRefs?.serviceAccounts ?? []).forEach((ref, j) => {
      const at = `${path}.kubeServiceAccountRefs.serviceAccounts[${String(j)}]`;
      const namespace = ref.namespace ?? '';
      if (namespace === '') {
        collected.errors.push(
          `${at}.namespace: a Linkerd identity names the service account's namespace; a service account in any namespace cannot be written`,
        );
        return;
      }
      addForCluster(collected, context, ref.clusterName ?? '', namespace, ref.name, at);
    });
  });
  if (collected.errors.length > 0) return { ok: false, errors: collected.errors };
  const warnings: string[] = [];
  const shared = [
    ...new Set(
      collected.strings
        .filter((s) => s.cluster !== context.cluster && s.cluster !== '' && sameDomain(s.domain, context.local))
        .map((s) => s.cluster),
    ),
  ].sort();
  if (shared.length > 0) {
    warnings.push(
      `spec.sourceSelector: Linkerd identities do not name the cluster, and cluster${shared.length > 1 ? 's' : ''} ${shared.join(', ')} share${shared.length > 1 ? '' : 's'} trust domain ${context.local.trustDomain} with cluster ${context.cluster}: the same service accounts of cluster ${context.cluster} are allowed too`,
    );
  }
  if (collected.strings.length === 0) {
    const refs = dedupeRefs(collected.refs);
    if (refs.length === 0) return { ok: false, errors: ['spec.sourceSelector: names no identity'] };
    return { ok: true, value: { kind: 'mesh-tls', spec: { identityRefs: refs }, warnings } };
  }
  const identities = [
    ...new Set([
      ...collected.refs.map((r) => refIdentity(r, context.local)),
      ...collected.strings.map((s) => s.identity),
    ]),
  ].sort();
  return { ok: true, value: { kind: 'mesh-tls', spec: { identities }, warnings } };
}

function dedupeRefs(refs: readonly IdentityRef[]): IdentityRef[] {
  const byKey = new Map<string, IdentityRef>();
  for (const ref of refs) byKey.set(`${ref.kind}/${ref.namespace ?? ''}/${ref.name}`, ref);
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, ref]) => ref);
}
