// What Mesh Hub can express on Open Service Mesh v1.2 (its last release), feature by feature. The
// support matrix and the status messages for unsupported features are generated from this table.
import type { MeshSupport } from '../support.ts';
export const OSM_MESH_NAME = 'Open Service Mesh';

export const OSM_SUPPORT: MeshSupport = {
  meshName: OSM_MESH_NAME,
  features: {
    requestTimeout: {
      level: 'unsupported',
      how: 'OSM 1.2 has no request timeout setting: UpstreamTrafficSetting v1alpha1 holds connection limits and rate limits only',
    },
    retries: {
      level: 'partial',
      how: 'a Retry (policy.openservicemesh.io/v1alpha1) per source service account; OSM reads Retry objects only when its MeshConfig sets featureFlags.enableRetryPolicy, which Mesh Hub reports',
    },
    corsPolicy: { level: 'unsupported', how: 'OSM has no CORS setting' },
    faultInjection: { level: 'unsupported', how: 'OSM has no fault injection' },
    mirror: { level: 'unsupported', how: 'OSM has no request mirroring' },
    headerManipulation: { level: 'unsupported', how: 'OSM has no header manipulation on routes' },
    trafficShift: {
      level: 'partial',
      how: "an SMI TrafficSplit (split.smi-spec.io/v1alpha2) named after the root Service; backends are whole Services in the root Service's namespace and cluster (no subsets, ports or other clusters)",
    },
    outlierDetection: {
      level: 'unsupported',
      how: 'OSM 1.2 has no outlier detection: UpstreamTrafficSetting v1alpha1 holds connection limits and rate limits only',
    },
    mtls: {
      level: 'unsupported',
      how: 'OSM always uses its own mTLS between meshed workloads and has no per-Destination TLS mode',
    },
    csrf: { level: 'unsupported', how: 'OSM has no CSRF setting' },
    rateLimit: {
      level: 'unsupported',
      how: "the policy's rateLimit is a free-form extension that UpstreamTrafficSetting's local rate limit cannot express faithfully",
    },
    requestMatchers: {
      level: 'unsupported',
      how: "OSM's TrafficSplit and Retry apply to every request to the Service; they take no HTTP match",
    },
    sourceSelector: {
      level: 'partial',
      how: 'retries: one Retry per selected source service account; a TrafficSplit applies to every client, so a traffic shift cannot select sources',
    },
    accessPolicy: {
      level: 'partial',
      how: "an SMI TrafficTarget (access.smi-spec.io/v1alpha3) from the allowed service accounts to the Destination's, with an HTTPRouteGroup (specs.smi-spec.io/v1alpha4) of the allowed paths and methods; SMI authorizes service accounts, not Services, and has no ports",
    },
    sharedTrust: {
      level: 'unsupported',
      how: 'OSM issues workload certificates from its own CA (MeshRootCertificate); it cannot take an intermediate CA from Mesh Hub',
    },
    federation: { level: 'unsupported', how: 'OSM 1.2 has no multicluster support' },
    globalAccessDeny: {
      level: 'partial',
      how: "OSM already denies traffic no TrafficTarget allows unless its MeshConfig sets enablePermissiveTrafficPolicyMode; Mesh Hub does not manage the MeshConfig: it reports a permissive mesh, or a warning when the cluster's objects do not show the MeshConfig",
    },
    failover: { level: 'unsupported', how: 'OSM 1.2 has no multicluster support, so no cross-cluster failover' },
  },
};
