// `meshctl debug snapshot`: the management plane's current input and output as files in the render
// layout, Secret values redacted, so a bug report can be replayed with `meshctl render`.
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { KubeObject } from '../../api/meta.ts';
import { KubeApiError, type KubeClient } from '../../kube/client.ts';
import {
  DESTINATION,
  DISCOVERY_INPUT_TYPES,
  hubType,
  ISTIO_OUTPUT_TYPES,
  MESH,
  SECRET,
  WORKLOAD,
  type ResourceType,
} from '../../kube/resources.ts';
import { managementClient } from '../clients.ts';
import { asClusterFailure } from '../cluster-failure.ts';
import { CommandError, type CommandIO, type GlobalOptions } from '../context.ts';
import {
  connectRegisteredClusters,
  errorText,
  listOwnedOutputs,
  listRegistrations,
  listTypes,
} from '../describe-clusters.ts';
import { snapshotFiles, type ClusterSnapshot, type DebugSnapshot } from '../debug-snapshot.ts';
import { formatData } from '../output.ts';
import { clientVersion } from '../version.ts';

/** Policies and VirtualMeshes are read in every namespace, as the management plane reads them. */
const EVERY_NAMESPACE_KINDS = ['TrafficPolicy', 'AccessPolicy', 'VirtualMesh', 'VirtualDestination'];
const INSTALL_NAMESPACE_KINDS = ['Settings'];

const VIRTUAL_SERVICE = ISTIO_OUTPUT_TYPES.find((t) => t.kind === 'VirtualService');

/** Lists on the management cluster; a failure becomes a line in the README, not an exit. */
async function listMgmt(
  mgmt: KubeClient,
  type: ResourceType,
  namespace: string | undefined,
  errors: string[],
): Promise<KubeObject[]> {
  try {
    return (await mgmt.list(type, namespace === undefined ? {} : { namespace })).items;
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) {
      errors.push(`${type.kind}: its CRD is not installed`);
    } else {
      errors.push(`${type.kind}: ${errorText(error)}`);
    }
    return [];
  }
}

/** Root CA Secrets named by VirtualMeshes: present in the snapshot (redacted) so a report shows they exist. */
async function rootCaSecrets(mgmt: KubeClient, virtualMeshes: readonly KubeObject[], errors: string[]) {
  const secrets: KubeObject[] = [];
  for (const virtualMesh of virtualMeshes) {
    const ref = (
      virtualMesh as {
        spec?: {
          mtlsConfig?: { shared?: { rootCertificateAuthority?: { secret?: { name?: string; namespace?: string } } } };
        };
      }
    ).spec?.mtlsConfig?.shared?.rootCertificateAuthority?.secret;
    if (ref?.name === undefined) continue;
    const namespace = ref.namespace ?? virtualMesh.metadata.namespace ?? '';
    try {
      const secret = await mgmt.get(SECRET, ref.name, namespace);
      if (secret !== undefined) secrets.push({ ...secret, apiVersion: 'v1', kind: 'Secret' });
    } catch (error) {
      errors.push(`Secret ${namespace}/${ref.name}: ${errorText(error)}`);
    }
  }
  return secrets;
}

async function readCluster(
  cluster: string,
  client: KubeClient | undefined,
  unreachable: string | undefined,
  installNamespace: string,
): Promise<ClusterSnapshot> {
  if (client === undefined) {
    return { cluster, reachable: false, errors: [unreachable ?? 'unreachable'], input: [], output: [] };
  }
  const inputTypes =
    VIRTUAL_SERVICE === undefined ? DISCOVERY_INPUT_TYPES : [...DISCOVERY_INPUT_TYPES, VIRTUAL_SERVICE];
  const [input, output] = await Promise.all([
    listTypes(client, inputTypes),
    listOwnedOutputs(client, installNamespace),
  ]);
  const errors = [...input.errors, ...output.errors.map((e) => `output ${e}`)];
  // Every type failing means the cluster stopped answering after the probe.
  const reachable = !(input.objects.length === 0 && input.errors.length === inputTypes.length);
  return { cluster, reachable, errors, input: input.objects, output: output.objects };
}

