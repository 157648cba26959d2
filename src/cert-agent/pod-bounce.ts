// Following a PodBounceDirective: restart the pods it names, selector by selector, so that istiod
// serves the new CA before the gateways and workloads ask it for certificates. Progress is kept on
// the directive itself (status.podsBounced[i] = the pods deleted for selector i; an annotation says
// for which signed certificate), so a restarted agent neither repeats nor skips a step.
import type { Resource } from '../api/kind.ts';
import type { podBounceDirectiveKind } from '../api/certificates/v1/pod-bounce-directive.ts';
import type { KubeObject } from '../api/meta.ts';
import type { KubeClient } from '../kube/client.ts';
import { CONFIG_MAP, POD, resourcePath, SECRET, type ResourceType } from '../kube/resources.ts';

export type PodBounceDirective = Resource<typeof podBounceDirectiveKind>;
type Selector = NonNullable<PodBounceDirective['spec']['podsToBounce']>[number];

/** On a PodBounceDirective: the signed certificate digest its status.podsBounced belongs to. */
export const BOUNCE_FOR_ANNOTATION = 'certificates.meshhub.dev/bounce-for';

export type BounceStep =
  | { readonly kind: 'done' }
  /** Not yet: something to wait for (a root to sync, replicas to become ready). */
  | { readonly kind: 'waiting'; readonly reason: string }
  /** Progress is for another certificate: start over (reset the status, set the annotation). */
  | { readonly kind: 'reset' }
  /** Delete the pods of selector `index` (after its root synced). */
  | { readonly kind: 'delete'; readonly index: number; readonly selector: Selector };

interface Pod extends KubeObject {
  readonly status?: { readonly conditions?: readonly { readonly type?: string; readonly status?: string }[] };
}

export interface BounceFacts {
  /** Pods matching selector i, as listed now. */
  readonly pods: (index: number) => Promise<readonly Pod[]>;
  /** Whether selector i's rootCertSync is satisfied (true when it has none). */
  readonly rootSynced: (index: number) => Promise<boolean>;
}

function isReady(pod: Pod): boolean {
  return (
    pod.metadata.deletionTimestamp === undefined &&
    (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

/** The next thing to do for a directive and the certificate (digest) it is to be followed for. */
export async function nextBounceStep(directive: PodBounceDirective, digest: string, facts: BounceFacts) {
  if (directive.metadata.annotations?.[BOUNCE_FOR_ANNOTATION] !== digest) return { kind: 'reset' } as const;
  const selectors = directive.spec.podsToBounce ?? [];
  const done = directive.status?.podsBounced ?? [];
  for (const [index, selector] of selectors.entries()) {
    const recorded = done[index];
    if (recorded === undefined) {
      if (!(await facts.rootSynced(index)))
        return { kind: 'waiting', reason: `the new root is not yet in namespace ${selector.namespace ?? ''}` } as const;
      return { kind: 'delete', index, selector } as const;
    }
    const wanted = selector.waitForReplicas ?? 0;
    if (wanted > 0) {
      const deleted = new Set(recorded.bouncedPods ?? []);
      const ready = (await facts.pods(index)).filter((pod) => isReady(pod) && !deleted.has(pod.metadata.name));
      if (ready.length < wanted)
        return {
          kind: 'waiting',
          reason: `${String(ready.length)}/${String(wanted)} restarted pods ready in ${selector.namespace ?? ''}`,
        } as const;
    }
  }
  return { kind: 'done' } as const satisfies BounceStep;
}

export function labelSelector(labels: Readonly<Record<string, string>> | undefined): string {
  return Object.entries(labels ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

const decode = (value: string | undefined) =>
  Buffer.from(value ?? '', 'base64')
    .toString('utf8')
    .trim();

/** What the cluster says about a directive's selectors, read on demand. */
export function clusterFacts(client: KubeClient, directive: PodBounceDirective): BounceFacts {
  const selectors = directive.spec.podsToBounce ?? [];
  return {
    async pods(index) {
      const selector = selectors[index];
      if (selector === undefined) return [];
      const list = await client.list(POD, {
        namespace: selector.namespace ?? '',
        labelSelector: labelSelector(selector.labels),
      });
      return list.items;
    },
    async rootSynced(index) {
      const sync = selectors[index]?.rootCertSync;
      if (sync?.secretRef === undefined || sync.configMapRef === undefined) return true;
      const secret = (await client.get(SECRET, sync.secretRef.name, sync.secretRef.namespace)) as
        (KubeObject & { data?: Record<string, string> }) | undefined;
      const configMap = (await client.get(CONFIG_MAP, sync.configMapRef.name, sync.configMapRef.namespace)) as
        (KubeObject & { data?: Record<string, string> }) | undefined;
      const root = decode(secret?.data?.[sync.secretKey ?? '']);
      return root !== '' && (configMap?.data?.[sync.configMapKey ?? '']?.trim() ?? '') === root;
    },
  };
}

async function mergePatch(client: KubeClient, type: ResourceType, object: KubeObject, body: unknown, status = false) {
  const path = `${resourcePath(type, object.metadata.namespace, object.metadata.name)}${status ? '/status' : ''}`;
  return client.request<KubeObject>('PATCH', path, body, 'application/merge-patch+json');
}

/** Carries out one bounce step; returns the objects written (for read-your-writes). */
export async function performBounceStep(
  client: KubeClient,
  type: ResourceType,
  directive: PodBounceDirective,
  digest: string,
  step: BounceStep,
): Promise<{ written: KubeObject[]; deleted: string[] }> {
  const object = directive as unknown as KubeObject;
  switch (step.kind) {
    case 'reset': {
      const status = await mergePatch(client, type, object, { status: { podsBounced: [] } }, true);
      const annotated = await mergePatch(client, type, status, {
        metadata: { annotations: { [BOUNCE_FOR_ANNOTATION]: digest } },
      });
      return { written: [annotated], deleted: [] };
    }
    case 'delete': {
      const namespace = step.selector.namespace ?? '';
      const pods = (await client.list(POD, { namespace, labelSelector: labelSelector(step.selector.labels) })).items;
      const names = pods.map((pod) => pod.metadata.name).sort();
      for (const name of names) await client.delete(POD, name, namespace);
      const recorded = [...(directive.status?.podsBounced ?? []).slice(0, step.index)];
      while (recorded.length < step.index) recorded.push({ bouncedPods: [] });
      recorded.push({ bouncedPods: names });
      const written = await mergePatch(client, type, object, { status: { podsBounced: recorded } }, true);
      return { written: [written], deleted: names.map((name) => `${namespace}/${name}`) };
    }
    case 'waiting':
    case 'done':
      return { written: [], deleted: [] };
  }
}
