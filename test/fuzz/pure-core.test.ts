// Fuzzing the pure core (discovery → validation → translation → status, src/pipeline/render.ts) with
// mutated copies of the example and golden inputs: wrong types, huge strings and lists, deep nesting,
// unicode, duplicate names, 10,000 ports, regexes that backtrack. Properties: render never throws,
// every case finishes within a bound, every rejection names its object and field, and a valid
// object's output never changes because an invalid policy sits beside it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { KubeObject } from '../../src/api/meta.ts';
import type { InputSnapshot } from '../../src/snapshot/input.ts';
import { layoutOutputTree } from '../../src/snapshot/output.ts';
import { InputError, parseKubeYaml, toCanonicalYaml, YAML_LIMITS } from '../../src/snapshot/yaml.ts';
import { render } from '../../src/pipeline/render.ts';
import {
  assertRejectionsNamed,
  BACKTRACKING_REGEXES,
  HUGE_STRINGS,
  loadSeeds,
  mutate,
  mutation,
  check,
  renderWithinBound,
  replaceObject,
  report,
  target,
  Timings,
  trace,
  unwrap,
} from './support.ts';

const seeds = loadSeeds();
const seedIndex = fc.nat({ max: seeds.length - 1 });

/** What the file reader makes of an object whose envelope (apiVersion, kind, metadata) is broken. */
function assertReaderRejects(object: KubeObject): void {
  let text: string;
  try {
    text = toCanonicalYaml(object);
  } catch {
    return; // not representable as YAML at all (e.g. a cycle): cannot reach the reader
  }
  assert.throws(
    () => parseKubeYaml(text, 'fuzz.yaml'),
    (error: unknown) =>
      error instanceof InputError &&
      /^fuzz\.yaml( \(document 0\))?: ((missing required )?field |invalid YAML at line \d+, column \d+: nested too deeply|the document starting at line)/.test(
        error.message,
      ),
  );
}

/** Whether the value nests deeper than `limit`; stops looking at the limit. */
function deeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (limit === 0) return true;
  return Object.values(value).some((item) => deeperThan(item, limit - 1));
}

/**
 * The mutated objects the file reader would accept go to render; the others must be refused by the
 * reader, naming the field. Render's input comes from the reader or from an API server; the reader
 * refuses nesting over YAML_LIMITS.maxDepth (yaml-limits.test.ts), so deeper objects are dropped
 * here and fed to the core alone by the last test below.
 */
function keepReadable(objects: readonly KubeObject[]): KubeObject[] {
  return objects.filter((object) => {
    if (deeperThan(object, YAML_LIMITS.maxDepth)) return false;
    if (KubeObject.safeParse(object).success) return true;
    assertReaderRejects(object);
    return false;
  });
}

