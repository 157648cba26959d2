// Reads an output tree that `meshctl render --output` wrote (DESIGN.md §3) back into objects, so a
// later render can be compared with it (`meshctl render --diff-against`).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { KubeObject } from '../api/meta.ts';
import { checkText } from './text.ts';
import { InputError, parseKubeYaml } from './yaml.ts';

export interface OutputTree {
  readonly mgmt: readonly KubeObject[];
  readonly clusters: ReadonlyMap<string, readonly KubeObject[]>;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function readFolder(root: string, dir: string): KubeObject[] {
  const objects: KubeObject[] = [];
  if (!isDirectory(dir)) return objects;
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) objects.push(...readFolder(root, path));
    else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) {
      const name = relative(root, path).split(sep).join('/');
      for (const { object } of parseKubeYaml(checkText(readFileSync(path), name), name)) objects.push(object);
    }
  }
  return objects;
}

export function loadOutputTree(root: string): OutputTree {
  if (!isDirectory(root)) throw new InputError(root, undefined, 'output folder does not exist or is not a folder');
  const clustersDir = join(root, 'clusters');
  if (!isDirectory(join(root, 'mgmt')) && !isDirectory(clustersDir)) {
    throw new InputError(
      root,
      undefined,
      'holds neither mgmt/ nor clusters/: name a folder that `meshctl render --output` wrote',
    );
  }
  const clusters = new Map<string, KubeObject[]>();
  if (isDirectory(clustersDir)) {
    for (const name of readdirSync(clustersDir).sort()) {
      if (isDirectory(join(clustersDir, name))) clusters.set(name, readFolder(root, join(clustersDir, name)));
    }
  }
  return { mgmt: readFolder(root, join(root, 'mgmt')), clusters };
}
