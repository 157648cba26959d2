// Reads an input tree in the `meshctl render` layout (DESIGN.md §3) into an InputSnapshot.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { allKinds, findKind } from '../api/registry.ts';
import { objectKey } from '../kube/resources.ts';
import { checkText } from './text.ts';
import { describeObject, type InputObject, type InputSnapshot, type Warning } from './input.ts';
import { InputError, parseKubeYaml, parseKubeYamlCarefully, YAML_LIMITS } from './yaml.ts';

export interface LoadOptions {
  readonly installNamespace: string;
  /** Every file through the YAML reader, none the JSON fast way (tests compare the two). */
  readonly careful?: boolean;
}

/** The snapshot and what was read but not used (a management kind under clusters/). */
export interface LoadedInput extends InputSnapshot {
  readonly warnings: readonly Warning[];
}

const managedGroups = new Set(allKinds.map((definition) => definition.group));
/** Kinds that live on workload clusters: the cert agent's certificate kinds. */
const WORKLOAD_CLUSTER_GROUPS = new Set(['certificates.mesh.gloo.solo.io']);
/** YAML, and JSON (JSON is YAML: the same reader takes both). */
const INPUT_FILE = /\.(ya?ml|json)$/;

export function loadInputTree(root: string, options: LoadOptions): LoadedInput {
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
  const warnings: Warning[] = [];
  const mgmt = isDirectory(mgmtDir)
    ? readObjects(root, mgmtDir, options).map((input) => withManagementDefaults(input, options.installNamespace))
    : [];
  checkUnique(mgmt);
  const clusters = new Map<string, readonly InputObject[]>();
  if (isDirectory(clustersDir)) {
    for (const name of readdirSync(clustersDir).sort()) {
      const dir = join(clustersDir, name);
      if (!isDirectory(dir)) continue;
      const objects = readObjects(root, dir, options).filter((input) => {
        if (!isManagementKind(input)) return true;
        warnings.push({
          cluster: name,
          object: describeObject(input.object),
          source: input.source,
          message: `ignored: ${input.object.kind} is read from the management cluster only; move it under mgmt/`,
        });
        return false;
      });
      checkUnique(objects);
      clusters.set(name, objects);
    }
  }
  return { installNamespace: options.installNamespace, mgmt, clusters, warnings };
}

function isManagementKind({ object }: InputObject): boolean {
  const definition = findKind(object.apiVersion, object.kind);
  if (definition !== undefined) return !WORKLOAD_CLUSTER_GROUPS.has(definition.group);
  const slash = object.apiVersion.indexOf('/');
  const group = slash === -1 ? '' : object.apiVersion.slice(0, slash);
  return managedGroups.has(group) && !WORKLOAD_CLUSTER_GROUPS.has(group);
}

function at(input: InputObject): string {
  const { file, document } = input.source;
  return `${file ?? '?'}${document === undefined ? '' : ` (document ${String(document)})`}`;
}

/**
 * One object (group, kind, namespace, name) is defined once: two definitions would both be emitted,
 * and which one a cluster ends up with would depend on the order of files. Even an identical copy is
 * refused: the next edit would change one of them only.
 */
function checkUnique(objects: readonly InputObject[]): void {
  const seen = new Map<string, InputObject>();
  for (const input of objects) {
    const key = objectKey(input.object);
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, input);
      continue;
    }
    const how = isDeepStrictEqual(first.object, input.object) ? 'twice (identically)' : 'twice, differently';
    throw new InputError(
      input.source.file ?? '',
      input.source.document,
      `${describeObject(input.object)} is defined ${how}: here and in ${at(first)}; keep one`,
    );
  }
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

function readObjects(root: string, dir: string, options: LoadOptions): InputObject[] {
  const parse = options.careful === true ? parseKubeYamlCarefully : parseKubeYaml;
  const objects: InputObject[] = [];
  for (const file of inputFiles(dir)) {
    const name = relative(root, file).split(sep).join('/');
    const size = statSync(file).size;
    if (size > YAML_LIMITS.maxFileBytes) {
      throw new InputError(
        name,
        undefined,
        `the file is ${(size / 2 ** 20).toFixed(0)} MiB; files over ${String(YAML_LIMITS.maxFileBytes / 2 ** 20)} MiB are not read (split it)`,
      );
    }
    for (const { document, object } of parse(checkText(readFileSync(file), name), name)) {
      objects.push({ object, source: { file: name, document } });
    }
  }
  return objects;
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