describe('fuzz: the pure core on mutated inputs', () => {
  it('never throws, finishes each case within the bound, and names every rejection', () => {
    const runs = 500;
    const timings = new Timings();
    check(
      fc.property(
        seedIndex,
        target,
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        (s, where, mutations, duplicate) => {
          trace(s, where, mutations, duplicate);
          const seed = seeds[s];
          assert.ok(seed);
          const changed = replaceObject(seed.snapshot, where, (object) => {
            const mutated = mutate(object, mutations);
            // Duplicate names: the original and the mutated copy side by side.
            return keepReadable(duplicate ? [object, mutated] : [mutated]);
          });
          if (changed === undefined) return;
          const { output } = renderWithinBound(changed.snapshot, timings);
          assertRejectionsNamed(output);
        },
      ),
      runs,
    );
    report('render of mutated objects', runs, timings);
  });

  it('a valid object’s output and status never change because an invalid policy sits beside it', () => {
    const runs = 200;
    const timings = new Timings();
    const withPolicies = seeds.filter((seed) =>
      seed.snapshot.mgmt.some((input) => input.object.kind === 'TrafficPolicy' || input.object.kind === 'AccessPolicy'),
    );
    const baselines = new Map<string, Map<string, string>>();
    let invalid = 0;
    check(
      fc.property(
        fc.nat({ max: withPolicies.length - 1 }),
        fc.nat(),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        (s, p, mutations) => {
          trace(s, p, mutations);
          const seed = withPolicies[s];
          assert.ok(seed);
          const policies = seed.snapshot.mgmt.filter((input) => /^(Traffic|Access)Policy$/.test(input.object.kind));
          const policy = policies[p % policies.length];
          assert.ok(policy);
          let baseline = baselines.get(seed.name);
          if (baseline === undefined) {
            baseline = renderWithinBound(seed.snapshot, timings).files;
            baselines.set(seed.name, baseline);
          }
          const name = 'fuzz-added-policy';
          const named = { ...policy.object, metadata: { ...policy.object.metadata, name } };
          const [added] = keepReadable([mutate(named, mutations)]);
          if (added?.metadata.name !== name || added.metadata.namespace !== policy.object.metadata.namespace) return;
          const snapshot: InputSnapshot = {
            ...seed.snapshot,
            mgmt: [...seed.snapshot.mgmt, { object: added, source: policy.source }],
          };
          const { output } = renderWithinBound(snapshot, timings);
          const isAdded = (object: KubeObject) =>
            object.kind === added.kind &&
            object.metadata.name === name &&
            object.metadata.namespace === added.metadata.namespace;
          const status = (
            output.mgmt.find(isAdded) as
              { status?: { state?: string; destinations?: Record<string, { state?: string }> } } | undefined
          )?.status;
          // Rejected everywhere: a policy INVALID overall may still be ACCEPTED on some Destinations,
          // and then it rightly shapes their output.
          if (status?.state !== 'INVALID') return;
          if (Object.values(status.destinations ?? {}).some((d) => d.state === 'ACCEPTED')) return;
          invalid += 1;
          const others = layoutOutputTree({ ...output, mgmt: output.mgmt.filter((object) => !isAdded(object)) });
          assert.deepEqual([...others.keys()], [...baseline.keys()]);
          for (const [file, content] of baseline)
            assert.equal(others.get(file), content, `${seed.name}: ${file} changed`);
        },
      ),
      runs,
    );
    report(
      'invalid policy beside a valid estate',
      runs,
      timings,
      `${String(invalid)} of the added policies INVALID and compared`,
    );
    assert.ok(
      invalid > runs / 4,
      `only ${String(invalid)} of ${String(runs)} added policies came out INVALID: the property tested little`,
    );
  });

  it('renders a Service with 10,000 ports within the bound', () => {
    const seed = seeds.find((s) => s.name === 'examples/bookinfo');
    assert.ok(seed);
    const timings = new Timings();
    let found = false;
    const clusters = new Map(
      [...seed.snapshot.clusters].map(([cluster, objects]) => [
        cluster,
        objects.map((input) => {
          if (found || input.object.kind !== 'Service' || input.object.metadata.name !== 'reviews') return input;
          found = true;
          const ports = Array.from({ length: 10_000 }, (_, i) => ({
            name: `http-${String(i)}`,
            port: 1024 + i,
            protocol: 'TCP',
            targetPort: 1024 + i,
          }));
          return {
            ...input,
            object: { ...input.object, spec: { ...(input.object as { spec?: object }).spec, ports } },
          };
        }),
      ]),
    );
    assert.ok(found, 'the bookinfo example has a reviews Service');
    // Its output is 6 MB of YAML, most of the time spent writing it.
    const { output } = renderWithinBound({ ...seed.snapshot, clusters }, timings);
    assertRejectionsNamed(output);
    report('Service with 10,000 ports', 1, timings);
  });

  it('passes backtracking regexes and huge strings in request matchers through untouched, within the bound', () => {
    const seed = seeds.find((s) => s.name.includes('request-matchers'));
    assert.ok(seed);
    const runs = 60;
    const timings = new Timings();
    const policies = seed.snapshot.mgmt.filter((input) => input.object.kind === 'TrafficPolicy');
    check(
      fc.property(
        fc.nat({ max: policies.length - 1 }),
        fc.constantFrom<unknown>(...BACKTRACKING_REGEXES, ...HUGE_STRINGS.slice(0, 4)),
        fc.constantFrom('uri', 'header', 'query'),
        (p, built, where) => {
          const regex = String(unwrap(built));
          const policy = policies[p];
          assert.ok(policy);
          const spec = (policy.object as { spec?: Record<string, unknown> }).spec ?? {};
          const matcher =
            where === 'uri'
              ? { uri: { regex } }
              : where === 'header'
                ? { headers: [{ name: 'x-fuzz', value: regex, regex: true }] }
                : { queryParameters: [{ name: 'q', value: regex, regex: true }] };
          const object = { ...policy.object, spec: { ...spec, httpRequestMatchers: [matcher] } } as KubeObject;
          const mgmt = seed.snapshot.mgmt.map((input) => (input === policy ? { ...input, object } : input));
          const { output } = renderWithinBound({ ...seed.snapshot, mgmt }, timings);
          assertRejectionsNamed(output);
          // Translated, never evaluated: the regex reaches the VirtualService as written.
          const state = (
            output.mgmt.find((o) => o.kind === 'TrafficPolicy' && o.metadata.name === policy.object.metadata.name) as
              { status?: { state?: string } } | undefined
          )?.status?.state;
          if (state === 'ACCEPTED') {
            const outputs = [...output.clusters.values()].flat().map((o) => JSON.stringify(o));
            assert.ok(
              outputs.some((text) => text.includes(JSON.stringify(regex).slice(1, -1))),
              'the regex is in an output',
            );
          }
        },
      ),
      runs,
    );
    report('backtracking regexes in request matchers', runs, timings);
  });

  it('does not hang on names, labels and hosts made of long runs of one character', () => {
    const runs = 80;
    const timings = new Timings();
    const fields = [
      ['metadata', 'name'],
      ['metadata', 'namespace'],
      ['metadata', 'labels', 'version'],
      ['spec', 'selector', 'matchLabels', 'app'],
      ['spec', 'template', 'metadata', 'labels', 'version'],
      ['spec', 'selector', 'app'],
    ];
    check(
      fc.property(
        seedIndex,
        target,
        fc.constantFrom(...fields),
        fc.constantFrom(...HUGE_STRINGS),
        (s, where, path, value) => {
          const seed = seeds[s];
          assert.ok(seed);
          const changed = replaceObject(seed.snapshot, where, (object) => {
            const copy = structuredClone(object) as unknown as Record<string, unknown>;
            let cursor: Record<string, unknown> = copy;
            for (const key of path.slice(0, -1)) {
              const next = cursor[key];
              if (typeof next !== 'object' || next === null || Array.isArray(next)) return [object];
              cursor = next as Record<string, unknown>;
            }
            cursor[path[path.length - 1] ?? 'name'] = value;
            return keepReadable([copy as unknown as KubeObject]);
          });
          if (changed === undefined) return;
          assertRejectionsNamed(renderWithinBound(changed.snapshot, timings).output);
        },
      ),
      runs,
    );
    report('long runs in names and labels', runs, timings);
  });

  it('the core takes objects nested thousands of levels deep (from an API server, say) without throwing', () => {
    const seed = seeds.find((s) => s.name.includes('request-matchers'));
    assert.ok(seed);
    let deep: unknown = 'leaf';
    for (let i = 0; i < 5_000; i++) deep = { a: deep };
    const mgmt = seed.snapshot.mgmt.map((input) =>
      input.object.kind === 'TrafficPolicy' ? { ...input, object: { ...input.object, spec: { policy: deep } } } : input,
    );
    const clusters = new Map(
      [...seed.snapshot.clusters].map(([name, objects]) => [
        name,
        objects.map((input) => ({ ...input, object: { ...input.object, extra: deep } })),
      ]),
    );
    const output = render({ ...seed.snapshot, mgmt, clusters });
    assert.ok(output.mgmt.some((object) => (object as { status?: { state?: string } }).status?.state === 'INVALID'));
  });
});
