// The worker thread of the parallel input reader (parallel-load.ts): reads each file in reading
// order, checks it is text within the bounds, and for a plain JSON file counts its keys, so the main
// thread has only JSON.parse left to do. Other files (YAML) are parsed here in full. A file with
// any problem is answered `redo`: the main thread reads it again the ordinary way, which gives the
// error users know (file, document, line), so no error text is made twice.
import { readFileSync, statSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { inputFileName } from './input-files.ts';
import { plainJsonTextKeys } from './plain-json.ts';
import { checkText } from './text.ts';
import type { ParsedDocument } from './yaml.ts';
import { YAML_LIMITS } from './yaml-limits.ts';

/** What the worker answers for the file at `index` of the list it was given. */
export type FileReading =
  | { readonly index: number; readonly kind: 'json'; readonly text: string; readonly keys: number }
  | { readonly index: number; readonly kind: 'documents'; readonly documents: readonly ParsedDocument[] }
  | { readonly index: number; readonly kind: 'redo' };

export interface ReadTask {
  readonly root: string;
  readonly files: readonly string[];
}

async function readFile(root: string, file: string, index: number): Promise<FileReading> {
  const name = inputFileName(root, file);
  if (statSync(file).size > YAML_LIMITS.maxFileBytes) return { index, kind: 'redo' };
  const text = checkText(readFileSync(file), name);
  const keys = text.length <= YAML_LIMITS.maxDocumentBytes ? plainJsonTextKeys(text) : undefined;
  if (keys !== undefined) return { index, kind: 'json', text, keys };
  // The YAML reader is loaded only for a file that needs it: most estates are JSON.
  const { parseKubeYaml } = await import('./yaml.ts');
  return { index, kind: 'documents', documents: parseKubeYaml(text, name) };
}

async function readAll(port: NonNullable<typeof parentPort>, task: ReadTask): Promise<void> {
  for (let index = 0; index < task.files.length; index++) {
    const file = task.files[index] ?? '';
    let reading: FileReading;
    try {
      reading = await readFile(task.root, file, index);
    } catch {
      reading = { index, kind: 'redo' };
    }
    port.postMessage(reading);
  }
}

function isReadTask(value: unknown): value is ReadTask {
  if (typeof value !== 'object' || value === null) return false;
  const { root, files } = value as Partial<Record<keyof ReadTask, unknown>>;
  return typeof root === 'string' && Array.isArray(files) && files.every((file) => typeof file === 'string');
}

const task: unknown = workerData;
if (parentPort !== null && isReadTask(task)) await readAll(parentPort, task);
