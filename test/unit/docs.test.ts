// The user docs (README.md, docs/) only point at what a user has: no page sends the reader to the
// maintainers' design notes, which are not in the repository.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';

const root = join(import.meta.dirname, '..', '..');

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

const pages = [join(root, 'README.md'), ...markdownFiles(join(root, 'docs'))];

describe('user docs', () => {
  it('do not refer to DESIGN.md', () => {
    for (const page of pages) {
      const text = readFileSync(page, 'utf8');
      assert.doesNotMatch(text, /DESIGN\.md/, relative(root, page));
    }
  });
});
