// What the dashboard's API answers, computed from objects already read from the management cluster
// (and, for detail pages, from the registered clusters' outputs). Pure: no I/O, no clock; the server
// passes the time and the metrics in. An EstateIndex is built once per estate revision, so a page of
// 10,000 Destinations costs a filter and a sort, not a parse of every object.
import type { KubeObject } from '../api/meta.ts';
import { DestinationFields, PolicyFields, WorkloadFields, fields, type Ref } from '../cli/describe-fields.ts';
import {
  describeDestination,
  describeMesh,
  describePolicy,
  describeVirtualMesh,
  describeWorkload,
  statusKeyOf,
  type ClusterReading,
} from '../cli/describe-model.ts';
import type { EstateMetrics, TrafficStats as ProviderStats } from '../metrics/model.ts';
import { toCanonicalYaml } from '../snapshot/yaml.ts';
import type {
  ClusterSummary,
  DestinationDetail,
  DestinationPage,
  DestinationRow,
  Graph,
  GraphEdge,
  GraphNode,
  ListQuery,
  MetricsState,
  Overview,
  PolicyDetail,
  PolicyList,
  PolicySummary,
  Problem,
  TrafficStats,
  VirtualMeshList,
  WorkloadDetail,
  WorkloadPage,
  WorkloadRow,
} from './api-schema.ts';

/** The Mesh Hub objects of the management cluster the dashboard reads (never Secrets). */
export interface EstateObjects {
  readonly clusters: readonly KubeObject[];
  readonly meshes: readonly KubeObject[];
  readonly workloads: readonly KubeObject[];
  readonly destinations: readonly KubeObject[];
  readonly trafficPolicies: readonly KubeObject[];
  readonly accessPolicies: readonly KubeObject[];
  readonly virtualMeshes: readonly KubeObject[];
}

export const ESTATE_KINDS = [
  'clusters',
  'meshes',
  'workloads',
  'destinations',
  'trafficPolicies',
  'accessPolicies',
  'virtualMeshes',
] as const satisfies readonly (keyof EstateObjects)[];
export type EstateKind = (typeof ESTATE_KINDS)[number];

/** Which objects a viewer may read: by kind and namespace (its RBAC, checked by the server). */
export type Visibility = (kind: EstateKind, namespace: string) => boolean;
export const SEE_ALL: Visibility = () => true;

export type ClusterState = ClusterSummary['state'];

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function refText(ref: Ref | undefined): string {
  if (ref === undefined) return '';
  return ref.namespace === undefined || ref.namespace === '' ? ref.name : `${ref.namespace}/${ref.name}`;
}

