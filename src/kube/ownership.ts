// Which objects a management plane may consider its own. The owner label holds only the install
// namespace's name, which two management planes (or a Gloo Mesh 1.x beside Mesh Hub) may share;
// the identity label holds the UID of the install namespace on this plane's management cluster,
// which no other plane has. Objects are stamped in the apply layer (the pure core and its golden
// files know nothing of it), and only objects carrying both are ever deleted.
import { OWNER_IDENTITY_LABEL, OWNER_LABEL } from '../api/labels.ts';
import type { KubeObject } from '../api/meta.ts';
import type { KubeClient } from './client.ts';
import { NAMESPACE } from './resources.ts';

/** The object with the identity label set (a copy; the input is shared with the render). */
export function withIdentity(object: KubeObject, identity: string): KubeObject {
  if (object.metadata.labels?.[OWNER_IDENTITY_LABEL] === identity) return object;
  return {
    ...object,
    metadata: { ...object.metadata, labels: { ...object.metadata.labels, [OWNER_IDENTITY_LABEL]: identity } },
  };
}

/**
 * Whether this plane wrote the object: its owner label (OWNER_LABEL, or DISCOVERY_OWNER_LABEL for
 * discovered objects) names the install namespace and its identity label is this plane's. Objects
 * with another identity, or none (written by another plane, or before identities existed), are not.
 */
export function ownedBy(
  object: KubeObject,
  installNamespace: string,
  identity: string,
  ownerLabel: string = OWNER_LABEL,
): boolean {
  const labels = object.metadata.labels;
  return labels?.[ownerLabel] === installNamespace && labels[OWNER_IDENTITY_LABEL] === identity;
}

/** This management plane's identity: the UID of its install namespace on the management cluster. */
export async function readIdentity(mgmt: KubeClient, installNamespace: string): Promise<string> {
  const namespace = await mgmt.get(NAMESPACE, installNamespace);
  const uid = namespace?.metadata.uid;
  if (uid === undefined || uid === '') {
    throw new Error(
      `the install namespace ${installNamespace} does not exist on the management cluster ${mgmt.server}: its UID is this management plane's identity`,
    );
  }
  return uid;
}
