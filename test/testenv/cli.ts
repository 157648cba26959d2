// `npm run testenv -- up|down|status`: the test clusters for people (and the demo), in the background.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from '../../src/testenv/build.ts';
import { clusterProcessesAlive, startTestEnv, stopTestEnv, type TestEnvState } from '../../src/testenv/launcher.ts';

const stateDir = process.env.MESHHUB_TESTENV_STATE_DIR ?? join(cacheRoot(), 'testenv-state');
const stateFile = join(stateDir, 'state.json');

function readState(): TestEnvState | undefined {
  if (!existsSync(stateFile)) return undefined;
  return JSON.parse(readFileSync(stateFile, 'utf8')) as TestEnvState;
}

function printUsage(state: TestEnvState): void {
  const kubectl = `${state.binary} kubectl`;
  console.log(`kubeconfig: ${state.kubeconfigPath}\n`);
  console.log(`export KUBECONFIG=${state.kubeconfigPath}`);
  console.log(`alias kubectl='${kubectl}'`);
  for (const cluster of state.clusters)
    console.log(`${kubectl} --kubeconfig ${state.kubeconfigPath} --context ${cluster.name} get namespaces`);
}

const command = process.argv[2];
switch (command) {
  case 'up': {
    const existing = readState();
    if (existing !== undefined && existing.clusters.every(clusterProcessesAlive)) {
      console.log(
        `the test clusters are already running (${existing.clusters.map((c) => c.name).join(', ')}); reusing them`,
      );
      printUsage(existing);
      break;
    }
    if (existing !== undefined) {
      await stopTestEnv(existing);
      rmSync(stateDir, { recursive: true, force: true });
    }
    const t0 = performance.now();
    const state = await startTestEnv({
      stateDir,
      log: (line) => {
        console.log(line);
      },
    });
    console.log(
      `\n${state.clusters.length} clusters up in ${((performance.now() - t0) / 1000).toFixed(1)} s; stop them with: npm run testenv -- down\n`,
    );
    printUsage(state);
    break;
  }
  case 'down': {
    const state = readState();
    if (state === undefined) {
      console.log('no test clusters are running');
      break;
    }
    await stopTestEnv(state);
    rmSync(stateDir, { recursive: true, force: true });
    console.log(`stopped ${state.clusters.map((c) => c.name).join(', ')}`);
    break;
  }
  case 'status': {
    const state = readState();
    if (state === undefined) {
      console.log('no test clusters are running (start them with: npm run testenv -- up)');
      process.exitCode = 1;
      break;
    }
    for (const cluster of state.clusters) {
      console.log(
        `${cluster.name.padEnd(12)} ${clusterProcessesAlive(cluster) ? 'running' : 'STOPPED'}   ${cluster.server}   logs: ${cluster.logDir}`,
      );
    }
    console.log(`kubeconfig: ${state.kubeconfigPath}`);
    break;
  }
  default:
    console.error('usage: npm run testenv -- up|down|status');
    process.exitCode = 2;
}
