import { basename } from 'node:path';
import { describe, it } from 'node:test';
import { assertGolden, goldenCases } from '../testing/golden.ts';

describe('networking golden cases (testdata/networking)', () => {
  for (const caseDir of goldenCases('networking')) {
    it(basename(caseDir), () => {
      assertGolden(caseDir);
    });
  }
});
