// The fields of live objects that `meshctl describe` reads, as loose schemas of just those fields: a
// field added by a newer version never makes describe fail, and an object that does not fit shows as
// having none of them.
import { z } from 'zod';
import type { KubeObject } from '../api/meta.ts';

export const StringMap = z.record(z.string(), z.string());
export const Ref = z.looseObject({
  name: z.string(),
  namespace: z.string().optional(),
  clusterName: z.string().optional(),
});
export type Ref = z.infer<typeof Ref>;
export const Approval = z.looseObject({
  state: z.string().optional(),
  acceptanceOrder: z.number().optional(),
  errors: z.array(z.string()).optional(),
  warnings: z.array(z.string()).optional(),
});
export type Approval = z.infer<typeof Approval>;
/** A kubeServiceMatcher's or kubeWorkloadMatcher's fields (the two have the same). */
const Matcher = z.looseObject({
  labels: StringMap.optional(),
  namespaces: z.array(z.string()).optional(),
  clusters: z.array(z.string()).optional(),
});
export const Selector = z.looseObject({
  kubeServiceRefs: z.looseObject({ services: z.array(Ref).optional() }).optional(),
  kubeServiceMatcher: Matcher.optional(),
  kubeWorkloadMatcher: Matcher.optional(),
  kubeIdentityMatcher: z
    .looseObject({ namespaces: z.array(z.string()).optional(), clusters: z.array(z.string()).optional() })
    .optional(),
  kubeServiceAccountRefs: z.looseObject({ serviceAccounts: z.array(Ref).optional() }).optional(),
});
export type Selector = z.infer<typeof Selector>;

export const PolicyFields = z.looseObject({
  spec: z
    .looseObject({
      destinationSelector: z.array(Selector).optional(),
      sourceSelector: z.array(Selector).optional(),
    })
    .optional(),
  status: z
    .looseObject({
      observedGeneration: z.number().optional(),
      state: z.string().optional(),
      errors: z.array(z.string()).optional(),
      destinations: z.record(z.string(), Approval).optional(),
      workloads: z.array(z.string()).optional(),
    })
    .optional(),
});
export type PolicyFields = z.infer<typeof PolicyFields>;

export const Port = z.looseObject({
  port: z.number().optional(),
  name: z.string().optional(),
  protocol: z.string().optional(),
  appProtocol: z.string().optional(),
  targetPortName: z.string().optional(),
  targetPortNumber: z.number().optional(),
});

export const DestinationFields = z.looseObject({
  spec: z
    .looseObject({
      kubeService: z
        .looseObject({
          ref: Ref.optional(),
          ports: z.array(Port).optional(),
          workloadSelectorLabels: StringMap.optional(),
          subsets: z.record(z.string(), z.looseObject({ values: z.array(z.string()).optional() })).optional(),
          serviceType: z.string().optional(),
        })
        .optional(),
      externalService: z.looseObject({ name: z.string().optional(), hosts: z.array(z.string()).optional() }).optional(),
      mesh: Ref.optional(),
    })
    .optional(),
  status: z
    .looseObject({
      observedGeneration: z.number().optional(),
      localFqdn: z.string().optional(),
      appliedTrafficPolicies: z.array(z.looseObject({ ref: Ref.optional() })).optional(),
      appliedAccessPolicies: z.array(z.looseObject({ ref: Ref.optional() })).optional(),
      appliedFederation: z
        .looseObject({
          federatedHostname: z.string().optional(),
          federatedToMeshes: z.array(Ref).optional(),
          virtualMeshRef: Ref.optional(),
        })
        .optional(),
    })
    .optional(),
});

export const WorkloadFields = z.looseObject({
  spec: z
    .looseObject({
      kubernetes: z
        .looseObject({
          controller: Ref.optional(),
          podLabels: StringMap.optional(),
          serviceAccountName: z.string().optional(),
        })
        .optional(),
      mesh: Ref.optional(),
    })
    .optional(),
  status: z.looseObject({ observedGeneration: z.number().optional() }).optional(),
});

export const Installation = z.looseObject({
  namespace: z.string().optional(),
  cluster: z.string().optional(),
  version: z.string().optional(),
  podLabels: StringMap.optional(),
});
export const MeshFields = z.looseObject({
  spec: z
    .looseObject({
      istio: z
        .looseObject({
          installation: Installation.optional(),
          trustDomain: z.string().optional(),
          ingressGateways: z
            .array(
              z.looseObject({
                name: z.string().optional(),
                namespace: z.string().optional(),
                externalAddress: z.string().optional(),
                externalTlsPort: z.number().optional(),
              }),
            )
            .optional(),
        })
        .optional(),
      linkerd: z.looseObject({ installation: Installation.optional() }).optional(),
      osm: z.looseObject({ installation: Installation.optional() }).optional(),
      consulConnect: z.looseObject({ installation: Installation.optional() }).optional(),
      awsAppMesh: z.looseObject({ awsName: z.string().optional(), region: z.string().optional() }).optional(),
    })
    .optional(),
  status: z
    .looseObject({
      observedGeneration: z.number().optional(),
      appliedVirtualMesh: z.looseObject({ ref: Ref.optional() }).optional(),
      appliedVirtualDestinations: z
        .array(z.looseObject({ ref: Ref.optional(), errors: z.array(z.string()).optional() }))
        .optional(),
    })
    .optional(),
});

export const VirtualMeshFields = z.looseObject({
  spec: z
    .looseObject({
      meshes: z.array(Ref).optional(),
      mtlsConfig: z
        .looseObject({
          shared: z
            .looseObject({
              rootCertificateAuthority: z
                .looseObject({ generated: z.unknown().optional(), secret: Ref.optional() })
                .optional(),
              intermediateCertificateAuthority: z.unknown().optional(),
            })
            .optional(),
          limited: z.unknown().optional(),
          autoRestartPods: z.boolean().optional(),
        })
        .optional(),
      federation: z
        .looseObject({
          permissive: z.unknown().optional(),
          selectors: z.array(z.unknown()).optional(),
          flatNetwork: z.boolean().optional(),
          hostnameSuffix: z.string().optional(),
        })
        .optional(),
      globalAccessPolicy: z.string().optional(),
    })
    .optional(),
  status: z
    .looseObject({
      observedGeneration: z.number().optional(),
      state: z.string().optional(),
      errors: z.array(z.string()).optional(),
      meshes: z.record(z.string(), Approval).optional(),
      destinations: z.record(z.string(), Approval).optional(),
    })
    .optional(),
});

/** The parents annotation of a translated object: `<group>/<version>, Kind=<Kind>` → references. */
export const ParentsAnnotation = z.record(
  z.string(),
  z.array(z.looseObject({ name: z.string(), namespace: z.string().optional() })),
);

/** Parses the fields describe reads; an object that does not fit shows as having none of them. */
export function fields<S extends z.ZodType>(schema: S, object: KubeObject): z.infer<S> | Record<string, never> {
  const result = schema.safeParse(object);
  return result.success ? result.data : {};
}
