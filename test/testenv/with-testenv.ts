// Runs a command with the test environment up: `node test/testenv/with-testenv.ts -- CMD ARGS…`.
// The clusters start once, the command gets MESHHUB_TEST_KUBECONFIG, and they are stopped afterwards,
// also on failure or Ctrl-C. Prints build and start-up times.
import { spawn } from 'node:child_process';
import { ensureIstioctl } from '../../src/testenv/build.ts';
import { startTestEnv, stopTestEnv, type TestEnvState } from '../../src/testenv/launcher.ts';
import { dumpClusters } from '../support/artifacts.ts';

const separator = process.argv.indexOf('--');
const command = separator === -1 ? [] : process.argv.slice(separator + 1);
if (command.length === 0) {
  console.error('usage: node test/testenv/with-testenv.ts -- COMMAND [ARGS…]');
  process.exit(2);
}

let state: TestEnvState | undefined;
const stop = async () => {
  if (state !== undefined) await stopTestEnv(state, { removeState: true });
  state = undefined;
};
// Last resort if this process dies some other way: the clusters run in their own process groups.
process.on('exit', () => {
  for (const pid of state?.clusters.flatMap((c) => c.pids) ?? []) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void stop().finally(() => process.exit(130));
  });
}

const t0 = performance.now();
try {
  state = await startTestEnv({
    log: (line) => {
      console.log(`testenv: ${line}`);
    },
  });
} catch (error) {
  console.error(`testenv: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
console.log(
  `testenv: ${state.clusters.length} clusters up in ${((performance.now() - t0) / 1000).toFixed(1)} s (build included); kubeconfig ${state.kubeconfigPath}`,
);
// Built once per machine before the tests start, so no test spends its time compiling.
const t1 = performance.now();
let istioctl: string;
try {
  istioctl = await ensureIstioctl((line) => {
    console.log(`testenv: ${line}`);
  });
} catch (error) {
  console.error(`testenv: ${error instanceof Error ? error.message : String(error)}`);
  await stop();
  process.exit(1);
}
console.log(`testenv: istioctl ready in ${((performance.now() - t1) / 1000).toFixed(1)} s: ${istioctl}`);
const [program = '', ...args] = command;
const code = await new Promise<number>((resolveRun) => {
  const child = spawn(program, args, {
    stdio: 'inherit',
    env: {
      ...process.env,
      MESHHUB_TEST_KUBECONFIG: state?.kubeconfigPath ?? '',
      MESHHUB_TESTENV_STATE: state?.stateDir ?? '',
    },
  });
  child.on('close', (exitCode) => {
    resolveRun(exitCode ?? 1);
  });
});
// For the secret scan (when MESHHUB_TEST_ARTIFACTS is set): statuses, events and credentials of every cluster.
await dumpClusters(
  state.kubeconfigPath,
  state.clusters.map((c) => c.name),
  'testenv',
).catch((error: unknown) => {
  console.error(`testenv: could not dump the clusters for the secret scan: ${String(error)}`);
});
await stop();
process.exit(code);
