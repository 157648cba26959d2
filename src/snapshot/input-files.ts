// Which files an input tree in the `meshctl render` layout holds, in the order they are read
// (DESIGN.md §3). Free of the YAML library and the schemas: the parallel reader lists the files
// before the rest of the render is loaded.
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { InputError } from './input-error.ts';

/** The files to read: mgmt/ (undefined when absent), then each folder under clusters/, by name. */
export interface InputPlan {
  readonly root: string;
  readonly mgmt: readonly string[] | undefined;
  readonly clusters: readonly { readonly name: string; readonly files: readonly string[] }[];
}

/** YAML, and JSON (JSON is YAML: the same reader takes both). */
const INPUT_FILE = /\.(ya?ml|json)$/;

export function planInputTree(root: string): InputPlan {
  if (!isDirectory(root)) throw new InputError(root, undefined, 'input folder does not exist or is not a folder');
  const mgmtDir = join(root, 'mgmt');
  const clustersDir = join(root, 'clusters');
  if (!isDirectory(mgmtDir) && !isDirectory(clustersDir)) {
    throw new InputError(
      root,
      undefined,
      'input folder holds neither mgmt/ nor clusters/ (see `meshctl render --help`)',
    );
  }
  const clusters: { name: string; files: string[] }[] = [];
  if (isDirectory(clustersDir)) {
    for (const name of readdirSync(clustersDir).sort()) {
      const dir = join(clustersDir, name);
      if (isDirectory(dir)) clusters.push({ name, files: inputFiles(dir) });
    }
  }
  return { root, mgmt: isDirectory(mgmtDir) ? inputFiles(mgmtDir) : undefined, clusters };
}

/** Every file of a plan, in reading order. */
export function planFiles(plan: InputPlan): string[] {
  return [...(plan.mgmt ?? []), ...plan.clusters.flatMap((cluster) => cluster.files)];
}

/** A file's name as errors and warnings show it: relative to the input folder, with `/`. */
export function inputFileName(root: string, file: string): string {
  return relative(root, file).split(sep).join('/');
}

function inputFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...inputFiles(path));
    else if (entry.isFile() && INPUT_FILE.test(entry.name)) files.push(path);
  }
  return files;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
