// Shared by the fuzz tests: the seed estates (examples/ and testdata/*/input), hostile values, mutations
// of objects, the checks every render must pass, and the figures each property prints.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { KubeObject } from '../../src/api/meta.ts';
import { render } from '../../src/pipeline/render.ts';
import type { InputObject, InputSnapshot } from '../../src/snapshot/input.ts';
import { loadInputTree } from '../../src/snapshot/load.ts';
import { layoutOutputTree, type RenderOutput } from '../../src/snapshot/output.ts';

export const root = join(import.meta.dirname, '..', '..');

/** One seed for every property (FUZZ_SEED overrides it to explore), printed with each result. */
export const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
/** FUZZ_SCALE=10 runs ten times as many cases. */
export const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
/**
 * A case that takes longer than this is a hang for the purpose of these tests. A render of a seed
 * estate takes 5–75 ms on a loaded 2-core machine; the slowest hostile case (10,000 ports) about 1 s.
 */
export const CASE_BOUND_MS = Number(process.env.FUZZ_CASE_BOUND_MS ?? 5_000);

/** Allowance per MiB of YAML written, on top of CASE_BOUND_MS. */
export const MS_PER_MIB = 5_000;

export const NAMESPACE = 'gloo-mesh';

export interface Seed {
  readonly name: string;
  readonly snapshot: InputSnapshot;
}

/** Every input tree of examples/ and testdata/, read once. */
export function loadSeeds(): Seed[] {
  const dirs = [join('examples', 'bookinfo')];
  for (const group of ['testdata/discovery', 'testdata/networking']) {
    for (const name of readdirSync(join(root, group)).sort()) {
      const input = join(group, name, 'input');
      if (existsSync(join(root, input))) dirs.push(input);
    }
  }
  return dirs.map((dir) => ({
    name: dir,
    snapshot: loadInputTree(join(root, dir), { installNamespace: NAMESPACE }),
  }));
}

// ── Hostile values ────────────────────────────────────────────────────────────────────────────────

/**
 * A value built afresh for each use, shown in a counterexample by its recipe (`'-' × 100000 + 'x'`)
 * instead of 100,000 characters. Fresh, because a case mutates the objects it inserts, and a value
 * shared between cases would grow from one to the next.
 */
export class Built {
  readonly build: () => unknown;
  readonly recipe: string;
  constructor(build: () => unknown, recipe: string) {
    this.build = build;
    this.recipe = recipe;
  }
  [fc.toStringMethod](): string {
    return this.recipe;
  }
}

/** The value to insert into an object: built afresh, or a copy of a generated one. */
export function unwrap(value: unknown): unknown {
  if (value instanceof Built) return value.build();
  return typeof value === 'object' && value !== null ? structuredClone(value) : value;
}

function repeated(unit: string, times: number, suffix = '', prefix = ''): Built {
  const text = `${prefix}${unit.repeat(times)}${suffix}`;
  return new Built(
    () => text,
    `${JSON.stringify(prefix)} + ${JSON.stringify(unit)} × ${String(times)} + ${JSON.stringify(suffix)}`,
  );
}

/** Regexes that backtrack catastrophically in a backtracking engine, and strings that set them off. */
export const BACKTRACKING_REGEXES = [
  '(a+)+$',
  '(a|a)*b',
  '(a|aa)+$',
  '^(([a-z])+.)+[A-Z]([a-z])+$',
  '(.*a){25}',
  '(\\w+\\s?)+$',
  '([a-zA-Z0-9]+)*@',
  '(x+x+)+y',
];
const long = 100_000;
export const HUGE_STRINGS: readonly Built[] = [
  repeated('a', long),
  repeated('a', long / 2, '!'),
  repeated('-', long, 'x'),
  repeated('-', long, '', 'x'),
  repeated('.', long),
  repeated('a.', long / 2, '-'),
  repeated('*', 10_000),
  repeated('🙂', 20_000),
  repeated('x\n', 30_000),
  repeated('é', long),
];
const ODD_STRINGS = [
  '',
  ' ',
  '-',
  '.',
  '*',
  '/',
  '\u0000',
  '\uD800',
  '\u202E',
  'İ',
  'ß',
  'ﬀ',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '..',
  'a..b',
  'UPPER',
  '-leading',
  'trailing-',
  'x'.repeat(64),
  'x'.repeat(254),
  'default/reviews',
  'reviews.bookinfo.svc.cluster.local',
  '*.global',
  '10.0.0.1',
  '::1',
  '0',
  '-1',
  '1e400',
  'NaN',
  'true',
  'null',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
];