function keyOf(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

/** The object as YAML, without the fields nobody reads (managedFields, kubectl's last-applied copy). */
export function objectYaml(object: KubeObject): string {
  const { managedFields: _managed, ...metadata } = object.metadata as KubeObject['metadata'] & {
    managedFields?: unknown;
  };
  const annotations = metadata.annotations;
  const cleaned =
    annotations?.['kubectl.kubernetes.io/last-applied-configuration'] === undefined
      ? metadata
      : {
          ...metadata,
          annotations: Object.fromEntries(
            Object.entries(annotations).filter(([key]) => key !== 'kubectl.kubernetes.io/last-applied-configuration'),
          ),
        };
  // A Secret's data never leaves the server, even if one were ever passed here.
  const {
    data: _data,
    stringData: _stringData,
    ...rest
  } = object as KubeObject & { data?: unknown; stringData?: unknown };
  return toCanonicalYaml(object.kind === 'Secret' ? { ...rest, metadata: cleaned } : { ...object, metadata: cleaned });
}

/** A KubernetesCluster's state as the management plane wrote it in its status. */
export function clusterStateOf(object: KubeObject): { state: ClusterState; message?: string } {
  const entries = (object as { status?: { status?: unknown } }).status?.status;
  const first: unknown = Array.isArray(entries) ? entries[0] : undefined;
  const state = typeof first === 'object' && first !== null ? (first as { state?: unknown }).state : undefined;
  const raw = typeof first === 'object' && first !== null ? (first as { message?: unknown }).message : undefined;
  const message = typeof raw === 'string' && raw !== '' ? raw : undefined;
  const withMessage = (s: ClusterState) => (message === undefined ? { state: s } : { state: s, message });
  switch (state) {
    case 'ACCEPTED':
      return withMessage('reachable');
    case 'FAILED':
      return withMessage('unreachable');
    case 'INVALID':
      return withMessage('invalid');
    default:
      return message === undefined
        ? { state: 'pending', message: 'not yet checked by the management plane' }
        : withMessage('pending');
  }
}

function toStats(stats: ProviderStats | undefined): TrafficStats | null {
  if (stats === undefined) return null;
  return { rps: stats.rps, successRate: stats.successRate, p50Ms: stats.p50Ms, p90Ms: stats.p90Ms, p99Ms: stats.p99Ms };
}

/** What the metrics columns say: the provider's per-cluster states, or why there are none. */
export function metricsStateOf(
  metrics: EstateMetrics | undefined,
  windowSeconds: number,
  reason: string | undefined,
): MetricsState {
  if (metrics === undefined) {
    return { available: false, reason: reason ?? 'no metrics provider is configured', windowSeconds, clusters: [] };
  }
  const ok = metrics.clusters.some((c) => c.state === 'ok');
  return {
    available: ok,
    ...(ok ? {} : { reason: 'no cluster has a reachable metrics source' }),
    windowSeconds: metrics.windowSeconds,
    collectedAt: metrics.collectedAt,
    clusters: metrics.clusters.map((c) =>
      c.state === 'ok'
        ? { cluster: c.cluster, state: 'ok' as const, source: c.source }
        : {
            cluster: c.cluster,
            state: 'no-metrics' as const,
            reason: c.reason,
            ...(c.source === undefined ? {} : { source: c.source }),
          },
    ),
  };
}

/** A list's row without its metrics (they change between pages), and the lower-case text a search looks in. */
interface IndexedRow<R extends ListRow> {
  readonly object: KubeObject;
  readonly row: Omit<R, 'metrics'>;
  readonly haystack: string;
}

/** What the Destinations and Workloads lists have in common: what they filter, sort and page on. */
interface ListRow {
  readonly name: string;
  readonly namespace: string;
  readonly cluster: string;
  readonly mesh: string;
  readonly metrics: TrafficStats | null;
}

function policyErrors(policy: KubeObject): { state: string; errors: string[]; destinations: number; rejected: number } {
  const status = fields(PolicyFields, policy).status;
  const errors = [...(status?.errors ?? [])];
  let rejected = 0;
  const entries = Object.entries(status?.destinations ?? {}).sort(([a], [b]) => compare(a, b));
  for (const [key, entry] of entries) {
    if (entry.state === 'INVALID' || entry.state === 'FAILED') rejected++;
    for (const error of entry.errors ?? []) errors.push(`${key.replace(/\.[^.]*\.$/, '')}: ${error}`);
  }
  return { state: status?.state ?? 'PENDING', errors, destinations: entries.length, rejected };
}

function statusCurrent(object: KubeObject): boolean {
  const generation = object.metadata.generation;
  const observed = (object as { status?: { observedGeneration?: unknown } }).status?.observedGeneration;
  return generation === undefined || observed === generation;
}

function matches(haystack: string, query: ListQuery, cluster: string, mesh: string): boolean {
  if (query.cluster !== '' && cluster !== query.cluster) return false;
  if (query.mesh !== '' && mesh !== query.mesh) return false;
  if (query.search === '') return true;
  return query.search
    .toLowerCase()
    .split(/\s+/)
    .filter((word) => word !== '')
    .every((word) => haystack.includes(word));
}

function sortRows<R extends ListRow>(rows: R[], sort: ListQuery['sort']): R[] {
  const by = (value: (row: R) => number) => (a: R, b: R) => value(b) - value(a) || compare(a.name, b.name);
  switch (sort) {
    case 'name':
      return rows.sort((a, b) => compare(a.name, b.name));
    case 'cluster':
      return rows.sort((a, b) => compare(a.cluster, b.cluster) || compare(a.name, b.name));
    case 'mesh':
      return rows.sort((a, b) => compare(a.mesh, b.mesh) || compare(a.name, b.name));
    case 'rps':
      return rows.sort(by((row) => row.metrics?.rps ?? -1));
    case 'errors':
      return rows.sort(by((row) => (row.metrics?.successRate == null ? -1 : 1 - row.metrics.successRate)));
    case 'p99':
      return rows.sort(by((row) => row.metrics?.p99Ms ?? -1));
  }
}

/**
 * One page of a list: the rows of `kind` this viewer may read that match the query (and `keep`), with
 * their metrics (by `namespace/name`), sorted, and the cluster and mesh facets of every readable row.
 */
function listPage<R extends ListRow>(
  revision: number,
  indexed: readonly IndexedRow<R>[],
  kind: EstateKind,
  query: ListQuery,
  visible: Visibility,
  options: {
    readonly metricsState: MetricsState;
    readonly stats: (key: string) => ProviderStats | undefined;
    readonly keep?: (row: Omit<R, 'metrics'>) => boolean;
  },
) {
  const clusters = new Set<string>();
  const meshes = new Set<string>();
  const rows: (Omit<R, 'metrics'> & { metrics: TrafficStats | null })[] = [];
  for (const { row, haystack } of indexed) {
    if (!visible(kind, row.namespace)) continue;
    clusters.add(row.cluster);
    meshes.add(row.mesh);
    if (!matches(haystack, query, row.cluster, row.mesh)) continue;
    if (options.keep !== undefined && !options.keep(row)) continue;
    rows.push({ ...row, metrics: toStats(options.stats(`${row.namespace}/${row.name}`)) });
  }
  const sorted = query.sort === 'name' ? rows : sortRows(rows, query.sort);
  return {
    revision,
    total: sorted.length,
    offset: query.offset,
    limit: query.limit,
    items: sorted.slice(query.offset, query.offset + query.limit),
    facets: { clusters: [...clusters].sort(compare), meshes: [...meshes].sort(compare) },
    metrics: options.metricsState,
  };
}

/** The whole management-cluster estate, indexed once per revision. */
export class EstateIndex {
  readonly revision: number;
  readonly objects: EstateObjects;
  readonly #destinations: IndexedRow<DestinationRow>[];
  readonly #workloads: IndexedRow<WorkloadRow>[];
  readonly #destinationByKey: Map<string, KubeObject>;
  readonly #workloadByKey: Map<string, KubeObject>;

  constructor(objects: EstateObjects, revision: number) {
    this.objects = objects;
    this.revision = revision;
    // Rejections per Destination, from the policies' own statuses (one pass over every policy).
    const rejectedBy = new Map<string, number>();
    for (const policy of [...objects.trafficPolicies, ...objects.accessPolicies]) {
      for (const [key, entry] of Object.entries(fields(PolicyFields, policy).status?.destinations ?? {})) {
        if (entry.state === 'INVALID' || entry.state === 'FAILED') rejectedBy.set(key, (rejectedBy.get(key) ?? 0) + 1);
      }
    }
    this.#destinations = objects.destinations
      .map((object) => {
        const parsed = fields(DestinationFields, object);
        const ref = parsed.spec?.kubeService?.ref;
        const namespace = object.metadata.namespace ?? '';
        const row = {
          name: object.metadata.name,
          namespace,
          cluster: ref?.clusterName ?? '',
          service:
            ref === undefined ? (parsed.spec?.externalService?.name ?? '') : `${ref.namespace ?? ''}/${ref.name}`,
          mesh: refText(parsed.spec?.mesh),
          federated: parsed.status?.appliedFederation !== undefined,
          policies:
            (parsed.status?.appliedTrafficPolicies?.length ?? 0) + (parsed.status?.appliedAccessPolicies?.length ?? 0),
          rejected: rejectedBy.get(statusKeyOf(object.metadata.name, namespace)) ?? 0,
        };
        return { object, row, haystack: `${row.name} ${row.service} ${row.cluster} ${row.mesh}`.toLowerCase() };
      })
      .sort((a, b) => compare(a.row.name, b.row.name));
    this.#workloads = objects.workloads
      .map((object) => {
        const kubernetes = fields(WorkloadFields, object).spec?.kubernetes;
        const controller = kubernetes?.controller;
        const row = {
          name: object.metadata.name,
          namespace: object.metadata.namespace ?? '',
          cluster: controller?.clusterName ?? '',
          controller: controller === undefined ? '' : `${controller.namespace ?? ''}/${controller.name}`,
          mesh: refText(fields(WorkloadFields, object).spec?.mesh),
          serviceAccount: kubernetes?.serviceAccountName ?? '',
        };
        return { object, row, haystack: `${row.name} ${row.controller} ${row.cluster} ${row.mesh}`.toLowerCase() };
      })
      .sort((a, b) => compare(a.row.name, b.row.name));
    this.#destinationByKey = new Map(objects.destinations.map((d) => [keyOf(d), d]));
    this.#workloadByKey = new Map(objects.workloads.map((w) => [keyOf(w), w]));
  }

  #namespaces: Record<EstateKind, string[]> | undefined;

  /** The namespaces that hold objects of each kind: what a viewer's access is checked for. */
  namespaces(): Readonly<Record<EstateKind, readonly string[]>> {
    this.#namespaces ??= Object.fromEntries(
      ESTATE_KINDS.map((kind) => [
        kind,
        [...new Set(this.objects[kind].map((o) => o.metadata.namespace ?? ''))].sort(compare),
      ]),
    ) as Record<EstateKind, string[]>;
    return this.#namespaces;
  }

  destination(namespace: string, name: string): KubeObject | undefined {
    return this.#destinationByKey.get(`${namespace}/${name}`);
  }

  workload(namespace: string, name: string): KubeObject | undefined {
    return this.#workloadByKey.get(`${namespace}/${name}`);
  }

  policy(kind: 'TrafficPolicy' | 'AccessPolicy', namespace: string, name: string): KubeObject | undefined {
    const list = kind === 'TrafficPolicy' ? this.objects.trafficPolicies : this.objects.accessPolicies;
    return list.find((p) => p.metadata.name === name && (p.metadata.namespace ?? '') === namespace);
  }

  overview(
    visible: Visibility,
    since: (cluster: string, state: ClusterState) => string,
    metrics: MetricsState,
  ): Overview {
    const pick = (kind: EstateKind) => this.objects[kind].filter((o) => visible(kind, o.metadata.namespace ?? ''));
    const hidden = ESTATE_KINDS.filter((kind) => this.objects[kind].length > pick(kind).length);
    const clusters = pick('clusters')
      .map((object): ClusterSummary => {
        const { state, message } = clusterStateOf(object);
        return {
          name: object.metadata.name,
          namespace: object.metadata.namespace ?? '',
          state,
          ...(message === undefined ? {} : { message }),
          since: since(object.metadata.name, state),
        };
      })
      .sort((a, b) => compare(a.name, b.name));
    const meshes = pick('meshes')
      .map((object) => {
        const mesh = describeMesh(object, [], []);
        return {
          name: mesh.name,
          namespace: mesh.namespace,
          type: mesh.type,
          ...(mesh.version === undefined ? {} : { version: mesh.version }),
          ...(mesh.cluster === undefined ? {} : { cluster: mesh.cluster }),
        };
      })
      .sort((a, b) => compare(a.name, b.name));
    const byType = new Map<string, { type: string; version: string; count: number }>();
    for (const mesh of meshes) {
      const version = mesh.version ?? 'unknown';
      const key = `${mesh.type}/${version}`;
      const entry = byType.get(key) ?? { type: mesh.type, version, count: 0 };
      byType.set(key, { ...entry, count: entry.count + 1 });
    }
    const problems: Problem[] = [];
    for (const cluster of clusters) {
      if (cluster.state !== 'reachable') {
        problems.push({
          kind: 'KubernetesCluster',
          namespace: cluster.namespace,
          name: cluster.name,
          state: cluster.state,
          message: cluster.message ?? cluster.state,
        });
      }
    }
    for (const [kind, list] of [
      ['TrafficPolicy', pick('trafficPolicies')],
      ['AccessPolicy', pick('accessPolicies')],
    ] as const) {
      for (const policy of list) {
        const { state, errors, rejected } = policyErrors(policy);
        if (state === 'ACCEPTED' && rejected === 0) continue;
        if (state === 'PENDING' && errors.length === 0) continue;
        problems.push({
          kind,
          namespace: policy.metadata.namespace ?? '',
          name: policy.metadata.name,
          state,
          message: errors[0] ?? `${String(rejected)} Destinations rejected it`,
        });
      }
    }
    for (const virtualMesh of pick('virtualMeshes')) {
      const description = describeVirtualMesh(virtualMesh);
      if (description.state === 'ACCEPTED' || (description.state === 'PENDING' && description.errors.length === 0))
        continue;
      const meshError = description.meshStates.flatMap((m) => m.errors.map((e) => `${m.name}: ${e}`))[0];
      problems.push({
        kind: 'VirtualMesh',
        namespace: description.namespace,
        name: description.name,
        state: description.state,
        message: description.errors[0] ?? meshError ?? description.state,
      });
    }
    return {
      revision: this.revision,
      clusters,
      meshes,
      meshesByType: [...byType.values()].sort((a, b) => compare(a.type, b.type) || compare(a.version, b.version)),
      counts: {
        clusters: clusters.length,
        meshes: meshes.length,
        workloads: pick('workloads').length,
        destinations: pick('destinations').length,
        trafficPolicies: pick('trafficPolicies').length,
        accessPolicies: pick('accessPolicies').length,
        virtualMeshes: pick('virtualMeshes').length,
      },
      problems: problems.sort(
        (a, b) => compare(a.kind, b.kind) || compare(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`),
      ),
      hidden,
      metrics,
    };
  }

  destinationPage(
    query: ListQuery,
    visible: Visibility,
    metrics: EstateMetrics | undefined,
    metricsState: MetricsState,
  ): DestinationPage {
    return listPage(this.revision, this.#destinations, 'destinations', query, visible, {
      metricsState,
      stats: (key) => metrics?.destinations.get(key),
      keep: (row) => query.state !== 'rejected' || row.rejected !== 0,
    });
  }

  workloadPage(
    query: ListQuery,
    visible: Visibility,
    metrics: EstateMetrics | undefined,
    metricsState: MetricsState,
  ): WorkloadPage {
    return listPage(this.revision, this.#workloads, 'workloads', query, visible, {
      metricsState,
      stats: (key) => metrics?.workloads.get(key),
    });
  }

  destinationDetail(
    object: KubeObject,
    visible: Visibility,
    readings: readonly ClusterReading[],
    metrics: EstateMetrics | undefined,
  ): DestinationDetail {
    const policies = [
      ...this.objects.trafficPolicies.filter((p) => visible('trafficPolicies', p.metadata.namespace ?? '')),
      ...this.objects.accessPolicies.filter((p) => visible('accessPolicies', p.metadata.namespace ?? '')),
    ];
    const description = describeDestination(object, policies, readings);
    const seen = (kind: 'TrafficPolicy' | 'AccessPolicy', namespace: string) =>
      visible(kind === 'TrafficPolicy' ? 'trafficPolicies' : 'accessPolicies', namespace);
    const policyList = (list: typeof description.policies.applied) =>
      list
        .filter((p) => seen(p.kind, p.namespace))
        .map((p) => ({ ...p, errors: [...p.errors], warnings: [...p.warnings] }));
    return {
      revision: this.revision,
      name: description.name,
      namespace: description.namespace,
      ...(description.cluster === undefined ? {} : { cluster: description.cluster }),
      ...(description.service === undefined
        ? {}
        : { service: `${description.service.namespace}/${description.service.name}` }),
      ...(description.mesh === undefined ? {} : { mesh: description.mesh }),
      ...(description.hostname === undefined ? {} : { hostname: description.hostname }),
      ports: description.ports.map(
        (p) =>
          `${p.name ?? ''}${p.name === undefined ? '' : ' '}${String(p.port ?? '?')}/${p.protocol ?? 'TCP'}${p.targetPort === undefined ? '' : ` → ${p.targetPort}`}`,
      ),
      ...(description.federation === undefined
        ? {}
        : {
            federation: {
              ...(description.federation.hostname === undefined ? {} : { hostname: description.federation.hostname }),
              meshes: [...description.federation.meshes],
              ...(description.federation.virtualMesh === undefined
                ? {}
                : { virtualMesh: description.federation.virtualMesh }),
            },
          }),
      policies: {
        applied: policyList(description.policies.applied),
        rejected: policyList(description.policies.rejected),
        pending: policyList(description.policies.pending),
      },
      outputs: withYaml(description.outputs, readings),
      metrics: toStats(metrics?.destinations.get(keyOf(object))),
      yaml: objectYaml(object),
    };
  }

  workloadDetail(object: KubeObject, visible: Visibility, metrics: EstateMetrics | undefined): WorkloadDetail {
    const policies = [
      ...this.objects.trafficPolicies.filter((p) => visible('trafficPolicies', p.metadata.namespace ?? '')),
      ...this.objects.accessPolicies.filter((p) => visible('accessPolicies', p.metadata.namespace ?? '')),
    ];
    const description = describeWorkload(
      object,
      this.objects.destinations.filter((d) => visible('destinations', d.metadata.namespace ?? '')),
      policies,
    );
    return {
      revision: this.revision,
      name: description.name,
      namespace: description.namespace,
      ...(description.cluster === undefined ? {} : { cluster: description.cluster }),
      ...(description.controller === undefined ? {} : { controller: description.controller }),
      ...(description.mesh === undefined ? {} : { mesh: description.mesh }),
      ...(description.serviceAccount === undefined ? {} : { serviceAccount: description.serviceAccount }),
      destinations: [...description.destinations],
      sourceOf: description.sourceOf.map((s) => ({ ...s })),
      metrics: toStats(metrics?.workloads.get(keyOf(object))),
      yaml: objectYaml(object),
    };
  }

  policies(visible: Visibility): PolicyList {
    const items: PolicySummary[] = [];
    for (const [kind, estateKind] of [
      ['TrafficPolicy', 'trafficPolicies'],
      ['AccessPolicy', 'accessPolicies'],
    ] as const) {
      for (const policy of this.objects[estateKind]) {
        if (!visible(estateKind, policy.metadata.namespace ?? '')) continue;
        const { state, errors, destinations, rejected } = policyErrors(policy);
        items.push({
          kind,
          name: policy.metadata.name,
          namespace: policy.metadata.namespace ?? '',
          state,
          statusCurrent: statusCurrent(policy),
          errors,
          destinations,
          rejectedDestinations: rejected,
        });
      }
    }
    const hidden = (['trafficPolicies', 'accessPolicies'] as const).filter((kind) =>
      this.objects[kind].some((p) => !visible(kind, p.metadata.namespace ?? '')),
    );
    return {
      revision: this.revision,
      items: items.sort((a, b) => compare(`${a.namespace}/${a.name}/${a.kind}`, `${b.namespace}/${b.name}/${b.kind}`)),
      hidden,
    };
  }

  policyDetail(policy: KubeObject, visible: Visibility, readings: readonly ClusterReading[]): PolicyDetail {
    const description = describePolicy(
      policy,
      this.objects.destinations.filter((d) => visible('destinations', d.metadata.namespace ?? '')),
      readings,
    );
    return {
      revision: this.revision,
      kind: description.kind,
      name: description.name,
      namespace: description.namespace,
      state: description.state,
      statusCurrent: description.statusCurrent,
      errors: [...description.errors],
      destinationSelectors: [...description.destinationSelectors],
      sourceSelectors: [...description.sourceSelectors],
      destinations: description.destinations.map((d) => ({ ...d, errors: [...d.errors], warnings: [...d.warnings] })),
      workloads: [...description.workloads],
      outputs: withYaml(description.outputs, readings),
      yaml: objectYaml(policy),
    };
  }

  /** `now` (epoch ms) decides which certificates are expiring. */
  virtualMeshes(visible: Visibility, readings: readonly ClusterReading[], now: number): VirtualMeshList {
    const items = this.objects.virtualMeshes
      .filter((v) => visible('virtualMeshes', v.metadata.namespace ?? ''))
      .map((v) => {
        const d = describeVirtualMesh(v, readings, now);
        return {
          name: d.name,
          namespace: d.namespace,
          meshes: [...d.meshes],
          mtls: d.mtls,
          federation: d.federation,
          globalAccessPolicy: d.globalAccessPolicy,
          state: d.state,
          statusCurrent: d.statusCurrent,
          errors: [...d.errors],
          meshStates: d.meshStates.map((m) => ({ ...m, errors: [...m.errors] })),
          destinationStates: d.destinationStates.map((m) => ({ ...m, errors: [...m.errors] })),
          certificates: d.certificates.map((c) => ({ ...c, expiry: { ...c.expiry } })),
          unreadableClusters: d.unreadableClusters.map((c) => ({ ...c })),
        };
      })
      .sort((a, b) => compare(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`));
    return {
      revision: this.revision,
      items,
      hidden: this.objects.virtualMeshes.some((v) => !visible('virtualMeshes', v.metadata.namespace ?? ''))
        ? ['virtualMeshes']
        : [],
    };
  }

  /**
   * The service graph: every edge the metrics provider measured between objects this viewer may read,
   * the busiest first when there are more than `maxEdges`; without metrics, the Destinations alone.
   */
  graph(visible: Visibility, metrics: EstateMetrics | undefined, metricsState: MetricsState, maxEdges = 400): Graph {
    const nodes = new Map<string, GraphNode>();
    const destinationNode = (key: string): GraphNode | undefined => {
      const object = this.#destinationByKey.get(key);
      if (object === undefined || !visible('destinations', object.metadata.namespace ?? '')) return undefined;
      const ref = fields(DestinationFields, object).spec?.kubeService?.ref;
      return {
        id: key,
        kind: 'Destination',
        name: ref?.name ?? object.metadata.name,
        cluster: ref?.clusterName ?? '',
        mesh: refText(fields(DestinationFields, object).spec?.mesh),
      };
    };
    const workloadNode = (key: string): GraphNode | undefined => {
      const object = this.#workloadByKey.get(key);
      if (object === undefined || !visible('workloads', object.metadata.namespace ?? '')) return undefined;
      const parsed = fields(WorkloadFields, object).spec;
      return {
        id: key,
        kind: 'Workload',
        name: parsed?.kubernetes?.controller?.name ?? object.metadata.name,
        cluster: parsed?.kubernetes?.controller?.clusterName ?? '',
        mesh: refText(parsed?.mesh),
      };
    };
    const edges: GraphEdge[] = [];
    const sorted = [...(metrics?.edges ?? [])].sort(
      (a, b) => b.stats.rps - a.stats.rps || compare(`${a.from ?? ''}>${a.to}`, `${b.from ?? ''}>${b.to}`),
    );
    for (const edge of sorted) {
      const to = destinationNode(edge.to);
      const from = edge.from === null ? undefined : workloadNode(edge.from);
      if (to === undefined || (edge.from !== null && from === undefined)) continue;
      if (edges.length >= maxEdges) break;
      nodes.set(to.id, to);
      const source = from ?? {
        id: 'outside',
        kind: 'Outside' as const,
        name: 'outside the estate',
        cluster: '',
        mesh: '',
      };
      nodes.set(source.id, source);
      edges.push({
        from: source.id,
        to: to.id,
        crossCluster: edge.crossCluster,
        stats: toStats(edge.stats) ?? edge.stats,
      });
    }
    let truncated = edges.length < sorted.length && edges.length >= maxEdges;
    if (edges.length === 0) {
      // No traffic to draw: the Destinations, so the graph still shows the estate's shape.
      for (const key of this.#destinationByKey.keys()) {
        if (nodes.size >= maxEdges) {
          truncated = true;
          break;
        }
        const node = destinationNode(key);
        if (node !== undefined) nodes.set(node.id, node);
      }
    }
    return {
      revision: this.revision,
      nodes: [...nodes.values()].sort((a, b) => compare(a.cluster, b.cluster) || compare(a.id, b.id)),
      edges,
      metrics: metricsState,
      truncated,
    };
  }
}

/** The described outputs with the YAML of each object, as its cluster's reading holds it. */
function withYaml(
  outputs: readonly {
    cluster: string;
    reachable: boolean;
    error?: string;
    objects: readonly {
      apiVersion: string;
      kind: string;
      namespace: string;
      name: string;
      relation: 'parent' | 'federated' | 'translated';
    }[];
  }[],
  readings: readonly ClusterReading[],
): DestinationDetail['outputs'] {
  return outputs.map((output) => {
    const reading = readings.find((r) => r.cluster === output.cluster);
    return {
      cluster: output.cluster,
      reachable: output.reachable,
      ...(output.error === undefined ? {} : { error: output.error }),
      objects: output.objects.map((written) => {
        const found = reading?.objects.find(
          (o) =>
            o.kind === written.kind &&
            o.apiVersion === written.apiVersion &&
            o.metadata.name === written.name &&
            (o.metadata.namespace ?? '') === written.namespace,
        );
        return { ...written, yaml: found === undefined ? '' : objectYaml(found) };
      }),
    };
  });
}
