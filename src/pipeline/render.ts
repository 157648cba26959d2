// One pass of the pure core: input snapshot → management objects with status + per-cluster outputs.
// Used by `meshctl render` on files and by the controller on live caches.
import type { KubeObject } from '../api/meta.ts';
import { discover } from '../discovery/discover.ts';
import { renderNetworking } from '../networking/render-step.ts';
import type { InputSnapshot, Warning } from '../snapshot/input.ts';
import type { RenderOutput } from '../snapshot/output.ts';
import { checkManagementObject, withInvalidStatus, type CheckedObject } from './validate-input.ts';

export function render(snapshot: InputSnapshot): RenderOutput {
  const warnings: Warning[] = [];
  const checked: CheckedObject[] = snapshot.mgmt.map(checkManagementObject);
  const mgmt: KubeObject[] = [];
  for (const entry of checked) {
    switch (entry.outcome) {
      case 'invalid':
        mgmt.push(withInvalidStatus(entry.input.object, entry.errors));
        break;
      case 'valid':
        mgmt.push(entry.object);
        break;
      case 'foreign':
        break;
    }
  }
  const clusters = new Map<string, KubeObject[]>();
  for (const name of snapshot.clusters.keys()) clusters.set(name, []);
  const discovery = discover(snapshot);
  mgmt.push(...discovery.meshes, ...discovery.workloads, ...discovery.destinations);
  warnings.push(...discovery.warnings);
  // TrafficPolicy and AccessPolicy (issue 6): policies and Destinations get their computed status,
  // clusters get the translated mesh configuration.
  const networking = renderNetworking(
    snapshot.installNamespace,
    snapshot.clusters,
    checked.flatMap((entry) =>
      entry.outcome === 'valid' ? [{ object: entry.object, previousStatus: entry.input.object.status }] : [],
    ),
    discovery,
    snapshot.rootCertificates,
  );
  for (const [cluster, objects] of networking.outputs) clusters.get(cluster)?.push(...objects);
  // VirtualMeshes (trust, federation, default deny) and VirtualDestinations are part of renderNetworking:
  // their status, and that of the Meshes they group, come back as replacements too.
  return { mgmt: mgmt.map((object) => networking.replacements.get(object) ?? object), clusters, warnings };
}
