// `meshctl version`: the client version, and the management plane's as read from its Deployment on the
// management cluster (the image tag it runs), or why it could not be read.
import type { KubeObject } from '../../api/meta.ts';
import { KubeApiError } from '../../kube/client.ts';
import { DEPLOYMENT, resourcePath } from '../../kube/resources.ts';
import { CONTROLLER_NAME } from '../../install/manifests.ts';
import { managementClient } from '../clients.ts';
import type { CommandIO, GlobalOptions } from '../context.ts';
import { printResult } from '../output.ts';
import { clientVersion } from '../version.ts';

/** `meshctl version` should answer quickly even when the management cluster does not. */
const SERVER_TIMEOUT_MS = 5000;

export type ServerVersion =
  | {
      readonly state: 'installed';
      readonly version: string;
      readonly image: string;
      readonly deployment: string;
      readonly readyReplicas: number;
      readonly replicas: number;
    }
  | { readonly state: 'not installed'; readonly deployment: string }
  | { readonly state: 'not reachable'; readonly error: string };

interface DeploymentFields {
  spec?: { replicas?: number; template?: { spec?: { containers?: { name?: string; image?: string }[] } } };
  status?: { readyReplicas?: number };
}

/** The tag of an image reference (`repo:tag`, `repo:tag@sha256:…`); the digest when there is no tag. */
export function imageVersion(image: string): string {
  const [name = '', digest] = image.split('@');
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) return name.slice(colon + 1);
  return digest ?? 'latest';
}

export function serverVersionOf(deployment: KubeObject): ServerVersion {
  const fields = deployment as DeploymentFields;
  const containers = fields.spec?.template?.spec?.containers ?? [];
  const image = (containers.find((c) => c.name === 'controller') ?? containers[0])?.image ?? '';
  return {
    state: 'installed',
    version: imageVersion(image),
    image,
    deployment: `${deployment.metadata.namespace ?? ''}/${deployment.metadata.name}`,
    readyReplicas: fields.status?.readyReplicas ?? 0,
    replicas: fields.spec?.replicas ?? 1,
  };
}

async function readServerVersion(globals: GlobalOptions, namespace: string): Promise<ServerVersion> {
  const deployment = `${namespace}/${CONTROLLER_NAME}`;
  try {
    const mgmt = managementClient(globals);
    const object = await mgmt.request<KubeObject>(
      'GET',
      resourcePath(DEPLOYMENT, namespace, CONTROLLER_NAME),
      undefined,
      'application/json',
      SERVER_TIMEOUT_MS,
    );
    return serverVersionOf(object);
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return { state: 'not installed', deployment };
    return { state: 'not reachable', error: error instanceof Error ? error.message : String(error) };
  }
}

function serverLine(server: ServerVersion): string {
  switch (server.state) {
    case 'installed':
      return `${server.version} (${server.deployment}, ${String(server.readyReplicas)}/${String(server.replicas)} ready)`;
    case 'not installed':
      return `not installed (no Deployment ${server.deployment}; see \`meshctl install\`, or -n for another install namespace)`;
    case 'not reachable':
      return `not reachable (${server.error})`;
  }
}

export function versionAction(io: CommandIO, globals: () => GlobalOptions) {
  return async (flags: { client?: boolean; namespace: string }) => {
    const g = globals();
    const client = { version: clientVersion() };
    const data = flags.client === true ? { client } : { client, server: await readServerVersion(g, flags.namespace) };
    printResult(io, g.outputFormat, data, () =>
      data.server === undefined
        ? `client: ${client.version}\n`
        : `client: ${client.version}\nserver: ${serverLine(data.server)}\n`,
    );
  };
}
