// Reads what `meshctl create` offers from the management cluster: discovered objects from the install
// namespace, policies from every namespace (the management plane watches them all).
import type { KubeObject } from '../../api/meta.ts';
import { KubeApiError, type KubeClient } from '../../kube/client.ts';
import { MESH_HUB_TYPES, type ResourceType } from '../../kube/resources.ts';
import { CommandError } from '../context.ts';
import { catalogFromObjects, type Catalog } from './catalog.ts';

const FROM_INSTALL_NAMESPACE = ['Mesh', 'Destination', 'Workload', 'KubernetesCluster', 'Settings'];
const FROM_EVERY_NAMESPACE = ['TrafficPolicy', 'AccessPolicy', 'VirtualMesh', 'VirtualDestination'];

function typeOf(kind: string): ResourceType {
  const type = MESH_HUB_TYPES.find((t) => t.kind === kind);
  if (type === undefined) throw new Error(`no Mesh Hub kind ${kind}`);
  return type;
}

export async function readCatalog(mgmt: KubeClient, installNamespace: string): Promise<Catalog> {
  const read = async (kind: string, namespace: string | undefined): Promise<KubeObject[]> => {
    try {
      return (await mgmt.list(typeOf(kind), namespace === undefined ? {} : { namespace })).items;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) {
        throw new CommandError(
          `Mesh Hub is not installed on the management cluster (no ${kind} resource): run \`meshctl install\` first`,
        );
      }
      throw error;
    }
  };
  const lists = await Promise.all([
    ...FROM_INSTALL_NAMESPACE.map((kind) => read(kind, installNamespace)),
    ...FROM_EVERY_NAMESPACE.map((kind) => read(kind, undefined)),
  ]);
  return catalogFromObjects(installNamespace, lists.flat());
}
