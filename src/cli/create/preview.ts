// What applying a new object would do, in words: the state the management plane would give it, per
// Destination (policies) or Mesh (VirtualMesh), and the objects it would write in each cluster.
import type { KubeObject } from '../../api/meta.ts';
import type { Prediction } from './check-object.ts';

export function formatPreview(object: KubeObject, prediction: Prediction): string {
  const what = `${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`;
  const lines = [
    `What it will change (the management plane's translation of the management cluster's objects with it added):`,
  ];
  lines.push(`  ${what} would be ${prediction.state}`);
  for (const error of prediction.errors) lines.push(`    ${error}`);
  if (prediction.approvals.length > 0) {
    lines.push(object.kind === 'VirtualMesh' ? '  Meshes:' : '  Destinations it selects:');
    for (const approval of prediction.approvals) {
      lines.push(`    ${approval.key}  ${approval.state}`);
      for (const error of approval.errors) lines.push(`      ${error}`);
    }
  } else if (object.kind !== 'VirtualMesh') {
    lines.push('  Destinations it selects: none');
  }
  if (prediction.outputs.length === 0) lines.push('  Objects written to clusters: no change');
  else {
    lines.push('  Objects written to clusters:');
    for (const output of prediction.outputs) lines.push(`    ${output.cluster}: ${output.change} ${output.object}`);
  }
  return `${lines.join('\n')}\n`;
}
