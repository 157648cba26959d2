// TrafficPolicy (networking.mesh.gloo.solo.io/v1): mesh-neutral traffic rules for selected Destinations.
import { z } from 'zod';
import { defineKind } from '../../kind.ts';
import { ClusterObjectRef, ObjectRef } from '../../common/refs.ts';
import {
  Double,
  Duration,
  FreeForm,
  Int32,
  Int64,
  oneOf,
  Percentage,
  StringMap,
  UInt32,
  UInt32Percentage,
} from '../../common/scalars.ts';
import {
  ApprovalState,
  ApprovalStatus,
  DestinationSelector,
  StringMatch,
  WorkloadSelector,
} from '../../common/selectors.ts';

export const HeaderMatcher = z.strictObject({
  name: z.string(),
  value: z.string().optional(),
  regex: z.boolean().optional(),
  invertMatch: z.boolean().optional(),
});

export const HttpMatcher = z.strictObject({
  name: z.string().optional(),
  uri: StringMatch.optional(),
  headers: z.array(HeaderMatcher).optional(),
  queryParameters: z
    .array(z.strictObject({ name: z.string(), value: z.string().optional(), regex: z.boolean().optional() }))
    .optional(),
  method: z.string().optional(),
});
export type HttpMatcher = z.infer<typeof HttpMatcher>;

export const HeaderManipulation = z.strictObject({
  removeResponseHeaders: z.array(z.string()).optional(),
  appendResponseHeaders: StringMap.optional(),
  removeRequestHeaders: z.array(z.string()).optional(),
  appendRequestHeaders: StringMap.optional(),
});
export type HeaderManipulation = z.infer<typeof HeaderManipulation>;

export const KubeDestination = z.strictObject({
  name: z.string(),
  namespace: z.string().optional(),
  clusterName: z.string().optional(),
  subset: StringMap.optional(),
  port: UInt32.optional(),
});

export const WeightedDestination = z
  .strictObject({
    weight: UInt32.optional(),
    kubeService: KubeDestination.optional(),
    virtualDestination: z
      .strictObject({ name: z.string(), namespace: z.string().optional(), subset: StringMap.optional() })
      .optional(),
    staticDestination: ObjectRef.optional(),
    clusterHeader: z.string().optional(),
    options: z.strictObject({ headerManipulation: HeaderManipulation.optional() }).optional(),
  })
  .superRefine(oneOf(['kubeService', 'virtualDestination', 'staticDestination', 'clusterHeader']));
export type WeightedDestination = z.infer<typeof WeightedDestination>;

export const MultiDestination = z.strictObject({ destinations: z.array(WeightedDestination).optional() });

export const FaultInjection = z
  .strictObject({
    fixedDelay: Duration.optional(),
    abort: z.strictObject({ httpStatus: Int32 }).optional(),
    percentage: Percentage.optional(),
  })
  .superRefine(oneOf(['fixedDelay', 'abort']));

export const RetryPolicy = z.strictObject({
  attempts: Int32.optional(),
  perTryTimeout: Duration.optional(),
});

export const CorsPolicy = z.strictObject({
  allowOrigins: z.array(StringMatch).optional(),
  allowMethods: z.array(z.string()).optional(),
  allowHeaders: z.array(z.string()).optional(),
  exposeHeaders: z.array(z.string()).optional(),
  maxAge: Duration.optional(),
  allowCredentials: z.boolean().optional(),
});

export const Mirror = z.strictObject({
  kubeService: ClusterObjectRef.optional(),
  percentage: Percentage.optional(),
  port: UInt32.optional(),
});

export const OutlierDetection = z.strictObject({
  consecutiveErrors: UInt32.optional(),
  interval: Duration.optional(),
  baseEjectionTime: Duration.optional(),
  maxEjectionPercent: UInt32Percentage.optional(),
});

export const IstioTlsMode = z.enum(['DISABLE', 'SIMPLE', 'ISTIO_MUTUAL']);
export const MTLS = z.strictObject({
  istio: z.strictObject({ tlsMode: IstioTlsMode.optional() }).optional(),
});

export const CsrfPolicy = z.strictObject({
  filterEnabled: z.boolean().optional(),
  shadowEnabled: z.boolean().optional(),
  percentage: Double.optional(),
  additionalOrigins: z.array(StringMatch).optional(),
});

/** Rate limiting was an enterprise extension: accepted as written so manifests keep working, not interpreted. */
export const RouteRateLimit = FreeForm;

export const TrafficPolicyPolicy = z.strictObject({
  trafficShift: MultiDestination.optional(),
  faultInjection: FaultInjection.optional(),
  requestTimeout: Duration.optional(),
  retries: RetryPolicy.optional(),
  corsPolicy: CorsPolicy.optional(),
  mirror: Mirror.optional(),
  headerManipulation: HeaderManipulation.optional(),
  outlierDetection: OutlierDetection.optional(),
  mtls: MTLS.optional(),
  csrf: CsrfPolicy.optional(),
  rateLimit: RouteRateLimit.optional(),
});
export type TrafficPolicyPolicy = z.infer<typeof TrafficPolicyPolicy>;

export const TrafficPolicySpec = z.strictObject({
  sourceSelector: z.array(WorkloadSelector).optional(),
  destinationSelector: z.array(DestinationSelector).optional(),
  httpRequestMatchers: z.array(HttpMatcher).optional(),
  policy: TrafficPolicyPolicy.optional(),
});
export type TrafficPolicySpec = z.infer<typeof TrafficPolicySpec>;

export const TrafficPolicyStatus = z.strictObject({
  observedGeneration: Int64.optional(),
  state: ApprovalState.optional(),
  destinations: z.record(z.string(), ApprovalStatus).optional(),
  workloads: z.array(z.string()).optional(),
  errors: z.array(z.string()).optional(),
});
export type TrafficPolicyStatus = z.infer<typeof TrafficPolicyStatus>;

export const trafficPolicyKind = defineKind({
  group: 'networking.mesh.gloo.solo.io',
  version: 'v1',
  kind: 'TrafficPolicy',
  plural: 'trafficpolicies',
  singular: 'trafficpolicy',
  shortNames: ['tp'],
  scope: 'Namespaced',
  description: 'Mesh-neutral traffic rules (timeouts, retries, shifting, faults, …) for selected Destinations.',
  spec: TrafficPolicySpec,
  status: TrafficPolicyStatus,
  printerColumns: [
    { name: 'State', type: 'string', jsonPath: '.status.state' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});
