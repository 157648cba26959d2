// Following a PodBounceDirective: restart the pods it names, selector by selector, so that istiod
// serves the new CA before gateways and workloads ask it for certificates, and workloads restart
// only once istiod has copied the new root into their namespace.
//
// Pods are restarted through the Eviction API, so PodDisruptionBudgets hold: a refused eviction
// (429) is retried later, and status.pendingPods / status.waiting say which pods wait and why.
// Only pods a selector with labels picks, in the namespace it names, are ever evicted.
//
// Progress lives on the directive, not in memory, so a restarted agent neither repeats nor skips a
// step: status.podsBounced[i] lists the pods evicted for selector i, and the annotation
// BOUNCE_FOR_ANNOTATION names the signed certificate (its digest) that progress is for. A new
// certificate starts over: the status is emptied first, then the annotation set.
//
// The decision (nextBounceStep) asks its questions through BounceFacts and never waits: it answers
// "waiting" and the agent looks again a little later.
import { z } from 'zod';
import { podBounceDirectiveKind } from '../api/certificates/v1/pod-bounce-directive.ts';
import { apiVersionOf, type Resource } from '../api/kind.ts';
import type { KubeObject } from '../api/meta.ts';
import { KubeApiError, type KubeClient } from '../kube/client.ts';
import { CONFIG_MAP, POD, POD_BOUNCE_DIRECTIVE, resourcePath, SECRET } from '../kube/resources.ts';

export type PodBounceDirective = Resource<typeof podBounceDirectiveKind>;
export type PodSelector = NonNullable<PodBounceDirective['spec']['podsToBounce']>[number];
type BouncedPods = NonNullable<NonNullable<PodBounceDirective['status']>['podsBounced']>;

/** On a PodBounceDirective: the digest of the signed certificate its status.podsBounced is for. */
export const BOUNCE_FOR_ANNOTATION = 'certificates.meshhub.dev/bounce-for';
/** The field manager of the agent's own metadata patches (not `mesh-hub`: the management plane's applies would drop them). */
export const AGENT_FIELD_MANAGER = 'mesh-hub-cert-agent';

/** What the agent needs to know of a pod. */
export interface PodFacts {
  readonly name: string;
  /** Condition Ready=True. */
  readonly ready: boolean;
  /** Deletion requested (deletionTimestamp set). */
  readonly terminating: boolean;
}

export interface BounceFacts {
  /** The pods selector `index` matches now (none for a selector without labels). */
  readonly pods: (index: number) => Promise<readonly PodFacts[]>;
  /** Whether selector `index`'s rootCertSync holds (true when it has none). */
  readonly rootSynced: (index: number) => Promise<boolean>;
}

export type BounceStep =
  /** Every selector's pods were restarted for this certificate and their replacements are ready. */
  | { readonly kind: 'done' }
  /** Not yet: a root to reach a namespace, replicas to become ready. Look again later. */
  | { readonly kind: 'waiting'; readonly reason: string }
  /** The recorded progress is for another certificate (or none): empty it and set the annotation. */
  | { readonly kind: 'reset' }
  /** Evict these pods of selector `index`, then record them (and those refused, as pending). */
  | { readonly kind: 'evict'; readonly index: number; readonly namespace: string; readonly pods: readonly string[] };

/**
 * A selector without labels would select every pod of its namespace, one without a namespace every
 * pod of the cluster: such a selector selects none instead.
 */
export function selectsPods(selector: PodSelector): boolean {
  return Object.keys(selector.labels ?? {}).length > 0 && (selector.namespace ?? '') !== '';
}

