// The dashboard's diff and explain: what posted policy YAML would change in every cluster, and how one
// hypothetical request would be routed and authorized. Both run the same engines as `meshctl diff`
// and `meshctl explain request` on the live estate (read as those commands read it) and write nothing.
// Input is checked at the boundary with errors naming the document, field or parameter; both need
// read access to the whole estate (see requireEstateRead); one runs at a time (ComputeGate).
import type { IncomingMessage } from 'node:http';
import { findKind } from '../api/registry.ts';
import type { KubeObject } from '../api/meta.ts';
import type { LiveSnapshot } from '../cli/live-snapshot.ts';
import { OVERLAY_KINDS, diffOverlay } from '../diff/overlay.ts';
import type { ObjectChange, RenderDiff } from '../diff/render-diff.ts';
import { renderedEstate } from '../explain/estate-objects.ts';
import { explainRequest } from '../explain/explain-request.ts';
import { ExplainError, type Explanation, type HypotheticalRequest } from '../explain/explanation.ts';
import { objectKey } from '../kube/resources.ts';
import { render } from '../pipeline/render.ts';
import { describeObject, type InputObject } from '../snapshot/input.ts';
import { checkText } from '../snapshot/text.ts';
import { InputError, parseKubeYaml } from '../snapshot/yaml.ts';
import { RESOURCE_OF, type Viewer } from './access.ts';
import { ExplainQuery, type ApiError } from './api-schema.ts';
import { ComputeGate, GateBusy } from './compute-gate.ts';
import { ESTATE_KINDS, type EstateIndex, type EstateKind } from './estate-view.ts';

/** The largest policy body /api/diff reads: far more than any set of hand-written policies. */
export const MAX_DIFF_BODY_BYTES = 2 ** 20;

/** What the body is called in error messages. */
export const BODY_NAME = 'request body';

