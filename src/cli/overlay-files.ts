// The files of `meshctl diff -f FILE|DIR|-`: read, parsed and checked before anything is rendered.
// Only what users author on the management cluster is accepted; anything else is an error naming
// the file, the document and the object.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { findKind } from '../api/registry.ts';
import { objectKey } from '../kube/resources.ts';
import { OVERLAY_KINDS } from '../diff/overlay.ts';
import { describeObject, type InputObject } from '../snapshot/input.ts';
import { checkText } from '../snapshot/text.ts';
import { InputError, parseKubeYaml } from '../snapshot/yaml.ts';

const INPUT_FILE = /\.(ya?ml|json)$/;

function filesOf(path: string): string[] {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new InputError(path, undefined, 'no such file or folder');
  }
  if (!stat.isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((entry) => {
      const child = join(path, entry.name);
      if (entry.isDirectory()) return filesOf(child);
      return entry.isFile() && INPUT_FILE.test(entry.name) ? [child] : [];
    });
}

/**
 * The objects of every -f argument, in order; `-` reads stdin (once). An object without namespace
 * goes to the install namespace, as `meshctl render` puts it.
 */
export function readOverlayFiles(
  paths: readonly string[],
  installNamespace: string,
  readStdin: () => string,
): InputObject[] {
  const objects: InputObject[] = [];
  const seen = new Map<string, string>();
  for (const path of paths) {
    const files = path === '-' ? ['-'] : filesOf(path);
    for (const file of files) {
      const text = file === '-' ? readStdin() : checkText(readFileSync(file), file);
      const shown = file === '-' ? '(stdin)' : file;
      for (const { document, object } of parseKubeYaml(text, shown)) {
        if (findKind(object.apiVersion, object.kind) === undefined || !OVERLAY_KINDS.has(object.kind)) {
          throw new InputError(
            shown,
            document,
            `${describeObject(object)} (${object.apiVersion}): meshctl diff takes only ${[...OVERLAY_KINDS].join(', ')} of the Mesh Hub API`,
          );
        }
        const placed =
          object.metadata.namespace === undefined
            ? { ...object, metadata: { ...object.metadata, namespace: installNamespace } }
            : object;
        const key = objectKey(placed);
        const where = `${shown} (document ${String(document)})`;
        const first = seen.get(key);
        if (first !== undefined) {
          throw new InputError(shown, document, `${describeObject(placed)} is given twice: here and in ${first}`);
        }
        seen.set(key, where);
        objects.push({ object: placed, source: { file: shown, document } });
      }
    }
  }
  return objects;
}
