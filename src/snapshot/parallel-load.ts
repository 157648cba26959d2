// `meshctl render`'s input reader: loadInputTree's result, with the second core put to work. A
// worker thread (input-read-worker.ts) reads the files and does every check that needs no parse
// (text, bounds, the keys of a JSON file for the duplicate-key check) while this thread loads the
// rest of the render; this thread JSON.parses each file as it arrives, and at the end assembles the
// snapshot exactly as loadInputTree does, asking for files in reading order, so the first bad file
// is the one reported, with the same words. Light to import: the schemas and the YAML library are
// loaded only once the worker is running.
import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { InputObject } from './input.ts';
import { inputFileName, planFiles, planInputTree } from './input-files.ts';
import type { FileReading, ReadTask } from './input-read-worker.ts';
import type { LoadedInput, LoadOptions } from './load.ts';
import { parseCountedJson, type PlainJson } from './plain-json.ts';
import type { ParsedDocument } from './yaml.ts';

/** A file as far as it was read on arrival; `redo` and anything missing are read again here. */
type Arrived =
  | { readonly kind: 'json'; readonly json: PlainJson }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'documents'; readonly documents: readonly ParsedDocument[] };

/**
 * Below this many bytes of input the worker is not started: starting it, and loading the YAML reader
 * in it, would cost more than reading the files here.
 */
const MIN_WORKER_BYTES = 4 * 2 ** 20;

/**
 * Starts reading at once (the plan's errors are thrown here, before anything else); the promise
 * settles with the snapshot or the error of the first file, in reading order, that cannot be read.
 * `minWorkerBytes` lets tests put the worker to work on small trees.
 */
export function readInputTree(
  root: string,
  options: LoadOptions,
  minWorkerBytes = MIN_WORKER_BYTES,
): Promise<LoadedInput> {
  const plan = planInputTree(root);
  const files = planFiles(plan);
  const arrived = new Map<string, Arrived>();
  const finished =
    inputBytes(files, minWorkerBytes) < minWorkerBytes ? Promise.resolve() : readInWorker(root, files, arrived);
  return (async () => {
    const [load, yaml] = await Promise.all([import('./load.ts'), import('./yaml.ts')]);
    await finished;
    const objectsOf = (file: string): readonly InputObject[] => {
      const read = arrived.get(file);
      // Dropped once used: the texts and values of a large estate are hundreds of megabytes.
      arrived.delete(file);
      if (read === undefined) return load.readInputFile(root, file);
      const name = inputFileName(root, file);
      const documents =
        read.kind === 'json'
          ? yaml.plainJsonDocuments(read.json, name)
          : read.kind === 'text'
            ? yaml.parseKubeYamlCarefully(read.text, name)
            : read.documents;
      return documents.map(({ document, object }) => ({ object, source: { file: name, document } }));
    };
    return load.assembleInputTree(plan, options, objectsOf);
  })();
}

/** The files' sizes added up, stopping once past `bound`; a file that cannot be read counts as 0. */
function inputBytes(files: readonly string[], bound: number): number {
  let bytes = 0;
  for (const file of files) {
    try {
      bytes += statSync(file).size;
    } catch {
      // Read again on this thread, which reports it.
    }
    if (bytes >= bound) break;
  }
  return bytes;
}

/** Starts the worker; settles once every file has arrived, or the worker stopped (what it left is read here). */
function readInWorker(root: string, files: readonly string[], arrived: Map<string, Arrived>): Promise<void> {
  const task: ReadTask = { root, files };
  const worker = new Worker(new URL('./input-read-worker.ts', import.meta.url), { workerData: task });
  // It never keeps the process alive: what it has not read is read on this thread.
  worker.unref();
  return new Promise<void>((settle) => {
    let received = 0;
    let stopped = false;
    const done = () => {
      if (stopped) return;
      stopped = true;
      void worker.terminate();
      settle();
    };
    worker.on('message', (reading: FileReading) => {
      if (stopped) return;
      const file = files[reading.index];
      if (file !== undefined) {
        const read = onArrival(reading);
        if (read !== undefined) arrived.set(file, read);
      }
      if (++received === files.length) done();
    });
    // A worker that fails or stops early leaves its files to this thread: the result is the same.
    worker.on('error', done);
    worker.on('exit', done);
    if (files.length === 0) done();
  });
}

/** A JSON file is parsed as soon as it arrives, while the worker reads the next ones. */
function onArrival(reading: FileReading): Arrived | undefined {
  switch (reading.kind) {
    case 'json': {
      const json = parseCountedJson(reading.text, reading.keys);
      // Duplicate keys or a form the fast way leaves alone: the YAML reader decides, as parseKubeYaml does.
      return json === undefined ? { kind: 'text', text: reading.text } : { kind: 'json', json };
    }
    case 'documents':
      return { kind: 'documents', documents: reading.documents };
    case 'redo':
      return undefined;
  }
}
