// What the plan stage decides (see plan.ts), as types: the translators and the status code read
// these, and the planning steps build them up one on top of the other.
import type { RootCertificateEntry } from '../../certs/issued-certificates.ts';
import type { AccessPolicy, Mesh, TrafficPolicy } from '../model.ts';
import type { IndexedDestination, NetworkingIndex } from '../networking-index.ts';
import type { createDestinationSelector } from '../validate/destination-selection.ts';
import type { MeshSupport } from '../translate/support.ts';
import type { FederationPlan } from './federation.ts';
import type { VirtualDestinationPlan } from './virtual-destinations.ts';
import type { VirtualMeshMemberships } from './virtual-mesh-membership.ts';

export interface PolicySelection<P> {
  /** Policy-level errors: the policy applies nowhere. */
  readonly errors: ReadonlyMap<P, readonly string[]>;
  /** Destination order → policies selecting it, in input order. */
  readonly byDestination: ReadonlyMap<number, readonly P[]>;
  /** Policy without errors → the Destinations it selects, in Destination order. */
  readonly selected: ReadonlyMap<P, readonly IndexedDestination[]>;
}

/** Destination selectors evaluated once per selector shape for the whole pass (and the passes that reuse its plan). */
export type DestinationSelector = ReturnType<typeof createDestinationSelector>;

/** The index with memberships decided: what federation planning reads. */
export interface MembershipPlan extends NetworkingIndex {
  /** Mesh key → key of the VirtualMesh that groups it (the oldest, when several claim it). */
  readonly virtualMeshOfMesh: ReadonlyMap<string, string>;
  /** Which Meshes each VirtualMesh groups, with the reasons for those it cannot. */
  readonly virtualMeshes: VirtualMeshMemberships;
  /** What a Mesh's translator declares it can express; undefined for meshes no translator serves. */
  readonly supportOf: (mesh: Mesh) => MeshSupport | undefined;
}

/** Memberships and federation decided: what VirtualDestination planning reads. */
export interface FederatedPlan extends MembershipPlan {
  /** Gateways of member Meshes, and which Destinations are federated where. */
  readonly federation: FederationPlan;
}

export interface NetworkingPlan extends FederatedPlan {
  readonly virtualDestinations: readonly VirtualDestinationPlan[];
  readonly selectDestinations: DestinationSelector;
  readonly trafficSelection: PolicySelection<TrafficPolicy>;
  readonly accessSelection: PolicySelection<AccessPolicy>;
  /** Root CA certificates the caller can read (absent in `meshctl render`). */
  readonly rootCertificates: ReadonlyMap<string, RootCertificateEntry> | undefined;
}
