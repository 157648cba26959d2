// Every kind of the v1 API, in one list: the source of CRD generation, validation and look-up.
import type { KindDefinition } from './kind.ts';
import { apiVersionOf } from './kind.ts';
import { certificateRequestKind } from './certificates/v1/certificate-request.ts';
import { issuedCertificateKind } from './certificates/v1/issued-certificate.ts';
import { podBounceDirectiveKind } from './certificates/v1/pod-bounce-directive.ts';
import { destinationKind } from './discovery/v1/destination.ts';
import { meshKind } from './discovery/v1/mesh.ts';
import { workloadKind } from './discovery/v1/workload.ts';
import { virtualDestinationKind } from './enterprise/v1beta1/virtual-destination.ts';
import { kubernetesClusterKind } from './multicluster/v1alpha1/kubernetes-cluster.ts';
import { accessPolicyKind } from './networking/v1/access-policy.ts';
import { trafficPolicyKind } from './networking/v1/traffic-policy.ts';
import { virtualMeshKind } from './networking/v1/virtual-mesh.ts';
import { roleBindingKind } from './rbac/v1/role-binding.ts';
import { roleKind } from './rbac/v1/role.ts';
import { settingsKind } from './settings/v1/settings.ts';

export const allKinds: readonly KindDefinition[] = [
  certificateRequestKind,
  issuedCertificateKind,
  podBounceDirectiveKind,
  destinationKind,
  meshKind,
  workloadKind,
  kubernetesClusterKind,
  virtualDestinationKind,
  accessPolicyKind,
  trafficPolicyKind,
  virtualMeshKind,
  roleKind,
  roleBindingKind,
  settingsKind,
];

const byApiVersionAndKind = new Map(
  allKinds.map((definition) => [`${apiVersionOf(definition)}/${definition.kind}`, definition]),
);

export function findKind(apiVersion: string, kind: string): KindDefinition | undefined {
  return byApiVersionAndKind.get(`${apiVersion}/${kind}`);
}
