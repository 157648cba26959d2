// Reads an input tree in the `meshctl render` layout (DESIGN.md §3) into an InputSnapshot.
import { readFileSync, statSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { allKinds, findKind } from '../api/registry.ts';
import { objectKey } from '../kube/resources.ts';
import { checkText } from './text.ts';
import { describeObject, type InputObject, type InputSnapshot, type Warning } from './input.ts';
import { inputFileName, planInputTree, type InputPlan } from './input-files.ts';
import { InputError, parseKubeYaml, parseKubeYamlCarefully, YAML_LIMITS, type ParsedDocument } from './yaml.ts';

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

export function loadInputTree(root: string, options: LoadOptions): LoadedInput {
  const plan = planInputTree(root);
  const parse = options.careful === true ? parseKubeYamlCarefully : parseKubeYaml;
  return assembleInputTree(plan, options, (file) => readInputFile(plan.root, file, parse));
}

/**
 * The snapshot of a planned tree, each file's objects from `objectsOf`, asked in reading order: the
 * first file that cannot be read is the one reported, however the files were read.
 */
export function assembleInputTree(
  plan: InputPlan,
  options: LoadOptions,
  objectsOf: (file: string) => readonly InputObject[],
): LoadedInput {
  const warnings: Warning[] = [];
  const mgmt =
    plan.mgmt === undefined
      ? []
      : plan.mgmt
          .flatMap((file) => objectsOf(file))
          .map((input) => withManagementDefaults(input, options.installNamespace));
  checkUnique(mgmt);
  const clusters = new Map<string, readonly InputObject[]>();
  for (const { name, files } of plan.clusters) {
    const objects = files
      .flatMap((file) => objectsOf(file))
      .filter((input) => {
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

/** One file's objects, read here and now; the same checks, in the same order, as the parallel reader. */
export function readInputFile(
  root: string,
  file: string,
  parse: (text: string, file: string) => ParsedDocument[] = parseKubeYaml,
): InputObject[] {
  const name = inputFileName(root, file);
  const size = statSync(file).size;
  if (size > YAML_LIMITS.maxFileBytes) {
    throw new InputError(
      name,
      undefined,
      `the file is ${(size / 2 ** 20).toFixed(0)} MiB; files over ${String(YAML_LIMITS.maxFileBytes / 2 ** 20)} MiB are not read (split it)`,
    );
  }
  return parse(checkText(readFileSync(file), name), name).map(({ document, object }) => ({
    object,
    source: { file: name, document },
  }));
}
