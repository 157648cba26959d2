// Mesh configuration that discovery reads out of ConfigMaps is user input too: a malformed one is a
// warning on that ConfigMap, and the rest of the render goes on (found by fuzzing `meshctl render`).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { render } from '../pipeline/render.ts';
import type { InputObject } from '../snapshot/input.ts';
import { loadInputTree } from '../snapshot/load.ts';

const input = join(import.meta.dirname, '..', '..', 'testdata', 'discovery', 'linkerd-emojivoto', 'input');

function withConfigMapData(key: string, name: string, value: string) {
  const snapshot = loadInputTree(input, { installNamespace: 'gloo-mesh' });
  let replaced = 0;
  const clusters = new Map(
    [...snapshot.clusters].map(([cluster, objects]) => [
      cluster,
      objects.map((entry): InputObject => {
        if (entry.object.kind !== 'ConfigMap' || entry.object.metadata.name !== name) return entry;
        replaced += 1;
        return { ...entry, object: { ...entry.object, data: { [key]: value } } };
      }),
    ]),
  );
  assert.equal(replaced, 1, `the seed has one ConfigMap ${name}`);
  return { ...snapshot, clusters };
}

describe('mesh configuration read from ConfigMaps', () => {
  it('a linkerd-config whose values are not YAML is a warning naming the ConfigMap and field, not a thrown error', () => {
    const output = render(
      withConfigMapData('values', 'linkerd-config', 'clusterDomain: cluster.local\nidentuster.local\n'),
    );
    const warning = output.warnings.find((w) => w.object === 'ConfigMap linkerd/linkerd-config');
    assert.ok(warning, JSON.stringify(output.warnings));
    assert.match(
      warning.message,
      /^data\.values is not YAML \(.+\): assuming cluster domain and trust domain cluster\.local$/,
    );
    const mesh = output.mgmt.find((o) => o.kind === 'Mesh') as
      { spec?: { linkerd?: { clusterDomain?: string } } } | undefined;
    assert.equal(mesh?.spec?.linkerd?.clusterDomain, 'cluster.local', 'the mesh is still discovered, with the default');
  });

  it('a linkerd-config holding an alias bomb is refused the same way', () => {
    let bomb = 'a: &a [x, x, x, x, x, x, x, x, x]\n';
    let previous = 'a';
    for (const anchor of 'bcdefgh') {
      bomb += `${anchor}: &${anchor} [${Array.from({ length: 9 }, () => `*${previous}`).join(', ')}]\n`;
      previous = anchor;
    }
    const output = render(withConfigMapData('values', 'linkerd-config', bomb));
    assert.ok(
      output.warnings.some((w) => w.object === 'ConfigMap linkerd/linkerd-config' && /not YAML/.test(w.message)),
    );
  });
});
