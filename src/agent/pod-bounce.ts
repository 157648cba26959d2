// Following a PodBounceDirective: restart the pods it names, selector by selector, so that istiod
// serves the new CA before gateways and workloads ask it for certificates, and workloads restart
// only once istiod has copied the new root into their namespace.
//
// Progress lives on the directive, not in memory, so a restarted agent neither repeats nor skips a
// step: status.podsBounced[i] lists the pods deleted for selector i, and the annotation
// BOUNCE_FOR_ANNOTATION names the signed certificate (its digest) that progress is for. A new
// certificate starts over: the status is emptied first, then the annotation set.
//
// The decision (nextBounceStep) asks its questions through BounceFacts and never waits: it answers
// "waiting" and the agent looks again a little later.
import { z } from 'zod';
import { podBounceDirectiveKind } from '../api/certificates/v1/pod-bounce-directive.ts';
import { apiVersionOf, type Resource } from '../api/kind.ts';
import type { KubeObject } from '../api/meta.ts';
import type { KubeClient } from '../kube/client.ts';
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
  /** Delete these pods of selector `index`, then record them. */
  | { readonly kind: 'delete'; readonly index: number; readonly namespace: string; readonly pods: readonly string[] };

/** A selector without labels would select every pod of its namespace: it selects none instead. */
export function selectsPods(selector: PodSelector): boolean {
  return Object.keys(selector.labels ?? {}).length > 0;
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
  for (const [index, selector] of (directive.spec.podsToBounce ?? []).entries()) {
    const namespace = selector.namespace ?? '';
    const done = recorded[index];
    if (done === undefined) {
      if (!(await facts.rootSynced(index))) {
        return { kind: 'waiting', reason: `selector ${index}: the new root is not yet in namespace ${namespace}` };
      }
      const pods = (await facts.pods(index)).filter((pod) => !pod.terminating).map((pod) => pod.name);
      return { kind: 'delete', index, namespace, pods };
    }
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
export type BounceClient = Pick<KubeClient, 'apply' | 'delete' | 'get' | 'list' | 'request'>;

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
): Promise<KubeObject> {
  return client.apply(
    {
      apiVersion: apiVersionOf(podBounceDirectiveKind),
      kind: podBounceDirectiveKind.kind,
      metadata: { name: directive.metadata.name, namespace: directive.metadata.namespace ?? '' },
      status: { podsBounced },
    },
    { subresource: 'status' },
  );
}

export interface BounceResult {
  /** The directive as the writes returned it (for read-your-writes). */
  readonly written: readonly KubeObject[];
  /** `namespace/name` of the pods deleted. */
  readonly deleted: readonly string[];
}

/**
 * Carries out one step. Pods are deleted first and recorded right after (as upstream does): a crash
 * in between is the only way a pod of this certificate could be deleted twice. A failed deletion
 * still records the others, then throws.
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
      return { written: [emptied, annotated], deleted: [] };
    }
    case 'delete': {
      const deleted: string[] = [];
      const failures: string[] = [];
      for (const name of step.pods) {
        try {
          await client.delete(POD, name, step.namespace);
          deleted.push(name);
        } catch (error) {
          failures.push(`Pod ${step.namespace}/${name}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      const written = await writeProgress(client, directive, recordBounced(directive, step.index, deleted));
      if (failures.length > 0) throw new Error(`could not restart ${failures.join('; ')}`);
      return { written: [written], deleted: deleted.map((name) => `${step.namespace}/${name}`) };
    }
    case 'waiting':
    case 'done':
      return { written: [], deleted: [] };
  }
}
