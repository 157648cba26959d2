// Golden cases: `testdata/<area>/<case>/input` in the render layout, rendered through the same
// loader, pipeline and writer as `meshctl render`, compared with `output/` file by file.
// UPDATE_GOLDEN=1 rewrites the expected output.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { DEFAULT_INSTALL_NAMESPACE } from '../api/labels.ts';
import { render } from '../pipeline/render.ts';
import { loadInputTree } from '../snapshot/load.ts';
import { layoutOutputTree } from '../snapshot/output.ts';

const repoRoot = join(import.meta.dirname, '..', '..');

export function goldenCases(area: string): string[] {
  const dir = join(repoRoot, 'testdata', area);
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory())
    .sort()
    .map((name) => join(dir, name));
}

function filesUnder(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (current: string) => {
    if (!existsSync(current)) return;
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.set(relative(dir, path), readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

/** The rendered output of a case as files, warnings included as `warnings.txt`. */
export function renderCase(caseDir: string): Map<string, string> {
  const output = render(loadInputTree(join(caseDir, 'input'), { installNamespace: DEFAULT_INSTALL_NAMESPACE }));
  const files = layoutOutputTree(output);
  if (output.warnings.length > 0) {
    files.set(
      'warnings.txt',
      output.warnings.map((w) => `${w.cluster ?? 'mgmt'}: ${w.object}: ${w.message}\n`).join(''),
    );
  }
  return files;
}

export function assertGolden(caseDir: string): void {
  const actual = renderCase(caseDir);
  const outputDir = join(caseDir, 'output');
  if (process.env.UPDATE_GOLDEN === '1') {
    rmSync(outputDir, { recursive: true, force: true });
    for (const [name, content] of actual) {
      mkdirSync(dirname(join(outputDir, name)), { recursive: true });
      writeFileSync(join(outputDir, name), content);
    }
    return;
  }
  const expected = filesUnder(outputDir);
  const hint = `\nIf the change is intended, rewrite the golden files with:\n  UPDATE_GOLDEN=1 node --test ${relative(repoRoot, process.argv[1] ?? 'the golden test')}\nand review the diff.`;
  assert.deepEqual(
    [...actual.keys()].sort(),
    [...expected.keys()].sort(),
    `files of ${relative(repoRoot, caseDir)}/output differ${hint}`,
  );
  for (const [name, content] of actual) {
    assert.equal(content, expected.get(name), `${relative(repoRoot, caseDir)}/output/${name} differs${hint}`);
  }
}
