// Settings (settings.mesh.gloo.solo.io/v1): Mesh Hub's global defaults.
import { z } from 'zod';
import { defineKind } from '../../kind.ts';
import { Int64, StringMap } from '../../common/scalars.ts';
import { ApprovalState } from '../../common/selectors.ts';
import { MTLS } from '../../networking/v1/traffic-policy.ts';

export const GrpcServer = z.strictObject({
  address: z.string().optional(),
  insecure: z.boolean().optional(),
  reconnectOnNetworkFailures: z.boolean().optional(),
});

export const SettingsSpec = z.strictObject({
  mtls: MTLS.optional(),
  networkingExtensionServers: z.array(GrpcServer).optional(),
  discovery: z
    .strictObject({
      istio: z
        .strictObject({
          ingressGatewayDetectors: z
            .record(
              z.string(),
              z.strictObject({
                gatewayWorkloadLabels: StringMap.optional(),
                gatewayTlsPortName: z.string().optional(),
              }),
            )
            .optional(),
        })
        .optional(),
    })
    .optional(),
  relay: z.strictObject({ enabled: z.boolean().optional(), server: GrpcServer.optional() }).optional(),
  /**
   * Mesh Hub's own field: namespaces of the management cluster, besides the install namespace, where
   * a VirtualMesh may name its root CA Secret (`meshctl install --root-ca-namespaces` sets it and
   * grants the management plane read access to Secrets there). A root anywhere else is refused.
   */
  rootCertificateAuthorityNamespaces: z.array(z.string()).optional(),
});
export type SettingsSpec = z.infer<typeof SettingsSpec>;

export const SettingsStatus = z.strictObject({
  observedGeneration: Int64.optional(),
  state: ApprovalState.optional(),
  errors: z.array(z.string()).optional(),
});

export const settingsKind = defineKind({
  group: 'settings.mesh.gloo.solo.io',
  version: 'v1',
  kind: 'Settings',
  plural: 'settings',
  singular: 'settings',
  shortNames: [],
  scope: 'Namespaced',
  description: "Mesh Hub's global defaults, such as the default mTLS mode.",
  spec: SettingsSpec,
  status: SettingsStatus,
  printerColumns: [
    { name: 'State', type: 'string', jsonPath: '.status.state' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});
