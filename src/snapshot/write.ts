// Writes an output tree to disk. Only OUT/mgmt and OUT/clusters are replaced; nothing else in OUT is touched.
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describeFsError, ensureFolder, OutputError, prepareOutputFolder } from './output-folder.ts';
import { layoutOutputFiles, type RenderOutput } from './output.ts';
import { toCanonicalYaml } from './yaml.ts';
import { writeCanonicalYaml, YamlBytes } from './yaml-emitter.ts';

export { OutputError, prepareOutputFolder } from './output-folder.ts';

export function writeOutputTree(outDir: string, output: RenderOutput, inputDir?: string): string[] {
  prepareOutputFolder(outDir, inputDir);
  const out = resolve(outDir);
  const files = layoutOutputFiles(output);
  try {
    rmSync(join(out, 'mgmt'), { recursive: true, force: true });
    rmSync(join(out, 'clusters'), { recursive: true, force: true });
  } catch (error) {
    throw new OutputError(outDir, `cannot remove the previous output: ${describeFsError(error)}`);
  }
  for (const [name, objects] of files) {
    const path = join(out, name);
    ensureFolder(dirname(path), outDir);
    try {
      writeYamlStream(path, objects);
    } catch (error) {
      throw new OutputError(outDir, describeFsError(error));
    }
  }
  return [...files.keys()];
}

/** Bytes gathered before a write: few system calls, and no file's whole text in memory at once. */
const WRITE_CHUNK = 2 ** 20;

/** Reused from file to file: one buffer for the whole tree. */
const pending = new YamlBytes(WRITE_CHUNK * 2);

/** One output file, the layout's canonical stream (`---` before each object), written in chunks. */
function writeYamlStream(path: string, objects: readonly unknown[]): void {
  const fd = openSync(path, 'w');
  pending.length = 0;
  try {
    for (const object of objects) {
      pending.write('---\n');
      // The few objects the fast writer leaves alone go through the library's writer.
      if (!writeCanonicalYaml(pending, object)) pending.write(toCanonicalYaml(object));
      if (pending.length >= WRITE_CHUNK) writeAll(fd, pending);
    }
    writeAll(fd, pending);
  } finally {
    pending.length = 0;
    closeSync(fd);
  }
}

function writeAll(fd: number, text: YamlBytes): void {
  for (let written = 0; written < text.length;) written += writeSync(fd, text.bytes, written, text.length - written);
  text.length = 0;
}