/** Reads everything a snapshot holds; unreachable clusters and unreadable types are recorded, not thrown. */
export async function takeDebugSnapshot(mgmt: KubeClient, installNamespace: string, now: Date): Promise<DebugSnapshot> {
  const mgmtErrors: string[] = [];
  const registrations = await listRegistrations(mgmt, installNamespace);
  const [everywhere, inInstallNamespace, discovered] = await Promise.all([
    Promise.all(EVERY_NAMESPACE_KINDS.map((kind) => listMgmt(mgmt, hubType(kind), undefined, mgmtErrors))),
    Promise.all(INSTALL_NAMESPACE_KINDS.map((kind) => listMgmt(mgmt, hubType(kind), installNamespace, mgmtErrors))),
    Promise.all([MESH, WORKLOAD, DESTINATION].map((type) => listMgmt(mgmt, type, installNamespace, mgmtErrors))),
  ]);
  const mgmtObjects = [...everywhere.flat(), ...inInstallNamespace.flat(), ...registrations];
  const secrets = await rootCaSecrets(
    mgmt,
    mgmtObjects.filter((o) => o.kind === 'VirtualMesh'),
    mgmtErrors,
  );
  const access = await connectRegisteredClusters(mgmt, installNamespace, registrations);
  const clusters = await Promise.all(
    access.map(({ cluster, client, error }) => readCluster(cluster, client, error, installNamespace)),
  );
  return {
    takenAt: now.toISOString(),
    meshctlVersion: clientVersion(),
    server: mgmt.server,
    installNamespace,
    mgmtInput: [...mgmtObjects, ...secrets],
    mgmtOutput: [...mgmtObjects, ...discovered.flat()],
    mgmtErrors,
    clusters,
  };
}

function isEmptyOrAbsent(dir: string): boolean {
  try {
    if (!statSync(dir).isDirectory()) return false;
  } catch {
    return true;
  }
  return readdirSync(dir).length === 0;
}

/** Writes the files owner-only: pod specs and ConfigMaps may hold things that are not for everyone. */
export function writeSnapshot(dir: string, files: ReadonlyMap<string, string>): void {
  const root = resolve(dir);
  if (!isEmptyOrAbsent(root)) {
    throw new CommandError(
      `${dir} exists and is not an empty folder: choose a new one (the snapshot never overwrites)`,
    );
  }
  mkdirSync(root, { recursive: true, mode: 0o700 });
  for (const [name, content] of files) {
    const path = join(root, name);
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, content, { mode: 0o600 });
  }
}

export interface SnapshotSummary {
  readonly directory: string;
  readonly installNamespace: string;
  readonly files: number;
  readonly clusters: readonly {
    readonly name: string;
    readonly reachable: boolean;
    readonly inputObjects: number;
    readonly outputObjects: number;
    readonly errors: readonly string[];
  }[];
  readonly managementErrors: readonly string[];
  readonly replay: string;
}

export function debugSnapshotAction(io: CommandIO, globals: () => GlobalOptions) {
  return async (flags: { output: string; namespace: string }) => {
    const g = globals();
    if (!isEmptyOrAbsent(resolve(flags.output))) {
      throw new CommandError(`${flags.output} exists and is not an empty folder: choose a new one`);
    }
    const mgmt = managementClient(g);
    let snapshot: DebugSnapshot;
    try {
      snapshot = await takeDebugSnapshot(mgmt, flags.namespace, new Date());
    } catch (error) {
      // Without the management cluster there is nothing to snapshot; that is for the user to fix.
      if (error instanceof KubeApiError) throw asClusterFailure(error, [mgmt]);
      throw error;
    }
    const files = snapshotFiles(snapshot);
    writeSnapshot(flags.output, files);
    const summary: SnapshotSummary = {
      directory: flags.output,
      installNamespace: flags.namespace,
      files: files.size,
      clusters: snapshot.clusters.map((c) => ({
        name: c.cluster,
        reachable: c.reachable,
        inputObjects: c.input.length,
        outputObjects: c.output.length,
        errors: c.errors,
      })),
      managementErrors: snapshot.mgmtErrors,
      replay: `meshctl render --input ${join(flags.output, 'input')} --namespace ${flags.namespace}`,
    };
    for (const cluster of summary.clusters) {
      for (const error of cluster.errors) io.stderr(`warning: cluster ${cluster.name}: ${error}\n`);
    }
    for (const error of summary.managementErrors) io.stderr(`warning: management cluster: ${error}\n`);
    if (snapshot.clusters.length === 0 && snapshot.mgmtOutput.length === 0) {
      io.stderr(
        `warning: nothing of Mesh Hub found in namespace ${flags.namespace}: is it the install namespace (-n)?\n`,
      );
    }
    io.stdout(
      formatData(g.outputFormat, summary, () => ({
        headers: ['CLUSTER', 'STATE', 'INPUT', 'OUTPUT'],
        rows: [
          [
            'mgmt',
            summary.managementErrors.length === 0 ? 'ok' : 'partly read',
            String(snapshot.mgmtInput.length),
            String(snapshot.mgmtOutput.length),
          ],
          ...summary.clusters.map((c) => [
            c.name,
            !c.reachable ? 'unreachable' : c.errors.length > 0 ? 'partly read' : 'ok',
            String(c.inputObjects),
            String(c.outputObjects),
          ]),
        ],
      })),
    );
    if (g.outputFormat === 'table') {
      io.stdout(`wrote ${summary.files} files to ${summary.directory} (see README.txt there)\n`);
      io.stdout(`replay: ${summary.replay}\n`);
    }
  };
}
