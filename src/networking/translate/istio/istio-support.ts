// What Istio can express of Mesh Hub's API, and what each feature becomes: the Istio column of the
// support matrix, and the features a TrafficPolicy is rejected for on Istio Destinations.
import type { MeshSupport } from '../support.ts';

const supported = (how: string) => ({ level: 'supported', how }) as const;

export const ISTIO_SUPPORT: MeshSupport = {
  meshName: 'Istio',
  features: {
    requestTimeout: supported('VirtualService route timeout'),
    retries: supported('VirtualService route retries'),
    corsPolicy: supported('VirtualService route corsPolicy'),
    faultInjection: supported('VirtualService route fault'),
    mirror: supported('VirtualService route mirror and mirrorPercentage'),
    headerManipulation: supported('VirtualService route headers'),
    trafficShift: supported(
      'VirtualService weighted routes; subsets in the DestinationRule; other clusters through federation',
    ),
    outlierDetection: supported('DestinationRule trafficPolicy.outlierDetection'),
    mtls: supported('DestinationRule trafficPolicy.tls'),
    csrf: { level: 'unsupported', how: 'Istio has no CSRF setting on routes; it needs an Envoy filter' },
    rateLimit: {
      level: 'unsupported',
      how: 'Istio rate limiting needs an external rate-limit service and Envoy filters',
    },
    requestMatchers: supported('VirtualService route match'),
    sourceSelector: supported('VirtualService match sourceLabels and sourceNamespace'),
    accessPolicy: supported("AuthorizationPolicy ALLOW rules on the Service's pods"),
    sharedTrust: supported('IssuedCertificate: an intermediate CA per cluster, issued by the cert agent into cacerts'),
    federation: supported(
      'Gateway on the east-west gateway; ServiceEntry, DestinationRule and VirtualService in the other clusters',
    ),
    globalAccessDeny: supported("AuthorizationPolicy with an empty spec in the mesh's root namespace"),
    failover: supported('ServiceEntry, DestinationRule localityLbSetting and VirtualService for the global host'),
  },
};