export function labelSelector(labels: Readonly<Record<string, string>> | undefined): string {
  return Object.entries(labels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

/** Pods that count as restarted replicas: ready, not terminating, not among those deleted. */
export function readyReplacements(pods: readonly PodFacts[], deleted: readonly string[]): number {
  const gone = new Set(deleted);
  return pods.filter((pod) => pod.ready && !pod.terminating && !gone.has(pod.name)).length;
}

/** The directive's recorded progress with selector `index` recorded as `pods`. */
export function recordBounced(directive: PodBounceDirective, index: number, pods: readonly string[]): BouncedPods {
  const recorded: BouncedPods = (directive.status?.podsBounced ?? []).slice(0, index);
  while (recorded.length < index) recorded.push({ bouncedPods: [] });
  recorded.push({ bouncedPods: [...pods].sort() });
  return recorded;
}

/** The next thing to do for a directive, to follow the certificate with digest `digest`. */
export async function nextBounceStep(
  directive: PodBounceDirective,
  digest: string,
  facts: BounceFacts,
): Promise<BounceStep> {
  if (directive.metadata.annotations?.[BOUNCE_FOR_ANNOTATION] !== digest) return { kind: 'reset' };
  const recorded = directive.status?.podsBounced ?? [];
  const pending = directive.status?.pendingPods ?? [];
  for (const [index, selector] of (directive.spec.podsToBounce ?? []).entries()) {
    const namespace = selector.namespace ?? '';
    const done = recorded[index];
    if (done === undefined) {
      if (!(await facts.rootSynced(index))) {
        return { kind: 'waiting', reason: `selector ${index}: the new root is not yet in namespace ${namespace}` };
      }
      const pods = (await facts.pods(index)).filter((pod) => !pod.terminating).map((pod) => pod.name);
      return { kind: 'evict', index, namespace, pods };
    }
    // Evictions of this selector were refused: only those pods are tried again (never their replacements).
    if (index === recorded.length - 1 && pending.length > 0) return { kind: 'evict', index, namespace, pods: pending };
    const wanted = selector.waitForReplicas ?? 0;
    if (wanted > 0 && selectsPods(selector)) {
      const ready = readyReplacements(await facts.pods(index), done.bouncedPods ?? []);
      if (ready < wanted) {
        return {
          kind: 'waiting',
          reason: `selector ${index}: ${ready} of ${wanted} restarted pods ready in namespace ${namespace}`,
        };
      }
    }
  }
  return { kind: 'done' };
}

// ---- I/O ---------------------------------------------------------------------------------------

/** What of the API client following a directive uses. */
export type BounceClient = Pick<KubeClient, 'apply' | 'get' | 'list' | 'request'>;

const PodShape = z.looseObject({
  metadata: z.looseObject({ name: z.string(), deletionTimestamp: z.string().optional() }),
  status: z
    .looseObject({
      conditions: z.array(z.looseObject({ type: z.string(), status: z.string() })).optional(),
    })
    .optional(),
});

const DataShape = z.looseObject({ data: z.record(z.string(), z.string()).optional() });

export function podFacts(object: unknown): PodFacts | undefined {
  const pod = PodShape.safeParse(object);
  if (!pod.success) return undefined;
  return {
    name: pod.data.metadata.name,
    ready: (pod.data.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    terminating: pod.data.metadata.deletionTimestamp !== undefined,
  };
}

/** A certificate as two places hold it: the Secret's value is base64, the ConfigMap's plain text. */
export function rootInSync(secretValueBase64: string | undefined, configMapValue: string | undefined): boolean {
  const root = Buffer.from(secretValueBase64 ?? '', 'base64')
    .toString('utf8')
    .trim();
  return root !== '' && (configMapValue ?? '').trim() === root;
}

/** The cluster's answers for one directive, read on demand (pods and ConfigMaps are not watched). */
export function clusterBounceFacts(client: BounceClient, directive: PodBounceDirective): BounceFacts {
  const selectors = directive.spec.podsToBounce ?? [];
  return {
    async pods(index) {
      const selector = selectors[index];
      if (selector === undefined || !selectsPods(selector)) return [];
      const list = await client.list(POD, {
        namespace: selector.namespace ?? '',
        labelSelector: labelSelector(selector.labels),
      });
      return list.items.flatMap((item) => podFacts(item) ?? []);
    },
    async rootSynced(index) {
      const sync = selectors[index]?.rootCertSync;
      if (sync === undefined) return true;
      if (sync.secretRef === undefined || sync.configMapRef === undefined) return true;
      const secret = DataShape.safeParse(await client.get(SECRET, sync.secretRef.name, sync.secretRef.namespace));
      const configMap = DataShape.safeParse(
        await client.get(CONFIG_MAP, sync.configMapRef.name, sync.configMapRef.namespace),
      );
      return rootInSync(
        secret.success ? secret.data.data?.[sync.secretKey ?? ''] : undefined,
        configMap.success ? configMap.data.data?.[sync.configMapKey ?? ''] : undefined,
      );
    },
  };
}

async function writeProgress(
  client: BounceClient,
  directive: PodBounceDirective,
  podsBounced: BouncedPods,
  pendingPods: readonly string[] = [],
  waiting?: string,
): Promise<KubeObject> {
  // Server-side apply: fields left out (pendingPods, waiting) are removed.
  return client.apply(
    {
      apiVersion: apiVersionOf(podBounceDirectiveKind),
      kind: podBounceDirectiveKind.kind,
      metadata: { name: directive.metadata.name, namespace: directive.metadata.namespace ?? '' },
      status: {
        podsBounced,
        ...(pendingPods.length === 0 ? {} : { pendingPods: [...pendingPods].sort() }),
        ...(waiting === undefined ? {} : { waiting }),
      },
    },
    { subresource: 'status' },
  );
}

export type EvictionOutcome = 'evicted' | 'gone' | 'blocked';

/** Evicts one pod (policy/v1 Eviction): PodDisruptionBudgets decide; 429 means not now. */
export async function evictPod(client: BounceClient, namespace: string, name: string): Promise<EvictionOutcome> {
  try {
    await client.request('POST', `${resourcePath(POD, namespace, name)}/eviction`, {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name, namespace },
    });
    return 'evicted';
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return 'gone';
    if (error instanceof KubeApiError && error.status === 429) return 'blocked';
    throw error;
  }
}

export interface BounceResult {
  /** The directive as the writes returned it (for read-your-writes). */
  readonly written: readonly KubeObject[];
  /** `namespace/name` of the pods evicted. */
  readonly evicted: readonly string[];
  /** `namespace/name` of the pods whose eviction a PodDisruptionBudget refused (tried again later). */
  readonly blocked: readonly string[];
}

/**
 * Carries out one step. Pods are evicted first and recorded right after (as upstream does with
 * deletes): a crash in between is the only way a pod of this certificate could be evicted twice.
 * Refused evictions are recorded as pending with the reason; a failed one still records the others, then throws.
 */
export async function performBounceStep(
  client: BounceClient,
  directive: PodBounceDirective,
  digest: string,
  step: BounceStep,
): Promise<BounceResult> {
  switch (step.kind) {
    case 'reset': {
      // Status first: were the annotation set first, a crash would leave old progress under the new digest.
      const emptied = await writeProgress(client, directive, []);
      const path = `${resourcePath(POD_BOUNCE_DIRECTIVE, directive.metadata.namespace, directive.metadata.name)}?fieldManager=${AGENT_FIELD_MANAGER}`;
      const annotated = await client.request<KubeObject>(
        'PATCH',
        path,
        { metadata: { annotations: { [BOUNCE_FOR_ANNOTATION]: digest } } },
        'application/merge-patch+json',
      );
      return { written: [emptied, annotated], evicted: [], blocked: [] };
    }
    case 'evict': {
      const evicted: string[] = [...(directive.status?.podsBounced?.[step.index]?.bouncedPods ?? [])];
      const blocked: string[] = [];
      const failures: string[] = [];
      for (const name of step.pods) {
        try {
          const outcome = await evictPod(client, step.namespace, name);
          if (outcome === 'blocked') blocked.push(name);
          else if (!evicted.includes(name)) evicted.push(name);
        } catch (error) {
          failures.push(`Pod ${step.namespace}/${name}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      const waiting =
        blocked.length === 0
          ? undefined
          : `a PodDisruptionBudget refuses evicting ${blocked.length === 1 ? 'pod' : 'pods'} ${blocked
              .map((name) => `${step.namespace}/${name}`)
              .sort()
              .join(', ')} now; retrying`;
      const written = await writeProgress(
        client,
        directive,
        recordBounced(directive, step.index, evicted),
        blocked,
        waiting,
      );
      if (failures.length > 0) throw new Error(`could not restart ${failures.join('; ')}`);
      const fresh = evicted.filter((name) => step.pods.includes(name));
      return {
        written: [written],
        evicted: fresh.map((name) => `${step.namespace}/${name}`),
        blocked: blocked.map((name) => `${step.namespace}/${name}`),
      };
    }
    case 'waiting':
    case 'done':
      return { written: [], evicted: [], blocked: [] };
  }
}
