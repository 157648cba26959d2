// `meshctl describe KIND NAME`: what Mesh Hub knows and did about one object — for a Destination the
// policies that apply or were rejected and the objects written for it in every registered cluster; for
// a policy its per-Destination results. This file reads; describe-model.ts decides what to show.
import type { KubeObject } from '../../api/meta.ts';
import { KubeApiError, type KubeClient } from '../../kube/client.ts';
import {
  ACCESS_POLICY,
  DESTINATION,
  hubType,
  MESH,
  MESH_HUB_ROLE,
  MESH_HUB_ROLE_BINDING,
  TRAFFIC_POLICY,
  VIRTUAL_MESH,
  WORKLOAD,
  type ResourceType,
} from '../../kube/resources.ts';
import { describeRole, formatRoleDescription } from '../../rbac/describe-role.ts';
import { managementClient } from '../clients.ts';
import { asClusterFailure } from '../cluster-failure.ts';
import { CommandError, type CommandIO, type GlobalOptions } from '../context.ts';
import { readSignedCertificates } from '../describe-certificates.ts';
import { connectRegisteredClusters, errorText, listOwnedOutputs } from '../describe-clusters.ts';
import {
  KIND_OF,
  describeDestination,
  describeMesh,
  describePolicy,
  describeVirtualMesh,
  describeWorkload,
  installNamespacesOfPolicy,
  notFoundMessage,
  parseObjectArgument,
  type ClusterReading,
  type DescribeKind,
  type Description,
} from '../describe-model.ts';
import { formatDescription } from '../describe-text.ts';
import { printResult } from '../output.ts';
import { rolesAndBindings } from './rbac.ts';

const TYPE_OF: Readonly<Record<DescribeKind, ResourceType>> = {
  destination: DESTINATION,
  workload: WORKLOAD,
  mesh: MESH,
  trafficpolicy: TRAFFIC_POLICY,
  accesspolicy: ACCESS_POLICY,
  virtualmesh: VIRTUAL_MESH,
};

/** Lists a type; a missing CRD (404) reads as no objects, so one absent kind does not stop describe. */
async function listOrEmpty(mgmt: KubeClient, type: ResourceType, namespace?: string): Promise<KubeObject[]> {
  try {
    return (await mgmt.list(type, namespace === undefined ? {} : { namespace })).items;
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return [];
    throw error;
  }
}

/**
 * The owner-labelled objects of every cluster registered in an install namespace, one reading per
 * cluster; with `certificates`, also what its CertificateRequests say of the certificates signed.
 */
export async function readRegisteredOutputs(
  mgmt: KubeClient,
  installNamespace: string,
  options: { readonly certificates?: boolean } = {},
): Promise<ClusterReading[]> {
  const registrations = await listOrEmpty(mgmt, hubType('KubernetesCluster'), installNamespace);
  const access = await connectRegisteredClusters(mgmt, installNamespace, registrations);
  return Promise.all(
    access.map(async ({ cluster, client, error }): Promise<ClusterReading> => {
      if (client === undefined) return { cluster, reachable: false, error: error ?? 'unreachable', objects: [] };
      try {
        const [listing, signedCertificates] = await Promise.all([
          listOwnedOutputs(client, installNamespace),
          options.certificates === true ? readSignedCertificates(client) : undefined,
        ]);
        return {
          cluster,
          reachable: true,
          ...(listing.errors.length === 0 ? {} : { error: listing.errors.join('; ') }),
          objects: listing.objects,
          ...(signedCertificates === undefined ? {} : { signedCertificates }),
        };
      } catch (caught) {
        return { cluster, reachable: false, error: errorText(caught), objects: [] };
      }
    }),
  );
}

async function findObject(
  mgmt: KubeClient,
  kind: DescribeKind,
  wanted: { name: string; namespace: string },
): Promise<KubeObject> {
  const type = TYPE_OF[kind];
  const found = await mgmt.get(type, wanted.name, wanted.namespace);
  if (found !== undefined) return found;
  // Not there: look for near matches. Policies and VirtualMeshes may be in any namespace.
  const anyNamespace = kind === 'trafficpolicy' || kind === 'accesspolicy' || kind === 'virtualmesh';
  let candidates: string[];
  try {
    const list = await mgmt.list(type, anyNamespace ? {} : { namespace: wanted.namespace });
    candidates = list.items.map((o) =>
      anyNamespace ? `${o.metadata.namespace ?? ''}/${o.metadata.name}` : o.metadata.name,
    );
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) {
      throw new CommandError(
        `Mesh Hub is not installed on the management cluster (no ${type.kind} CRD): run \`meshctl install\``,
      );
    }
    throw error;
  }
  const scope = anyNamespace ? 'in any namespace' : `in namespace ${wanted.namespace}`;
  throw new CommandError(notFoundMessage(KIND_OF[kind], wanted, candidates, scope));
}

