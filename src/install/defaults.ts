// Install defaults that meshctl's help shows, apart from the manifests so that help loads nothing
// heavy (manifests.ts re-exports them).

export const CONTROLLER_NAME = 'mesh-hub-controller';
export const DEFAULT_IMAGE = 'ghcr.io/mesh-hub/mesh-hub';
/** The Istio control plane namespace the cert agent writes `cacerts` into unless told others. */
export const DEFAULT_MESH_NAMESPACES: readonly string[] = ['istio-system'];
/** The Lease that elects the one active management-plane replica. */
export const LEASE_NAME = 'mesh-hub-controller';