function nested(depth: number, leaf: unknown, asArray: boolean): unknown {
  let value: unknown = leaf;
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { a: value };
  return value;
}

/** A value of the wrong shape for almost any field. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null)) },
  { weight: 3, arbitrary: fc.constantFrom(...ODD_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.constantFrom(...HUGE_STRINGS) },
  { weight: 2, arbitrary: fc.constantFrom(...BACKTRACKING_REGEXES) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 30, max: 3_000 }), fc.boolean(), fc.oneof(fc.string(), fc.integer()))
      .map(
        ([depth, asArray, leaf]) =>
          new Built(
            () => nested(depth, leaf, asArray),
            `${asArray ? '[' : '{a: '} × ${String(depth)} around ${JSON.stringify(leaf)}`,
          ),
      ),
  },
  {
    weight: 1,
    arbitrary: fc.constant(
      new Built(() => ({ __proto__: { polluted: true }, constructor: 'x' }), '{__proto__: {polluted: true}}'),
    ),
  },
);

// ── Mutations ─────────────────────────────────────────────────────────────────────────────────────

export type Mutation =
  /** Replace the value at one path (picked by index among the object's paths). */
  | { readonly op: 'set'; readonly at: number; readonly value: unknown }
  | { readonly op: 'delete'; readonly at: number }
  /** Add a key to a mapping on the path. */
  | { readonly op: 'add'; readonly at: number; readonly key: string; readonly value: unknown }
  /** Replace a list (or any value) with 2,000 variants of its first item, 200 of a mapping (10,000 ports: a test of its own). */
  | { readonly op: 'explode'; readonly at: number }
  /** Copy one item of a list next to itself (duplicate port names, hosts, selectors …). */
  | { readonly op: 'repeat'; readonly at: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: hostileValue }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('add' as const),
      at: fc.nat(),
      key: fc.oneof(fc.constantFrom(...ODD_STRINGS), fc.string({ maxLength: 10 })),
      value: hostileValue,
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('explode' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('repeat' as const), at: fc.nat() }) },
);

type Container = Record<string, unknown> | unknown[];
interface Slot {
  readonly parent: Container;
  readonly key: string | number;
}

function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null;
}

/** Every slot of the object except apiVersion and kind (changing those makes another object, tested apart). */
function slots(object: Container): Slot[] {
  const found: Slot[] = [];
  const walk = (value: Container, depth: number) => {
    if (depth > 12 || found.length > 5_000) return;
    // Only the first items of a long list: after an explode, every item would be a slot of its own.
    const keys: (string | number)[] = Array.isArray(value) ? value.slice(0, 20).map((_, i) => i) : Object.keys(value);
    for (const key of keys) {
      if (depth === 0 && (key === 'apiVersion' || key === 'kind')) continue;
      found.push({ parent: value, key });
      const child = (value as Record<string | number, unknown>)[key];
      if (isContainer(child)) walk(child, depth + 1);
    }
  };
  walk(object, 0);
  return found;
}

function variant(value: unknown, i: number): unknown {
  if (typeof value === 'string') return `${value}-${String(i)}`;
  if (typeof value === 'number') return value + i;
  if (!isContainer(value)) return value;
  // Deep copies: shared references would stand for trees far larger than any real input.
  const copy = cloneOrShare(value);
  if (Array.isArray(copy) || copy === value) return copy;
  for (const key of ['name', 'port', 'targetPort', 'containerPort', 'host']) {
    if (key in copy) copy[key] = variant(copy[key], i);
  }
  return copy;
}

/** A deep copy, or the value itself when it is too deep to copy (thousands of levels: the clone overflows the stack). */
function cloneOrShare<T>(value: T): T {
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}

