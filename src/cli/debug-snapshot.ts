// What `meshctl debug snapshot` writes, from objects already read: the input tree (what the management
// plane reads, in the `meshctl render` input layout) and the output tree (what it wrote, in the render
// output layout), cleaned of server bookkeeping, with every Secret value redacted. Pure: no I/O.
import type { KubeObject } from '../api/meta.ts';
import { OWNER_IDENTITY_LABEL } from '../api/labels.ts';
import { KUBECONFIG_SECRET_TYPE } from '../reconcile/registered-clusters.ts';
import { layoutOutputTree } from '../snapshot/output.ts';

export const REDACTED = 'REDACTED';

/** kubectl keeps the last applied object here; for a Secret that is its data in clear text. */
const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

function redactValues(values: unknown): unknown {
  if (typeof values !== 'object' || values === null || Array.isArray(values)) return values;
  return Object.fromEntries(Object.keys(values).map((key) => [key, REDACTED]));
}

/**
 * The object as written to a snapshot, or undefined when it must not be written at all (a kubeconfig
 * Secret: registration credentials). Drops what the API server adds for its own bookkeeping, which the
 * pure core never reads and which would only make two snapshots differ.
 */
export function sanitizeObject(object: KubeObject): KubeObject | undefined {
  const isSecret = object.kind === 'Secret' && object.apiVersion === 'v1';
  if (isSecret && (object as { type?: unknown }).type === KUBECONFIG_SECRET_TYPE) return undefined;
  const {
    managedFields: _managedFields,
    resourceVersion: _resourceVersion,
    uid: _uid,
    selfLink: _selfLink,
    creationTimestamp: _creationTimestamp,
    annotations,
    labels,
    ownerReferences,
    ...metadata
  } = object.metadata as KubeObject['metadata'] & { managedFields?: unknown; selfLink?: unknown };
  const keptAnnotations = Object.entries(annotations ?? {}).filter(([key]) => key !== LAST_APPLIED_ANNOTATION);
  // The management plane's identity is stamped when applying, never rendered: without it a replayed
  // snapshot's outputs compare equal to `meshctl render` of its inputs.
  const keptLabels = Object.entries(labels ?? {}).filter(([key]) => key !== OWNER_IDENTITY_LABEL);
  const cleaned: KubeObject = {
    ...object,
    metadata: {
      ...metadata,
      ...(keptLabels.length === 0 ? {} : { labels: Object.fromEntries(keptLabels) }),
      ...(keptAnnotations.length === 0 ? {} : { annotations: Object.fromEntries(keptAnnotations) }),
      ...(ownerReferences === undefined
        ? {}
        : { ownerReferences: ownerReferences.map(({ uid: _ownerUid, ...reference }) => reference) }),
    },
  };
  if (!isSecret) return cleaned;
  const secret = cleaned as KubeObject & { data?: unknown; stringData?: unknown };
  return {
    ...secret,
    ...(secret.data === undefined ? {} : { data: redactValues(secret.data) }),
    ...(secret.stringData === undefined ? {} : { stringData: redactValues(secret.stringData) }),
  };
}

export function sanitizeObjects(objects: readonly KubeObject[]): KubeObject[] {
  return objects.flatMap((object) => {
    const cleaned = sanitizeObject(object);
    return cleaned === undefined ? [] : [cleaned];
  });
}

export interface ClusterSnapshot {
  readonly cluster: string;
  /** False when the cluster could not be reached with its registration credentials. */
  readonly reachable: boolean;
  /** What could not be read (the whole cluster, or single types). */
  readonly errors: readonly string[];
  /** What discovery reads there. */
  readonly input: readonly KubeObject[];
  /** What Mesh Hub of this install namespace wrote there (owner label). */
  readonly output: readonly KubeObject[];
}

export interface DebugSnapshot {
  readonly takenAt: string;
  readonly meshctlVersion: string;
  readonly server: string;
  readonly installNamespace: string;
  /** Management-cluster objects the pure core reads (with their current status). */
  readonly mgmtInput: readonly KubeObject[];
  /** Discovered objects and policies with status, as the management plane wrote them. */
  readonly mgmtOutput: readonly KubeObject[];
  readonly mgmtErrors: readonly string[];
  readonly clusters: readonly ClusterSnapshot[];
}

