// `meshctl render` as the user runs it: the real CLI as a child process on an input tree in a
// temporary folder.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const main = new URL('../../src/cli/main.ts', import.meta.url).pathname;

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node src/cli/main.ts <args>`; a process that does not exit within the bound fails the test. */
export function meshctl(...args: string[]): Run {
  const run = spawnSync(process.execPath, [main, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 256 * 2 ** 20,
  });
  if (run.signal !== null) throw new Error(`meshctl ${args.join(' ')} did not exit (${run.signal})`);
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Writes files (relative path → text or bytes) into a new temporary folder; returns it. */
export function tree(files: Readonly<Record<string, string | Uint8Array>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-render-'));
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  return dir;
}

/** A cluster with an Istio mesh and one Service `bookinfo/reviews` (port 9080), for policies to select. */
export const ISTIO_CLUSTER: Readonly<Record<string, string>> = {
  'clusters/cluster-1/istio.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: {name: istiod, namespace: istio-system}
spec:
  selector: {matchLabels: {app: istiod}}
  template:
    metadata: {labels: {app: istiod}}
    spec:
      containers:
      - name: discovery
        image: docker.io/istio/pilot:1.22.1
---
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    trustDomain: cluster.local
`,
  'clusters/cluster-1/reviews.yaml': `apiVersion: v1
kind: Namespace
metadata: {name: bookinfo, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: bookinfo}
spec:
  selector: {app: reviews}
  ports:
  - {name: http, port: 9080}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: reviews-v1, namespace: bookinfo}
spec:
  selector: {matchLabels: {app: reviews}}
  template:
    metadata: {labels: {app: reviews, version: v1}}
    spec:
      containers:
      - name: reviews
        image: docker.io/istio/examples-bookinfo-reviews-v1:1.20.2
`,
};

/** A TrafficPolicy on `bookinfo/reviews` in cluster-1 with the given `spec.policy` (YAML flow text). */
export function trafficPolicy(name: string, policy: string): string {
  return `apiVersion: networking.mesh.gloo.solo.io/v1
kind: TrafficPolicy
metadata: {name: ${name}, namespace: gloo-mesh}
spec:
  destinationSelector:
  - kubeServiceRefs:
      services: [{name: reviews, namespace: bookinfo, clusterName: cluster-1}]
  policy: ${policy}
`;
}
