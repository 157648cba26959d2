// Which Meshes each VirtualMesh groups. A Mesh belongs to at most one VirtualMesh: the oldest one
// that lists it (by creationTimestamp, then namespace/name) keeps it, a later one gets an error for
// that Mesh. Meshes that were not discovered, meshes of a type no translator serves, and VirtualMeshes asking for something Mesh Hub cannot do (limited trust, a Vault intermediate CA)
// are reported per Mesh, as Gloo Mesh 1.x reports them in `status.meshes`.
import { sharedTrustErrors } from '../../certs/trust-policy.ts';
import { compareStrings, objectRefKey, refKey, statusKey } from '../keys.ts';
import { meshTypeName, meshTypeOf } from '../mesh-type.ts';
import type { Mesh, VirtualMesh } from '../model.ts';
import type { MeshSupport } from '../translate/support.ts';

export type MeshState = 'ACCEPTED' | 'INVALID';

export interface MeshMembership {
  readonly mesh: Mesh | undefined;
  /** `<name>.<namespace>.`: the key of the Mesh in `status.meshes`. */
  readonly statusKey: string;
  readonly state: MeshState;
  readonly errors: readonly string[];
}

export interface VirtualMeshCheck {
  readonly virtualMesh: VirtualMesh;
  /** `namespace/name`, as refKey. */
  readonly key: string;
  /** Problems of the VirtualMesh as a whole (its spec); each one also makes every Mesh INVALID. */
  readonly errors: readonly string[];
  /** One entry per Mesh the spec lists, in spec order (duplicates once). */
  readonly meshes: readonly MeshMembership[];
  /** The accepted Meshes, sorted by key: the members that get trust, federation and access policy. */
  readonly members: readonly Mesh[];
}

export interface VirtualMeshMemberships {
  /** One check per VirtualMesh, in input order. */
  readonly checks: readonly VirtualMeshCheck[];
  /** Mesh key → the check of the VirtualMesh it is an accepted member of. */
  readonly byMesh: ReadonlyMap<string, VirtualMeshCheck>;
  readonly byVirtualMesh: ReadonlyMap<VirtualMesh, VirtualMeshCheck>;
}

/** Where roots may be read from (the install namespace and those the Settings allow). */
export interface TrustScope {
  readonly installNamespace: string;
  readonly rootNamespaces: readonly string[];
}

/** Spec problems no Mesh can be grouped with. */
function specErrors(virtualMesh: VirtualMesh, trust: TrustScope | undefined): string[] {
  const errors: string[] = [];
  const mtls = virtualMesh.spec.mtlsConfig;
  if (mtls?.limited !== undefined) {
    errors.push('spec.mtlsConfig.limited: limited trust is not supported (as in Gloo Mesh 1.x); use shared trust');
  }
  if (mtls?.shared?.intermediateCertificateAuthority !== undefined) {
    errors.push(
      'spec.mtlsConfig.shared.intermediateCertificateAuthority: an intermediate CA from Vault is not supported; use rootCertificateAuthority',
    );
  }
  if (trust !== undefined) errors.push(...sharedTrustErrors(virtualMesh, trust.installNamespace, trust.rootNamespaces));
  if ((virtualMesh.spec.meshes ?? []).length === 0) errors.push('spec.meshes: lists no Mesh');
  return errors;
}

/** Oldest first; objects without a creationTimestamp (files given to `meshctl render`) after dated ones. */
function compareAge(a: VirtualMesh, b: VirtualMesh): number {
  const ta = a.metadata.creationTimestamp;
  const tb = b.metadata.creationTimestamp;
  if (ta !== undefined && tb !== undefined && ta !== tb) {
    // RFC 3339 timestamps in UTC compare as instants; parse in case of offsets.
    const diff = Date.parse(ta) - Date.parse(tb);
    if (!Number.isNaN(diff) && diff !== 0) return diff;
  }
  if (ta !== undefined && tb === undefined) return -1;
  if (ta === undefined && tb !== undefined) return 1;
  return compareStrings(objectRefKey(a), objectRefKey(b));
}

export function decideMemberships(
  virtualMeshes: readonly VirtualMesh[],
  meshByKey: ReadonlyMap<string, Mesh>,
  supportOf: (mesh: Mesh) => MeshSupport | undefined,
  trust?: TrustScope,
): VirtualMeshMemberships {
  const owner = new Map<string, VirtualMesh>();
  const decided = new Map<VirtualMesh, VirtualMeshCheck>();
  for (const virtualMesh of [...virtualMeshes].sort(compareAge)) {
    const errors = specErrors(virtualMesh, trust);
    const namespace = virtualMesh.metadata.namespace ?? '';
    const seen = new Set<string>();
    const meshes: MeshMembership[] = [];
    for (const ref of virtualMesh.spec.meshes ?? []) {
      // An ObjectRef without a namespace names a Mesh in the VirtualMesh's own namespace.
      const key = refKey({ name: ref.name, namespace: ref.namespace ?? namespace });
      if (seen.has(key)) continue;
      seen.add(key);
      const mesh = meshByKey.get(key);
      const meshStatusKey = `${ref.name}.${ref.namespace ?? namespace}.`;
      const reject = (...reasons: string[]) =>
        meshes.push({ mesh, statusKey: meshStatusKey, state: 'INVALID', errors: reasons });
      if (errors.length > 0) {
        reject(...errors);
        continue;
      }
      if (mesh === undefined) {
        reject(`Mesh ${key} was not discovered`);
        continue;
      }
      // What a member's mesh cannot express (trust, federation) is its translator's to report.
      if (supportOf(mesh) === undefined) {
        const type = meshTypeOf(mesh);
        reject(
          `Mesh ${key} is a ${type === undefined ? 'mesh of unknown type' : `${meshTypeName(type)} mesh`}, which Mesh Hub does not configure; it cannot join a VirtualMesh`,
        );
        continue;
      }
      const other = owner.get(key);
      if (other !== undefined) {
        reject(
          `Mesh ${key} already belongs to VirtualMesh ${objectRefKey(other)}, which is older; a Mesh can be in one VirtualMesh only`,
        );
        continue;
      }
      owner.set(key, virtualMesh);
      meshes.push({ mesh, statusKey: statusKey(mesh), state: 'ACCEPTED', errors: [] });
    }
    const members = meshes
      .flatMap((m) => (m.state === 'ACCEPTED' && m.mesh !== undefined ? [m.mesh] : []))
      .sort((a, b) => compareStrings(objectRefKey(a), objectRefKey(b)));
    decided.set(virtualMesh, { virtualMesh, key: objectRefKey(virtualMesh), errors, meshes, members });
  }
  const checks = virtualMeshes.map((virtualMesh) => {
    const check = decided.get(virtualMesh);
    if (check === undefined) throw new Error(`decideMemberships: VirtualMesh ${objectRefKey(virtualMesh)} not decided`);
    return check;
  });
  const byMesh = new Map<string, VirtualMeshCheck>();
  for (const [key, virtualMesh] of owner) {
    const check = decided.get(virtualMesh);
    if (check !== undefined) byMesh.set(key, check);
  }
  return { checks, byMesh, byVirtualMesh: decided };
}
