// Estates for the explain tests and docs/explain.md: a networking golden input, with the policies of
// a testdata/explain case in place of its own when one is named, rendered by the real pipeline (the
// translators write the objects the answers are checked against).
import { join } from 'node:path';
import { DEFAULT_INSTALL_NAMESPACE } from '../api/labels.ts';
import { renderedEstate } from '../explain/estate-objects.ts';
import type { RenderedEstate } from '../explain/explanation.ts';
import { render } from '../pipeline/render.ts';
import type { InputSnapshot } from '../snapshot/input.ts';
import { loadInputTree } from '../snapshot/load.ts';

const testdata = join(import.meta.dirname, '..', '..', 'testdata');
const POLICY_KINDS = new Set(['TrafficPolicy', 'AccessPolicy']);

/** The input of a networking golden case, its policies replaced by those of testdata/explain/<overlay>. */
export function explainInput(base: string, overlay?: string): InputSnapshot {
  const options = { installNamespace: DEFAULT_INSTALL_NAMESPACE };
  const snapshot = loadInputTree(join(testdata, 'networking', base, 'input'), options);
  if (overlay === undefined) return snapshot;
  const policies = loadInputTree(join(testdata, 'explain', overlay), options).mgmt;
  return { ...snapshot, mgmt: [...snapshot.mgmt.filter((i) => !POLICY_KINDS.has(i.object.kind)), ...policies] };
}

const cache = new Map<string, RenderedEstate>();

/** The rendered estate of explainInput, with the clusters' own objects; rendered once per process. */
export function explainEstate(base: string, overlay?: string): RenderedEstate {
  const key = `${base}+${overlay ?? ''}`;
  let estate = cache.get(key);
  if (estate === undefined) {
    const snapshot = explainInput(base, overlay);
    estate = renderedEstate(snapshot, render(snapshot));
    cache.set(key, estate);
  }
  return estate;
}
