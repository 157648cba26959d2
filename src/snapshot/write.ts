// Writes an output tree to disk. Only OUT/mgmt and OUT/clusters are replaced; nothing else in OUT is touched.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { layoutOutputTree, type RenderOutput } from './output.ts';

export function writeOutputTree(outDir: string, output: RenderOutput, inputDir?: string): string[] {
  const out = resolve(outDir);
  if (inputDir !== undefined) {
    const input = resolve(inputDir);
    if (out === input || input.startsWith(`${out}/`)) {
      throw new Error(`refusing to write output into ${outDir}: it holds the input ${inputDir}`);
    }
  }
  rmSync(join(out, 'mgmt'), { recursive: true, force: true });
  rmSync(join(out, 'clusters'), { recursive: true, force: true });
  const files = layoutOutputTree(output);
  for (const [name, content] of files) {
    const path = join(out, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  return [...files.keys()];
}
