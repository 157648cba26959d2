// Status of VirtualMeshes and of the Meshes they group, as Gloo Mesh 1.x reports them: on the
// VirtualMesh its observedGeneration, state, errors, the result per Mesh and per federated
// Destination; on each member Mesh the VirtualMesh applied to it and its east-west gateways.
import type { ApprovalState, ApprovalStatus } from '../api/common/selectors.ts';
import type { MeshStatus } from '../api/discovery/v1/mesh.ts';
import type { VirtualMeshStatus } from '../api/networking/v1/virtual-mesh.ts';
import { compareStrings, objectRef, objectRefKey, statusKey } from './keys.ts';
import type { Mesh, VirtualDestination } from './model.ts';
import type { VirtualDestinationPlan } from './plan/virtual-destinations.ts';
import type { VirtualMeshCheck } from './plan/virtual-mesh-membership.ts';
import type { NetworkingPlan } from './plan/plan-model.ts';

/** Per member Mesh: notes from translation (trust, access policy) for its entry in `status.meshes`. */
export type MeshNotes = ReadonlyMap<
  string,
  { readonly errors: readonly string[]; readonly warnings: readonly string[] }
>;

function stateOf(status: { readonly state?: ApprovalState | undefined }): ApprovalState {
  return status.state ?? 'PENDING';
}

export function virtualMeshStatus(check: VirtualMeshCheck, index: NetworkingPlan, notes: MeshNotes): VirtualMeshStatus {
  const meshes: Record<string, ApprovalStatus> = {};
  for (const membership of check.meshes) {
    const meshKey = membership.mesh === undefined ? undefined : objectRefKey(membership.mesh);
    const federation = meshKey === undefined ? undefined : index.federation.meshes.get(meshKey);
    const note = meshKey === undefined ? undefined : notes.get(meshKey);
    const errors = [
      ...membership.errors,
      ...(membership.state === 'ACCEPTED' ? [...(federation?.errors ?? []), ...(note?.errors ?? [])] : []),
    ];
    const warnings =
      membership.state === 'ACCEPTED' ? [...(federation?.warnings ?? []), ...(note?.warnings ?? [])] : [];
    meshes[membership.statusKey] = {
      state: membership.state === 'ACCEPTED' && errors.length > 0 ? 'FAILED' : membership.state,
      ...(errors.length > 0 ? { errors } : {}),
      ...(warnings.length > 0 ? { warnings } : {}),
    };
  }
  const destinations: Record<string, ApprovalStatus> = {};
  // The plan holds Destinations in index order, which is status-key order.
  for (const [destination, federation] of index.federation.destinations) {
    if (federation.check !== check) continue;
    destinations[destination.statusKey] =
      federation.errors.length > 0 ? { state: 'FAILED', errors: [...federation.errors] } : { state: 'ACCEPTED' };
  }
  const errors = [...check.errors, ...(index.federation.errors.get(check) ?? [])];
  const states = Object.values(meshes).map(stateOf);
  const state: ApprovalState =
    errors.length > 0 || states.includes('INVALID')
      ? 'INVALID'
      : states.includes('FAILED') || Object.values(destinations).some((d) => d.state === 'FAILED')
        ? 'FAILED'
        : 'ACCEPTED';
  const generation = check.virtualMesh.metadata.generation;
  return {
    ...(generation === undefined ? {} : { observedGeneration: generation }),
    state,
    ...(errors.length > 0 ? { errors } : {}),
    ...(Object.keys(meshes).length > 0 ? { meshes: sortedRecord(meshes) } : {}),
    ...(Object.keys(destinations).length > 0 ? { destinations } : {}),
  };
}

function sortedRecord<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => compareStrings(a, b)));
}

/** A Mesh with `appliedVirtualMesh` and `appliedEastWestIngressGateways` when it is a member. */
export function meshWithStatus(
  mesh: Mesh,
  index: NetworkingPlan,
  virtualDestinations: readonly VirtualDestinationPlan[],
): Mesh {
  const key = objectRefKey(mesh);
  const check = index.virtualMeshes.byMesh.get(key);
  const {
    appliedVirtualMesh: _v,
    appliedEastWestIngressGateways: _g,
    appliedVirtualDestinations: _d,
    ...kept
  } = mesh.status ?? {};
  const applied = virtualDestinations
    .filter((plan) => plan.errors.length === 0 && plan.exportTo.includes(mesh))
    .map((plan) => {
      const generation = plan.virtualDestination.metadata.generation;
      return {
        ref: objectRef(plan.virtualDestination),
        ...(generation === undefined ? {} : { observedGeneration: generation }),
      };
    });
  const withDestinations = applied.length > 0 ? { ...kept, appliedVirtualDestinations: applied } : kept;
  if (check === undefined) {
    return mesh.status === undefined && applied.length === 0 ? mesh : { ...mesh, status: withDestinations };
  }
  const generation = check.virtualMesh.metadata.generation;
  const gateways = index.federation.meshes.get(key)?.gateways ?? [];
  const status: MeshStatus = {
    ...withDestinations,
    appliedVirtualMesh: {
      ref: objectRef(check.virtualMesh),
      ...(generation === undefined ? {} : { observedGeneration: generation }),
      spec: check.virtualMesh.spec,
    },
    ...(gateways.length > 0
      ? {
          appliedEastWestIngressGateways: gateways.map((gateway) => ({
            destinationRef: objectRef(gateway.destination.destination),
            externalAddresses: [...gateway.externalAddresses],
            destinationPort: gateway.destinationPort,
            containerPort: gateway.containerPort,
          })),
        }
      : {}),
  };
  return { ...mesh, status };
}

/** Status of a VirtualDestination: per exported Mesh, the backing Destinations, and its errors. */
export function virtualDestinationStatus(plan: VirtualDestinationPlan): NonNullable<VirtualDestination['status']> {
  const generation = plan.virtualDestination.metadata.generation;
  const invalid = plan.errors.length > 0;
  const meshes: Record<string, ApprovalStatus> = {};
  for (const mesh of plan.exportTo) {
    meshes[statusKey(mesh)] = invalid
      ? { state: 'INVALID', errors: [...plan.errors] }
      : { state: 'ACCEPTED', ...(plan.warnings.length > 0 ? { warnings: [...plan.warnings] } : {}) };
  }
  return {
    ...(generation === undefined ? {} : { observedGeneration: generation }),
    state: invalid ? 'INVALID' : 'ACCEPTED',
    ...(Object.keys(meshes).length > 0 ? { meshes: sortedRecord(meshes) } : {}),
    ...(plan.backing.length > 0
      ? {
          selectedDestinations: plan.backing.map(({ destination }) => ({
            ref: objectRef(destination.destination),
            ...(destination.service === undefined
              ? {}
              : {
                  destination: {
                    kubeService: {
                      name: destination.service.name,
                      namespace: destination.service.namespace,
                      clusterName: destination.service.cluster,
                    },
                  },
                }),
          })),
        }
      : {}),
    ...(invalid ? { errors: [...plan.errors] } : {}),
  };
}
