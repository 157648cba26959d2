// `globalAccessPolicy: ENABLED` for an Istio member mesh: default deny, so that only AccessPolicies
// open traffic. In the mesh's root namespace (its installation namespace):
//   AuthorizationPolicy global-access-control                 `spec: {}`: an ALLOW policy that matches
//                                                              nothing, applied to every workload
//   AuthorizationPolicy allow-ingress-gateway-<svc>-<ns>       one per ingress or east-west gateway: allow
//                                                              everything on the gateway pods, so traffic
//                                                              from outside and from other clusters still
//                                                              enters (the sidecars behind them decide)
// A root-namespace policy with a selector applies to matching pods in every namespace.
import { sanitizeName } from '../../../discovery/names.ts';
import { compareStrings, objectRefKey } from '../../keys.ts';
import type { Mesh } from '../../model.ts';
import type { VirtualMeshCheck } from '../../plan/virtual-mesh-membership.ts';
import { parentsAnnotation, translatedMetadata } from '../output-meta.ts';
import type { ClusterObject } from '../translator.ts';
import { istioApiVersions } from './api-versions.ts';
import type { NetworkingPlan } from '../../plan/plan-model.ts';

export const GLOBAL_ACCESS_POLICY_NAME = 'global-access-control';
const GATEWAY_POLICY_PREFIX = 'allow-ingress-gateway';

/** Gateway workloads of a mesh, by Service: discovered ingress gateways and the VirtualMesh's east-west ones. */
function gatewayWorkloads(mesh: Mesh, index: NetworkingPlan): { name: string; labels: Record<string, string> }[] {
  const byName = new Map<string, Record<string, string>>();
  for (const gateway of mesh.spec.istio?.ingressGateways ?? []) {
    const labels = gateway.workloadLabels ?? {};
    if (Object.keys(labels).length === 0) continue;
    byName.set(sanitizeName(`${GATEWAY_POLICY_PREFIX}-${gateway.name ?? ''}-${gateway.namespace ?? ''}`), {
      ...labels,
    });
  }
  for (const gateway of index.federation.meshes.get(objectRefKey(mesh))?.gateways ?? []) {
    const service = gateway.destination.service;
    if (service === undefined) continue;
    byName.set(sanitizeName(`${GATEWAY_POLICY_PREFIX}-${service.name}-${service.namespace}`), {
      ...gateway.workloadLabels,
    });
  }
  return [...byName.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([name, labels]) => ({ name, labels }));
}

export function writeGlobalAccessPolicy(mesh: Mesh, check: VirtualMeshCheck, index: NetworkingPlan): ClusterObject[] {
  // MESH_DEFAULT and DISABLED leave Istio's own default (allow) in place, as upstream.
  if (check.virtualMesh.spec.globalAccessPolicy !== 'ENABLED') return [];
  const installation = mesh.spec.istio?.installation;
  const cluster = installation?.cluster ?? '';
  const namespace = installation?.namespace ?? 'istio-system';
  const { security } = istioApiVersions(mesh);
  const parents = parentsAnnotation({ virtualMeshes: [check.virtualMesh] });
  const meta = (name: string) => translatedMetadata(name, namespace, index.installNamespace, parents);
  return [
    { apiVersion: security, kind: 'AuthorizationPolicy', metadata: meta(GLOBAL_ACCESS_POLICY_NAME), spec: {} },
    ...gatewayWorkloads(mesh, index).map(({ name, labels }) => ({
      apiVersion: security,
      kind: 'AuthorizationPolicy',
      metadata: meta(name),
      // One empty rule matches every request.
      spec: { selector: { matchLabels: labels }, action: 'ALLOW', rules: [{}] },
    })),
  ].map((object) => ({ cluster, object }));
}
