// Reads an input tree in the `meshctl render` layout (DESIGN.md §3) into an InputSnapshot.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { allKinds, findKind } from '../api/registry.ts';
import type { InputObject, InputSnapshot } from './input.ts';
import { InputError, parseKubeYaml, YAML_LIMITS } from './yaml.ts';

export interface LoadOptions {
  readonly installNamespace: string;
}

const managedGroups = new Set(allKinds.map((definition) => definition.group));

export function loadInputTree(root: string, options: LoadOptions): InputSnapshot {
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
  const mgmt = isDirectory(mgmtDir)
    ? readObjects(root, mgmtDir).map((input) => withManagementDefaults(input, options.installNamespace))
    : [];
  const clusters = new Map<string, readonly InputObject[]>();
  if (isDirectory(clustersDir)) {
    for (const name of readdirSync(clustersDir).sort()) {
      const dir = join(clustersDir, name);
      if (isDirectory(dir)) clusters.set(name, readObjects(root, dir));
    }
  }
  return { installNamespace: options.installNamespace, mgmt, clusters };
}

function withManagementDefaults(input: InputObject, installNamespace: string): InputObject {
  const { object, source } = input;
  const group = object.apiVersion.includes('/') ? object.apiVersion.slice(0, object.apiVersion.indexOf('/')) : '';
  if (managedGroups.has(group) && findKind(object.apiVersion, object.kind) === undefined) {
    throw new InputError(
      source.file ?? '',
      source.document,
      `unknown kind ${object.kind} in ${object.apiVersion} (known: ${allKinds
        .filter((definition) => definition.group === group)
        .map((definition) => `${definition.kind} (${definition.group}/${definition.version})`)
        .join(', ')})`,
    );
  }
  if (object.metadata.namespace !== undefined || object.kind === 'Namespace') return input;
  return { source, object: { ...object, metadata: { ...object.metadata, namespace: installNamespace } } };
}

function readObjects(root: string, dir: string): InputObject[] {
  const objects: InputObject[] = [];
  for (const file of yamlFiles(dir)) {
    const name = relative(root, file).split(sep).join('/');
    const size = statSync(file).size;
    if (size > YAML_LIMITS.maxFileBytes) {
      throw new InputError(
        name,
        undefined,
        `the file is ${(size / 2 ** 20).toFixed(0)} MiB; files over ${String(YAML_LIMITS.maxFileBytes / 2 ** 20)} MiB are not read (split it)`,
      );
    }
    for (const { document, object } of parseKubeYaml(readFileSync(file, 'utf8'), name)) {
      objects.push({ object, source: { file: name, document } });
    }
  }
  return objects;
}

function yamlFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...yamlFiles(path));
    else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) files.push(path);
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