/** A mutated deep copy; the original is untouched. */
export function mutate(object: KubeObject, mutations: readonly Mutation[]): KubeObject {
  const copy = structuredClone(object) as unknown as Record<string, unknown>;
  for (const m of mutations) {
    const all = slots(copy);
    const slot = all[m.at % Math.max(all.length, 1)];
    if (slot === undefined) continue;
    const parent = slot.parent as Record<string | number, unknown>;
    switch (m.op) {
      case 'set':
        parent[slot.key] = unwrap(m.value);
        break;
      case 'delete':
        if (Array.isArray(slot.parent)) slot.parent.splice(Number(slot.key), 1);
        else Reflect.deleteProperty(parent, slot.key);
        break;
      case 'add': {
        const target = parent[slot.key];
        if (isContainer(target) && !Array.isArray(target)) {
          Object.defineProperty(target, m.key, {
            value: unwrap(m.value),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        } else parent[slot.key] = { [m.key]: unwrap(m.value) };
        break;
      }
      case 'explode': {
        const current = parent[slot.key];
        const first: unknown = Array.isArray(current) ? (current as unknown[])[0] : current;
        // Fewer copies of a mapping or list, so that two explodes nest to 40,000 items, not 4 million.
        const length = isContainer(first) ? 200 : 2_000;
        parent[slot.key] = Array.from({ length }, (_, i) => variant(first, i));
        break;
      }
      case 'repeat': {
        if (Array.isArray(slot.parent)) slot.parent.splice(Number(slot.key), 0, cloneOrShare(parent[slot.key]));
        break;
      }
    }
  }
  return copy as unknown as KubeObject;
}

/** Where in a snapshot to mutate: an index into its management objects or into all cluster objects. */
export interface Target {
  readonly mgmt: boolean;
  readonly index: number;
}
export const target: fc.Arbitrary<Target> = fc.record({ mgmt: fc.boolean(), index: fc.nat() });

function clusterObjects(snapshot: InputSnapshot): { cluster: string; position: number; input: InputObject }[] {
  return [...snapshot.clusters].flatMap(([cluster, objects]) =>
    objects.map((input, position) => ({ cluster, position, input })),
  );
}

/** The snapshot with one object replaced by `change(object)` (which may return several, or none). */
export function replaceObject(
  snapshot: InputSnapshot,
  where: Target,
  change: (object: KubeObject) => readonly KubeObject[],
): { snapshot: InputSnapshot; original: KubeObject } | undefined {
  const useMgmt = (where.mgmt && snapshot.mgmt.length > 0) || clusterObjects(snapshot).length === 0;
  if (useMgmt) {
    const position = where.index % Math.max(snapshot.mgmt.length, 1);
    const input = snapshot.mgmt[position];
    if (input === undefined) return undefined;
    const replaced = change(input.object).map((object) => ({ object, source: input.source }));
    const mgmt = [...snapshot.mgmt.slice(0, position), ...replaced, ...snapshot.mgmt.slice(position + 1)];
    return { snapshot: { ...snapshot, mgmt }, original: input.object };
  }
  const all = clusterObjects(snapshot);
  const picked = all[where.index % all.length];
  if (picked === undefined) return undefined;
  const objects = snapshot.clusters.get(picked.cluster) ?? [];
  const replaced = change(picked.input.object).map((object) => ({ object, source: picked.input.source }));
  const clusters = new Map(snapshot.clusters);
  clusters.set(picked.cluster, [
    ...objects.slice(0, picked.position),
    ...replaced,
    ...objects.slice(picked.position + 1),
  ]);
  return { snapshot: { ...snapshot, clusters }, original: picked.input.object };
}

// ── What every render must satisfy ────────────────────────────────────────────────────────────────

/** Durations of the cases of one property, for the figures it prints. */
export class Timings {
  readonly ms: number[] = [];
  add(ms: number): void {
    this.ms.push(ms);
  }
  summary(): string {
    const sorted = [...this.ms].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    const total = sorted.reduce((a, b) => a + b, 0);
    return `${String(sorted.length)} cases in ${(total / 1000).toFixed(1)} s: median ${at(0.5).toFixed(1)} ms, p99 ${at(0.99).toFixed(1)} ms, max ${at(1).toFixed(1)} ms`;
  }
}

/**
 * Renders and lays out the files, as `meshctl render --output` does, within the case bound plus a
 * share per MiB of output: writing YAML is linear but not fast (about 1 s per MiB on a loaded 2-core
 * machine), and a hostile list legitimately makes megabytes of output. A super-linear pass does not
 * fit in that.
 */
export function renderWithinBound(
  snapshot: InputSnapshot,
  timings: Timings,
): { output: RenderOutput; files: Map<string, string> } {
  const started = performance.now();
  const output = render(snapshot);
  const files = layoutOutputTree(output);
  const ms = performance.now() - started;
  timings.add(ms);
  let bytes = 0;
  for (const content of files.values()) bytes += content.length;
  const bound = CASE_BOUND_MS + (bytes / 2 ** 20) * MS_PER_MIB;
  assert.ok(
    ms < bound,
    `render took ${ms.toFixed(0)} ms for ${(bytes / 2 ** 20).toFixed(1)} MiB of output (bound ${bound.toFixed(0)} ms)`,
  );
  return { output, files };
}

/** A field path as statuses and warnings print it: `spec.policy.retries`, `metadata.name`, `spec.ports.0.port`. */
const FIELD = /^(?:spec|metadata|data|status|apiVersion|kind|subsets|endpoints|ports|items)(?:[.[]|:|$)/;

/** Every `errors` list in a status, with where it sits (`status.errors`, `status.destinations.<key>.errors`). */
function statusErrors(status: unknown, at = 'status'): { at: string; errors: unknown[] }[] {
  if (typeof status !== 'object' || status === null || Array.isArray(status)) return [];
  const found: { at: string; errors: unknown[] }[] = [];
  for (const [key, value] of Object.entries(status as Record<string, unknown>)) {
    if (key === 'errors' && Array.isArray(value)) found.push({ at: `${at}.errors`, errors: value as unknown[] });
    else if (key === 'destinations' || key === 'meshes' || key === 'workloads') {
      if (typeof value !== 'object' || value === null) continue;
      for (const [entry, nested] of Object.entries(value as Record<string, unknown>))
        found.push(...statusErrors(nested, `${at}.${key}.${entry}`));
    }
  }
  return found;
}

/**
 * Each rejection names its object and field: an INVALID object carries its errors itself (on the
 * object or per Destination or Mesh), each naming a field; a skipped cluster object is named in a
 * warning with the field.
 */
export function assertRejectionsNamed(output: RenderOutput): void {
  for (const object of output.mgmt) {
    const status = (object as { status?: { state?: unknown } }).status;
    if (status?.state !== 'INVALID') continue;
    const name = `${object.kind} ${object.metadata.name}`;
    const lists = statusErrors(status);
    assert.ok(
      lists.some((list) => list.errors.length > 0),
      `${name}: INVALID without errors: ${JSON.stringify(status).slice(0, 400)}`,
    );
    for (const { at, errors } of lists) {
      for (const error of errors) {
        assert.ok(typeof error === 'string' && error.trim().length > 0, `${name}: ${at} holds an empty error`);
        // The object's own errors name the field; per-Destination and per-Mesh ones sit under that key.
        if (at === 'status.errors') {
          assert.match(error, FIELD, `${name}: ${at} names no field: ${error.slice(0, 300)}`);
        }
      }
    }
  }
  for (const warning of output.warnings) {
    assert.ok(warning.object.length > 0, `a warning names no object: ${warning.message}`);
    if (warning.message.startsWith('skipped:')) {
      assert.match(
        warning.message.slice('skipped: '.length),
        FIELD,
        `${warning.object}: ${warning.message.slice(0, 300)}`,
      );
    }
  }
}

/** FUZZ_TRACE=1 prints each case before it runs: the way to name a case that never finishes or runs out of memory. */
export function trace(...args: unknown[]): void {
  if (process.env.FUZZ_TRACE === '1') process.stderr.write(`case: ${fc.stringify(args).slice(0, 2_000)}\n`);
}

/** A value as text for a report, cut short; a value too deep to print says so instead of overflowing. */
function shown(value: unknown): string {
  try {
    const text = fc.stringify(value);
    return text.length > 2_000 ? `${text.slice(0, 2_000)}… (${String(text.length)} characters)` : text;
  } catch {
    return '(too deep to print)';
  }
}

/** fast-check parameters shared by every property: a fixed seed, stop at the first failure. */
export function parameters(numRuns: number): fc.Parameters<unknown> {
  return { seed: SEED, numRuns: Math.max(1, Math.round(numRuns * SCALE)), endOnFailure: true };
}

/**
 * Throws a failed run as one error naming the seed, the path that replays the case and the case,
 * cut short: fast-check's own report prints every character of a 100,000-character string and
 * overflows the stack on deep values.
 */
export function throwIfFailed<T>(details: fc.RunDetails<T>): void {
  if (!details.failed) return;
  const cause = details.errorInstance;
  throw new Error(
    `property failed after ${String(details.numRuns)} cases; replay with FUZZ_SEED=${String(details.seed)} (path "${details.counterexamplePath ?? ''}")\ncase: ${shown(details.counterexample)}\ncause: ${cause instanceof Error ? (cause.stack ?? cause.message).slice(0, 3_000) : shown(cause)}`,
    { cause },
  );
}

/** fc.assert with the short report of throwIfFailed. */
export function check<T>(property: fc.IProperty<T>, numRuns: number): void {
  throwIfFailed(fc.check(property, parameters(numRuns) as fc.Parameters<T>));
}

export async function checkAsync<T>(property: fc.IAsyncProperty<T>, numRuns: number): Promise<void> {
  throwIfFailed(await fc.check(property, parameters(numRuns) as fc.Parameters<T>));
}

export function report(name: string, numRuns: number, timings: Timings, extra = ''): void {
  console.log(
    `fuzz ${name}: seed ${String(SEED)}, ${String(Math.round(numRuns * SCALE))} runs; ${timings.summary()}${extra === '' ? '' : `; ${extra}`}`,
  );
}