function tree(prefix: string, mgmt: readonly KubeObject[], clusters: ReadonlyMap<string, readonly KubeObject[]>) {
  const cleaned = new Map([...clusters].map(([cluster, objects]) => [cluster, sanitizeObjects(objects)] as const));
  const files = layoutOutputTree({ mgmt: sanitizeObjects(mgmt), clusters: cleaned, warnings: [] });
  return [...files].map(([path, content]) => [`${prefix}/${path}`, content] as const);
}

const DISCOVERED_KINDS = new Set(['Mesh', 'Workload', 'Destination']);

/**
 * The API server counts the generations of what the management plane writes; `meshctl render` output
 * has none, so without them `diff -r output replay` shows only real differences.
 */
function withoutGeneration(object: KubeObject): KubeObject {
  const { generation: _generation, ...metadata } = object.metadata;
  return { ...object, metadata };
}

/** Every file of the snapshot, relative path → content, sorted; README.txt says what is where. */
export function snapshotFiles(snapshot: DebugSnapshot): Map<string, string> {
  const input = new Map(snapshot.clusters.map((c) => [c.cluster, c.input] as const));
  const output = new Map(snapshot.clusters.map((c) => [c.cluster, c.output.map(withoutGeneration)] as const));
  const mgmtOutput = snapshot.mgmtOutput.map((o) => (DISCOVERED_KINDS.has(o.kind) ? withoutGeneration(o) : o));
  const files = new Map<string, string>([
    ...tree('input', snapshot.mgmtInput, input),
    ...tree('output', mgmtOutput, output),
  ]);
  files.set('README.txt', readme(snapshot));
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function readme(snapshot: DebugSnapshot): string {
  const ns = snapshot.installNamespace;
  const lines = [
    'Mesh Hub debug snapshot',
    '',
    `taken at:            ${snapshot.takenAt}`,
    `meshctl:             ${snapshot.meshctlVersion}`,
    `management cluster:  ${snapshot.server}`,
    `install namespace:   ${ns}`,
    '',
    'input/   what the management plane reads, in the `meshctl render` input layout:',
    '         input/mgmt/ the policies, VirtualMeshes, VirtualDestinations, Settings and KubernetesClusters',
    '         (with their current status), input/clusters/<cluster>/ what discovery reads in each',
    '         registered cluster (and its VirtualServices).',
    'output/  what it wrote, in the render output layout: output/mgmt/ the discovered Meshes, Workloads',
    '         and Destinations and every policy with its status; output/clusters/<cluster>/ the objects',
    `         labelled owner.networking.mesh.gloo.solo.io=${ns} in each registered cluster.`,
    '',
    'Replay it offline and compare:',
    `  meshctl render --input input --namespace ${ns} --output replay`,
    '  diff -r output replay',
    '(KubernetesCluster status is the live reachability the management plane saw; render leaves it out.)',
    '',
    'Registered clusters:',
  ];
  if (snapshot.clusters.length === 0) lines.push('  (none)');
  for (const cluster of snapshot.clusters) {
    const state = !cluster.reachable ? 'UNREACHABLE' : cluster.errors.length > 0 ? 'PARTLY READ' : 'ok';
    lines.push(
      `  ${cluster.cluster}: ${state} (${cluster.input.length} input objects, ${cluster.output.length} output objects)`,
    );
    for (const error of cluster.errors) lines.push(`    error: ${error}`);
  }
  if (snapshot.mgmtErrors.length > 0) {
    lines.push('', 'Not read from the management cluster:');
    for (const error of snapshot.mgmtErrors) lines.push(`  error: ${error}`);
  }
  lines.push(
    '',
    `Redaction: every value of a Secret's data and stringData is replaced by ${REDACTED}; kubeconfig`,
    'Secrets (the registration credentials) are not included at all. Other objects are as read',
    '(ConfigMaps, pod specs and their environment): review them before sharing the snapshot.',
    '',
  );
  return lines.join('\n');
}