async function allPolicies(mgmt: KubeClient): Promise<KubeObject[]> {
  const [traffic, access] = await Promise.all([listOrEmpty(mgmt, TRAFFIC_POLICY), listOrEmpty(mgmt, ACCESS_POLICY)]);
  return [...traffic, ...access];
}

/** Reads what describing one object needs and builds its description. */
export async function describeObject(
  mgmt: KubeClient,
  kind: DescribeKind,
  wanted: { name: string; namespace: string },
): Promise<Description> {
  const object = await findObject(mgmt, kind, wanted);
  const namespace = object.metadata.namespace ?? wanted.namespace;
  switch (kind) {
    case 'destination': {
      // A Destination lives in its install namespace: that is where its clusters are registered.
      const [policies, readings] = await Promise.all([allPolicies(mgmt), readRegisteredOutputs(mgmt, namespace)]);
      return describeDestination(object, policies, readings);
    }
    case 'trafficpolicy':
    case 'accesspolicy': {
      // The install namespaces are those of the Destinations in the policy's status.
      const installNamespaces = installNamespacesOfPolicy(object);
      const [destinations, readings] = await Promise.all([
        Promise.all(installNamespaces.map((ns) => listOrEmpty(mgmt, DESTINATION, ns))).then((l) => l.flat()),
        Promise.all(installNamespaces.map((ns) => readRegisteredOutputs(mgmt, ns))).then((l) => l.flat()),
      ]);
      return describePolicy(object, destinations, readings);
    }
    case 'workload': {
      const [destinations, policies] = await Promise.all([
        listOrEmpty(mgmt, DESTINATION, namespace),
        allPolicies(mgmt),
      ]);
      return describeWorkload(object, destinations, policies);
    }
    case 'mesh': {
      const [workloads, destinations] = await Promise.all([
        listOrEmpty(mgmt, WORKLOAD, namespace),
        listOrEmpty(mgmt, DESTINATION, namespace),
      ]);
      return describeMesh(object, workloads, destinations);
    }
    case 'virtualmesh': {
      // The install namespaces are those of its Meshes; their clusters hold the IssuedCertificates.
      const spec = (object as { spec?: { meshes?: { namespace?: string }[] } }).spec;
      const installNamespaces = [...new Set((spec?.meshes ?? []).map((m) => m.namespace ?? namespace))].sort();
      const readings = (
        await Promise.all(installNamespaces.map((ns) => readRegisteredOutputs(mgmt, ns, { certificates: true })))
      ).flat();
      return describeVirtualMesh(object, readings, Date.now());
    }
  }
}

async function describeRoleNamed(mgmt: KubeClient, wanted: { name: string; namespace: string }) {
  const object = await mgmt.get(MESH_HUB_ROLE, wanted.name, wanted.namespace);
  if (object === undefined) throw new CommandError(`Role ${wanted.namespace}/${wanted.name} not found`);
  const { roles, bindings } = rolesAndBindings([
    { object, where: `cluster ${mgmt.cluster}` },
    ...(await listOrEmpty(mgmt, MESH_HUB_ROLE_BINDING, wanted.namespace)).map((binding) => ({
      object: binding,
      where: `cluster ${mgmt.cluster}`,
    })),
  ]);
  const [role] = roles;
  if (role === undefined) throw new CommandError(`Role ${wanted.namespace}/${wanted.name} not found`);
  return describeRole(role, bindings);
}

export function describeAction(io: CommandIO, globals: () => GlobalOptions) {
  return async (kind: DescribeKind | 'role', name: string, flags: { namespace: string }) => {
    const wanted = parseObjectArgument(name, flags.namespace);
    if (wanted.name === '' || wanted.namespace === '') {
      throw new CommandError(`${JSON.stringify(name)}: give a name, or namespace/name`, 2);
    }
    const g = globals();
    const mgmt = managementClient(g);
    if (kind === 'role') {
      try {
        const role = await describeRoleNamed(mgmt, wanted);
        printResult(io, g.outputFormat, role, () => formatRoleDescription(role));
      } catch (error) {
        if (error instanceof KubeApiError) throw asClusterFailure(error, [mgmt]);
        throw error;
      }
      return;
    }
    let description: Description;
    try {
      description = await describeObject(mgmt, kind, wanted);
    } catch (error) {
      // The management cluster refusing or not answering is for the user to fix, not a bug.
      if (error instanceof KubeApiError) throw asClusterFailure(error, [mgmt]);
      throw error;
    }
    printResult(io, g.outputFormat, description, () => formatDescription(description));
  };
}
