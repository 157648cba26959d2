// Every folder under examples/ is what a new user renders first: it must show Mesh Hub working.
// Each object's status, and every per-Destination / per-mesh entry inside it, must be ACCEPTED,
// unless the example's README says "meant to fail".
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_INSTALL_NAMESPACE } from '../../src/api/labels.ts';
import { render } from '../../src/pipeline/render.ts';
import { loadInputTree } from '../../src/snapshot/load.ts';

const examplesDir = join(import.meta.dirname, '..', '..', 'examples');

/** Every `state` in a status, with the path to it. */
function states(value: unknown, path: string): { path: string; state: string }[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => states(item, `${path}[${String(i)}]`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) =>
    key === 'state' && typeof child === 'string'
      ? [{ path: `${path}.state`, state: child }]
      : states(child, `${path}.${key}`),
  );
}

const examples = readdirSync(examplesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

test('there is at least one example', () => {
  assert.ok(examples.length > 0);
});

for (const name of examples) {
  test(`examples/${name} renders with every object ACCEPTED`, () => {
    const dir = join(examplesDir, name);
    const readme = join(dir, 'README.md');
    const meantToFail = existsSync(readme) && /meant to fail/i.test(readFileSync(readme, 'utf8'));
    const output = render(loadInputTree(dir, { installNamespace: DEFAULT_INSTALL_NAMESPACE }));
    const bad = output.mgmt.flatMap((object) =>
      states((object as { status?: unknown }).status, 'status')
        .filter(({ state }) => state !== 'ACCEPTED')
        .map(
          ({ path, state }) =>
            `${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}: ${path} = ${state}`,
        ),
    );
    if (meantToFail)
      assert.notDeepEqual(bad, [], `examples/${name} says it is meant to fail, but everything is ACCEPTED`);
    else assert.deepEqual(bad, [], `examples/${name}: objects not ACCEPTED`);
    assert.ok(
      output.mgmt.some((object) => object.kind === 'Mesh'),
      `examples/${name} discovers no Mesh`,
    );
  });
}
