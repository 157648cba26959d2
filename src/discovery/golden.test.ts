import { basename } from 'node:path';
import { describe, it } from 'node:test';
import { assertGolden, goldenCases } from '../testing/golden.ts';

describe('discovery golden cases (testdata/discovery)', () => {
  for (const caseDir of goldenCases('discovery')) {
    it(basename(caseDir), () => {
      assertGolden(caseDir);
    });
  }
});
