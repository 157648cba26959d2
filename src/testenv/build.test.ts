// A failed build of a test-environment tool names the tool and quotes the end of its build log, even
// when the compiler's stdout closes long before its error reaches stderr. A stand-in `go` on the PATH
// fails fast.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, it } from 'node:test';

const buildModule = join(import.meta.dirname, 'build.ts');

/** Runs `ensure<tool>` in a child process whose `go` prints to both streams and exits 3. */
function failedBuild(tool: 'ensureHelm' | 'ensureIstioctl'): Promise<{ exited: boolean; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-hub-build-test-'));
  const cache = join(dir, 'cache');
  const go = join(dir, 'go');
  writeFileSync(
    go,
    [
      '#!/bin/sh',
      'if [ "$1" = version ]; then echo "go version go1.26.8 linux/amd64"; exit 0; fi',
      'echo "fetching modules"',
      // stdout closes well before the error reaches stderr: the order that lost the error before.
      'exec 1>&-',
      'sleep 0.3',
      'echo "compile: undefined: brokenSymbol" >&2',
      'exit 3',
      '',
    ].join('\n'),
  );
  chmodSync(go, 0o755);
  const script = `import(${JSON.stringify(buildModule)}).then((m) => m.${tool}()).then(
    () => { console.log('no error'); },
    (error) => { console.log(error.message); },
  );`;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-e', script],
      {
        env: { ...process.env, PATH: `${dir}${delimiter}${process.env.PATH ?? ''}`, MESHHUB_TESTENV_CACHE: cache },
      },
      (error, stdout, stderr) => {
        rmSync(dir, { recursive: true, force: true });
        resolve({ exited: error === null, output: stdout + stderr });
      },
    );
  });
}

describe('building a Go tool for the test environment', () => {
  for (const [tool, name] of [
    ['ensureHelm', 'helm'],
    ['ensureIstioctl', 'istioctl'],
  ] as const) {
    it(`${tool}: a failed build is an error with the exit code and the log's last lines`, async () => {
      const { exited, output } = await failedBuild(tool);
      assert.ok(exited, `the process must not crash:\n${output}`);
      assert.match(output, new RegExp(`^building ${name} failed \\(exit 3\\); full log: .*build\\.log\\n`));
      assert.match(output, /fetching modules/);
      assert.match(output, /compile: undefined: brokenSymbol/);
    });
  }
});
