// Applies one cluster's desired objects: server-side apply of what changed (content, then status),
// deletion of stale objects Mesh Hub owns. A cluster that cannot be reached stops its own apply at
// once and nothing is deleted there; other errors are reported per object and the rest goes on.
import type { KubeObject } from '../api/meta.ts';
import { describeObject } from '../snapshot/input.ts';
import { KubeApiError, type KubeClient } from './client.ts';
import { contentDiffers, statusDiffers } from './diff.ts';
import { objectKey, typeOfObject } from './resources.ts';

export interface ApplyRequest {
  /** What the cluster should hold (content and/or status). */
  readonly desired: readonly KubeObject[];
  /** What the cluster holds now of the kinds Mesh Hub writes there (from the caches). */
  readonly live: readonly KubeObject[];
  /** Live objects Mesh Hub owns and may delete when they are no longer desired. */
  readonly isOwned: (object: KubeObject) => boolean;
  /** Objects whose content belongs to users: only their status is written (policies). */
  readonly statusOnly: (object: KubeObject) => boolean;
  /**
   * Objects whose status carries the generation of their own content (discovered objects): the
   * status is stamped with the generation the API server gave the content.
   */
  readonly stampsGeneration?: (object: KubeObject) => boolean;
  /**
   * Checked before every write: false stops the apply there (the Lease was lost, the pass was
   * abandoned at its deadline or at shutdown); nothing is deleted after that.
   */
  readonly mayWrite?: () => boolean;
}

function withObservedGeneration(object: KubeObject, generation: number | undefined): KubeObject {
  const status = (object as { status?: Record<string, unknown> }).status;
  if (status === undefined || generation === undefined) return object;
  return { ...object, status: { ...status, observedGeneration: generation } };
}

export interface ObjectError {
  readonly object: string;
  readonly message: string;
}

export interface ApplyResult {
  readonly cluster: string;
  readonly applied: number;
  readonly statusApplied: number;
  readonly deleted: number;
  readonly unchanged: number;
  readonly errors: readonly ObjectError[];
  /** The cluster could not be reached: the apply stopped there and nothing was deleted. */
  readonly unreachable: boolean;
  /** mayWrite() turned false: the apply stopped there and nothing more was written or deleted. */
  readonly interrupted?: boolean;
}

export interface PlannedApply {
  readonly content: readonly KubeObject[];
  readonly status: readonly KubeObject[];
  readonly deletions: readonly KubeObject[];
  readonly unchanged: number;
}

/** Pure: what to write and delete. */
export function planApply(request: ApplyRequest): PlannedApply {
  const live = new Map(request.live.map((object) => [objectKey(object), object]));
  const content: KubeObject[] = [];
  const status: KubeObject[] = [];
  const wanted = new Set<string>();
  let unchanged = 0;
  for (const object of request.desired) {
    const key = objectKey(object);
    wanted.add(key);
    const current = live.get(key);
    const statusOnly = request.statusOnly(object);
    const writeContent = !statusOnly && contentDiffers(object, current);
    const stamps = request.stampsGeneration?.(object) === true;
    // Unchanged content keeps its generation; changed content gets a new one, known after the write.
    const target = stamps && !writeContent ? withObservedGeneration(object, current?.metadata.generation) : object;
    // A status can only be written to an object that exists (or is being created now).
    const writeStatus =
      (current !== undefined || writeContent) && ((stamps && writeContent) || statusDiffers(target, current));
    if (writeContent) content.push(object);
    if (writeStatus) status.push(target);
    if (!writeContent && !writeStatus) unchanged++;
  }
  const deletions = request.live.filter((object) => request.isOwned(object) && !wanted.has(objectKey(object)));
  return { content, status, deletions, unchanged };
}

function withoutStatus(object: KubeObject): KubeObject {
  const { status: _status, ...rest } = object as KubeObject & { status?: unknown };
  return rest;
}

/** Only identity and status: what a status apply sends, so it never touches the content. */
function statusOf(object: KubeObject): KubeObject {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: {
      name: object.metadata.name,
      ...(object.metadata.namespace === undefined ? {} : { namespace: object.metadata.namespace }),
    },
    status: (object as { status?: unknown }).status,
  };
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(workers);
}

export async function applyToCluster(client: KubeClient, request: ApplyRequest, concurrency = 8): Promise<ApplyResult> {
  const plan = planApply(request);
  const errors: ObjectError[] = [];
  let applied = 0;
  let statusApplied = 0;
  let deleted = 0;
  // Set by any request that finds the cluster unreachable (read after awaits, so kept in an object).
  const reach = { unreachable: false, interrupted: false };
  const guard = async (object: KubeObject, action: () => Promise<void>) => {
    if (reach.unreachable || reach.interrupted) return;
    if (request.mayWrite !== undefined && !request.mayWrite()) {
      reach.interrupted = true;
      return;
    }
    try {
      await action();
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 0) {
        reach.unreachable = true;
        errors.push({ object: describeObject(object), message: error.message });
        return;
      }
      errors.push({ object: describeObject(object), message: error instanceof Error ? error.message : String(error) });
    }
  };
  const contentKeys = new Set(plan.content.map(objectKey));
  const generations = new Map<string, number | undefined>();
  // Content first, so that a new object exists before its status is written.
  await inParallel(plan.content, concurrency, (object) =>
    guard(object, async () => {
      const result = await client.apply(withoutStatus(object));
      generations.set(objectKey(object), result.metadata.generation);
      applied++;
    }),
  );
  await inParallel(plan.status, concurrency, (object) =>
    guard(object, async () => {
      try {
        const key = objectKey(object);
        const stamped =
          request.stampsGeneration?.(object) === true && generations.has(key)
            ? withObservedGeneration(object, generations.get(key))
            : object;
        await client.apply(statusOf(stamped), { subresource: 'status' });
        statusApplied++;
      } catch (error) {
        // Deleted since it was read (a policy removed meanwhile): nothing to report on.
        if (error instanceof KubeApiError && error.status === 404 && !contentKeys.has(objectKey(object))) return;
        throw error;
      }
    }),
  );
  if (!reach.unreachable && !reach.interrupted) {
    await inParallel(plan.deletions, concurrency, (object) =>
      guard(object, async () => {
        const type = typeOfObject(object.apiVersion, object.kind);
        if (type === undefined) return;
        if (await client.delete(type, object.metadata.name, object.metadata.namespace)) deleted++;
      }),
    );
  }
  return {
    cluster: client.cluster,
    applied,
    statusApplied,
    deleted,
    unchanged: plan.unchanged,
    errors,
    unreachable: reach.unreachable,
    ...(reach.interrupted ? { interrupted: true } : {}),
  };
}