const BODY_TYPES = new Set(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain', 'application/json']);

export class ComputeError extends Error {
  readonly status: number;
  readonly code: ApiError['code'];
  readonly headers: Readonly<Record<string, string>>;
  constructor(status: number, code: ApiError['code'], message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'ComputeError';
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/** The body of a request as text, refused past `limit` bytes (before reading when Content-Length says so). */
export async function readBody(request: IncomingMessage, limit = MAX_DIFF_BODY_BYTES): Promise<Buffer> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== '' && !BODY_TYPES.has(type)) {
    throw new ComputeError(415, 'bad-request', `Content-Type ${type}: send the policies as application/yaml (or JSON)`);
  }
  const tooLarge = () =>
    new ComputeError(
      413,
      'too-large',
      `the ${BODY_NAME} is over ${String(limit / 2 ** 20)} MiB; send fewer policies at a time`,
      { Connection: 'close' },
    );
  const declared = Number(request.headers['content-length'] ?? '0');
  if (declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += bytes.length;
    if (size > limit) throw tooLarge();
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

function badInput(error: unknown): never {
  if (error instanceof InputError) throw new ComputeError(400, 'bad-request', error.message);
  throw error;
}

/**
 * The policies of a posted body, checked as `meshctl diff -f` checks files: YAML or JSON documents of
 * the kinds users author on the management cluster, each once; one without namespace goes to the
 * install namespace. Errors name the document (counted from 0, as in meshctl's messages).
 */
export function parseDiffBody(bytes: Buffer, installNamespace: string): InputObject[] {
  let parsed;
  try {
    parsed = parseKubeYaml(checkText(bytes, BODY_NAME), BODY_NAME);
  } catch (error) {
    badInput(error);
  }
  if (parsed.length === 0) throw new ComputeError(400, 'bad-request', `the ${BODY_NAME} holds no policy`);
  const objects: InputObject[] = [];
  const seen = new Map<string, number>();
  for (const { document, object } of parsed) {
    const where = `${BODY_NAME} (document ${String(document)})`;
    if (findKind(object.apiVersion, object.kind) === undefined || !OVERLAY_KINDS.has(object.kind)) {
      throw new ComputeError(
        400,
        'bad-request',
        `${where}: ${describeObject(object)} (${object.apiVersion}): the diff takes only ${[...OVERLAY_KINDS].join(', ')} of the Mesh Hub API`,
      );
    }
    const placed =
      object.metadata.namespace === undefined
        ? { ...object, metadata: { ...object.metadata, namespace: installNamespace } }
        : object;
    const key = objectKey(placed);
    const first = seen.get(key);
    if (first !== undefined) {
      throw new ComputeError(
        400,
        'bad-request',
        `${where}: ${describeObject(placed)} is given twice: here and in document ${String(first)}`,
      );
    }
    seen.set(key, document);
    objects.push({ object: placed, source: { file: BODY_NAME, document } });
  }
  return objects;
}

/** The request of /api/explain from its query; errors name the parameter. */
export function parseExplainQuery(search: URLSearchParams): HypotheticalRequest {
  const known = new Set(['to', 'from', 'method', 'path', 'header']);
  const unknown = [...new Set(search.keys())].filter((key) => !known.has(key));
  if (unknown.length > 0) {
    throw new ComputeError(
      400,
      'bad-request',
      `unknown query parameter ${unknown.join(', ')}: give to, from, method, path and header`,
    );
  }
  const single = (name: string): string | undefined => {
    const values = search.getAll(name);
    if (values.length > 1) throw new ComputeError(400, 'bad-request', `${name}: give it once`);
    return values[0];
  };
  const raw = Object.fromEntries(
    ['to', 'from', 'method', 'path'].flatMap((name) => {
      const value = single(name);
      return value === undefined || (value === '' && name !== 'to') ? [] : [[name, value]];
    }),
  );
  const parsed = ExplainQuery.safeParse({ ...raw, header: search.getAll('header') });
  if (!parsed.success) {
    throw new ComputeError(
      400,
      'bad-request',
      parsed.error.issues
        .map((issue) => {
          const [name, index] = issue.path;
          const shown =
            name === 'header' && typeof index === 'number'
              ? `header ${JSON.stringify(search.getAll('header')[index] ?? '')}`
              : String(name ?? 'query');
          return `${shown}: ${name === 'to' && raw.to === undefined ? 'required: the Destination to explain a request to' : issue.message}`;
        })
        .join('; '),
    );
  }
  const { to, from, method, path, header } = parsed.data;
  const headers: Record<string, string> = {};
  for (const value of header) {
    const eq = value.indexOf('=');
    headers[value.slice(0, eq).toLowerCase()] = value.slice(eq + 1);
  }
  return {
    to,
    ...(from === undefined ? {} : { from }),
    ...(method === undefined ? {} : { method: method.toUpperCase() }),
    ...(path === undefined ? {} : { path }),
    headers,
  };
}

/**
 * Diff and explain render the whole estate: their answers carry objects of every namespace and
 * cluster. So they are offered only to users who may `list` every Mesh Hub kind in every namespace
 * that holds it and in the install namespace (what a user who sees the whole dashboard may read);
 * anyone else gets 403 naming what is missing, rather than an answer cut to pieces.
 */
export async function requireEstateRead(viewer: Viewer, index: EstateIndex, installNamespace: string): Promise<void> {
  const held = index.namespaces();
  const wanted = Object.fromEntries(
    ESTATE_KINDS.map((kind) => [kind, [...new Set([...held[kind], installNamespace])].sort()]),
  ) as Record<EstateKind, string[]>;
  const visible = await viewer.visibility(wanted);
  const missing = ESTATE_KINDS.flatMap((kind) =>
    wanted[kind].filter((ns) => !visible(kind, ns)).map((ns) => `${RESOURCE_OF[kind].plural} in ${ns}`),
  );
  if (missing.length === 0) return;
  const shown = missing.length > 4 ? [...missing.slice(0, 4), `${String(missing.length - 4)} more`] : missing;
  throw new ComputeError(
    403,
    'forbidden',
    `diff and explain render the whole estate, so they need list on every Mesh Hub kind where it is held; you may not list ${shown.join(', ')}`,
  );
}

const REDACTED = '(redacted)';

function redactObject(object: KubeObject): KubeObject {
  const copy: Record<string, unknown> = { ...object };
  for (const field of ['data', 'stringData']) {
    const values = copy[field];
    if (typeof values === 'object' && values !== null) {
      copy[field] = Object.fromEntries(Object.keys(values).map((key) => [key, REDACTED]));
    }
  }
  return { ...object, ...copy };
}

/** The diff with every Secret value replaced: the dashboard never serves secret data. */
export function redactSecrets(diff: RenderDiff): RenderDiff {
  const redact = (change: ObjectChange): ObjectChange => {
    if (change.kind !== 'Secret') return change;
    if (change.change !== 'updated') return { ...change, object: redactObject(change.object) };
    return {
      ...change,
      fields: change.fields.map((field) =>
        /^(data|stringData)\b/.test(field.path)
          ? {
              path: field.path,
              ...(field.before === undefined ? {} : { before: REDACTED }),
              ...(field.after === undefined ? {} : { after: REDACTED }),
            }
          : field,
      ),
    };
  };
  return { ...diff, clusters: diff.clusters.map((c) => ({ ...c, objects: c.objects.map(redact) })) };
}

/** Warnings of the live read, for the response header (encoded: header values are ASCII). */
export function warningsHeader(warnings: readonly string[]): Record<string, string> {
  return warnings.length === 0 ? {} : { 'X-Mesh-Hub-Warnings': encodeURIComponent(JSON.stringify(warnings)) };
}

export interface EstateComputeOptions {
  /** Reads the live estate as `meshctl diff` reads it (management cluster and registered clusters). */
  readonly live: () => Promise<LiveSnapshot>;
  readonly installNamespace: string;
  readonly gate?: ComputeGate;
}

export interface ComputeAnswer<T> {
  readonly body: T;
  readonly warnings: readonly string[];
}

/** The diff and explain of one dashboard server; one computation at a time. */
export class EstateCompute {
  readonly #options: EstateComputeOptions;
  readonly #gate: ComputeGate;

  constructor(options: EstateComputeOptions) {
    this.#options = options;
    this.#gate = options.gate ?? new ComputeGate();
  }

  get installNamespace(): string {
    return this.#options.installNamespace;
  }

  async #live(): Promise<LiveSnapshot> {
    try {
      return await this.#options.live();
    } catch (error) {
      // Unknown is not empty: without the estate as it is there is no answer.
      throw new ComputeError(
        503,
        'internal',
        `the estate could not be read: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  async #turn<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await this.#gate.run(work);
    } catch (error) {
      if (error instanceof GateBusy) throw new ComputeError(429, 'busy', error.message, { 'Retry-After': '2' });
      throw error;
    }
  }

  diff(objects: readonly InputObject[]): Promise<ComputeAnswer<RenderDiff>> {
    return this.#turn(async () => {
      const live = await this.#live();
      return { body: redactSecrets(diffOverlay(live.snapshot, objects, live.options)), warnings: live.warnings };
    });
  }

  explain(request: HypotheticalRequest): Promise<ComputeAnswer<Explanation>> {
    return this.#turn(async () => {
      const live = await this.#live();
      const output = render(live.snapshot, live.options);
      try {
        // The one call into src/explain.
        return { body: explainRequest(renderedEstate(live.snapshot, output), request), warnings: live.warnings };
      } catch (error) {
        if (error instanceof ExplainError) throw new ComputeError(404, 'not-found', error.message);
        throw error;
      }
    });
  }
}
