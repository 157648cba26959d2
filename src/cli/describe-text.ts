// `meshctl describe` for people (-o table): several sections, each a small table, since one table could
// not hold a Destination's fields, policies and written objects. JSON and YAML print the model as it is.
import type {
  ApprovalResult,
  ClusterOutputs,
  Description,
  DestinationDescription,
  MeshDescription,
  PolicyDescription,
  PolicyOnDestination,
  VirtualMeshDescription,
  WorkloadDescription,
} from './describe-model.ts';
import { labelsText, parseStatusKey } from './describe-model.ts';
import { formatTable, type Table } from './output.ts';

function indent(text: string, by = '  '): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : `${by}${line}`))
    .join('\n');
}

function fieldsBlock(rows: readonly (readonly [string, string | undefined])[]): string {
  const present = rows.filter((row): row is readonly [string, string] => row[1] !== undefined && row[1] !== '');
  const width = Math.max(...present.map(([label]) => label.length + 1));
  return present.map(([label, value]) => `${`${label}:`.padEnd(width)}  ${value}`).join('\n') + '\n';
}

function section(title: string, table: Table, empty: string): string {
  if (table.rows.length === 0) return `${title}: ${empty}\n`;
  return `${title}:\n${indent(formatTable(table))}`;
}

function kindWithGroup(object: { apiVersion: string; kind: string }): string {
  const slash = object.apiVersion.indexOf('/');
  return slash === -1 ? object.kind : `${object.kind}.${object.apiVersion.slice(0, slash)}`;
}

function outputsSection(title: string, outputs: readonly ClusterOutputs[]): string {
  const rows: string[][] = [];
  for (const cluster of outputs) {
    if (!cluster.reachable || cluster.error !== undefined) {
      rows.push([
        cluster.cluster,
        '-',
        '-',
        `${cluster.reachable ? 'partly read' : 'unreachable'}: ${cluster.error ?? ''}`,
      ]);
    }
    for (const o of cluster.objects)
      rows.push([cluster.cluster, kindWithGroup(o), `${o.namespace}/${o.name}`, o.relation]);
  }
  const none = outputs.length === 0 ? 'none (no registered cluster)' : 'none';
  return section(title, { headers: ['CLUSTER', 'KIND', 'NAMESPACE/NAME', 'WHY'], rows }, none);
}

function policyRows(policies: readonly PolicyOnDestination[], withReasons: boolean): string[][] {
  return policies.flatMap((p) => {
    const stale = p.statusCurrent ? '' : ' (status not current)';
    const order = p.acceptanceOrder === undefined ? '-' : String(p.acceptanceOrder);
    if (!withReasons) {
      const note = p.warnings.length > 0 ? `warning: ${p.warnings.join('; ')}` : '';
      return [[p.kind, `${p.namespace}/${p.name}`, `${p.state}${stale}`, order, note]];
    }
    const reasons = p.errors.length > 0 ? p.errors : ['(no reason given)'];
    return reasons.map((reason, i) =>
      i === 0 ? [p.kind, `${p.namespace}/${p.name}`, `${p.state}${stale}`, reason] : ['', '', '', reason],
    );
  });
}

function formatDestination(d: DestinationDescription): string {
  const ports = d.ports
    .map(
      (p) =>
        `${p.name ?? '-'} ${p.port ?? '?'}/${p.protocol ?? 'TCP'}${p.targetPort === undefined ? '' : ` → ${p.targetPort}`}`,
    )
    .join(', ');
  const subsets = Object.entries(d.subsets)
    .map(([label, values]) => `${label}=${values.join('|')}`)
    .join(', ');
  let text = fieldsBlock([
    ['Destination', `${d.namespace}/${d.name}`],
    ['Cluster', d.cluster],
    ['Service', d.service === undefined ? undefined : `${d.service.namespace}/${d.service.name}`],
    ['External service', d.externalService],
    ['Mesh', d.mesh],
    ['Hostname', d.hostname],
    ['Type', d.serviceType],
    ['Ports', ports],
    ['Workload selector', labelsText(d.workloadSelectorLabels)],
    ['Subsets', subsets],
    ['Federated as', d.federation?.hostname],
    ['Federated to', d.federation?.meshes.join(', ')],
  ]);
  text += section(
    'Policies applied',
    { headers: ['KIND', 'NAMESPACE/NAME', 'STATE', 'ORDER', 'NOTE'], rows: policyRows(d.policies.applied, false) },
    'none',
  );
  text += section(
    'Policies rejected',
    { headers: ['KIND', 'NAMESPACE/NAME', 'STATE', 'REASON'], rows: policyRows(d.policies.rejected, true) },
    'none',
  );
  if (d.policies.pending.length > 0)
    text += section(
      'Policies pending',
      { headers: ['KIND', 'NAMESPACE/NAME', 'STATE', 'REASON'], rows: policyRows(d.policies.pending, true) },
      'none',
    );
  text += outputsSection('Objects written for it', d.outputs);
  return text;
}

function formatPolicy(p: PolicyDescription): string {
  const generation =
    p.generation === undefined
      ? undefined
      : p.statusCurrent
        ? `${p.generation} (status is current)`
        : `${p.generation} (status is for ${p.observedGeneration === undefined ? 'no generation' : `generation ${p.observedGeneration}`}: the management plane has not processed the change yet)`;
  let text = fieldsBlock([
    [p.kind, `${p.namespace}/${p.name}`],
    ['State', p.state],
    ['Generation', generation],
  ]);
  if (p.errors.length > 0) text += `Errors:\n${p.errors.map((e) => `  - ${e}\n`).join('')}`;
  text += `Destination selectors:\n${p.destinationSelectors.map((s) => `  - ${s}\n`).join('')}`;
  text += `Source selectors:\n${p.sourceSelectors.map((s) => `  - ${s}\n`).join('')}`;
  const rows = p.destinations.flatMap((d) => {
    const notes = [...d.errors.map((e) => `error: ${e}`), ...d.warnings.map((w) => `warning: ${w}`)];
    const first = [
      d.destination,
      d.cluster ?? '-',
      d.service ?? '-',
      d.state,
      d.acceptanceOrder === undefined ? '-' : String(d.acceptanceOrder),
    ];
    if (notes.length === 0) return [[...first, '']];
    return notes.map((note, i) => (i === 0 ? [...first, note] : ['', '', '', '', '', note]));
  });
  text += section(
    'Destinations',
    { headers: ['DESTINATION', 'CLUSTER', 'SERVICE', 'STATE', 'ORDER', 'DETAIL'], rows },
    'none selected',
  );
  const workloads = p.workloads.map((w) => (w === '*' ? 'every Workload' : parseStatusKey(w).name));
  text += `Workloads: ${workloads.length === 0 ? 'none' : workloads.join(', ')}\n`;
  text += outputsSection('Objects written from it', p.outputs);
  return text;
}

function formatWorkload(w: WorkloadDescription): string {
  let text = fieldsBlock([
    ['Workload', `${w.namespace}/${w.name}`],
    ['Cluster', w.cluster],
    ['Controller', w.controller === undefined ? undefined : `${w.controllerKind ?? ''} ${w.controller}`.trim()],
    ['Mesh', w.mesh],
    ['Service account', w.serviceAccount],
    ['Data plane', w.dataplaneMode],
    ['Pod labels', labelsText(w.podLabels)],
    ['Observed generation', w.observedGeneration === undefined ? undefined : String(w.observedGeneration)],
  ]);
  text += `Destinations selecting it: ${w.destinations.length === 0 ? 'none' : w.destinations.join(', ')}\n`;
  text += section(
    'Source of policies',
    {
      headers: ['KIND', 'NAMESPACE/NAME', 'HOW'],
      rows: w.sourceOf.map((p) => [p.kind, `${p.namespace}/${p.name}`, p.allWorkloads ? 'every Workload' : 'named']),
    },
    'none',
  );
  return text;
}

function formatMesh(m: MeshDescription): string {
  let text = fieldsBlock([
    ['Mesh', `${m.namespace}/${m.name}`],
    ['Type', m.type],
    ['Cluster', m.cluster],
    ['Installed in', m.installationNamespace],
    ['Version', m.version],
    ['Trust domain', m.trustDomain],
    ['Ingress gateways', m.ingressGateways.join(', ')],
    ['VirtualMesh', m.virtualMesh],
    ['VirtualDestinations', m.virtualDestinations.join(', ')],
    ['Observed generation', m.observedGeneration === undefined ? undefined : String(m.observedGeneration)],
  ]);
  text += `Workloads (${m.workloads.length}):${m.workloads.length === 0 ? ' none' : ''}\n${m.workloads.map((w) => `  - ${w}\n`).join('')}`;
  text += `Destinations (${m.destinations.length}):${m.destinations.length === 0 ? ' none' : ''}\n${m.destinations.map((d) => `  - ${d}\n`).join('')}`;
  text += section(
    `What Mesh Hub configures in this ${m.type} mesh`,
    { headers: ['FEATURE', 'SUPPORTED', 'HOW (OR WHY NOT)'], rows: m.support.map((s) => [s.feature, s.level, s.how]) },
    'nothing: Mesh Hub discovers this kind of mesh but does not configure it',
  );
  return text;
}

function approvalSection(title: string, list: readonly ApprovalResult[]): string {
  const rows = list.flatMap((a) =>
    a.errors.length === 0
      ? [[a.name, a.state, '']]
      : a.errors.map((e, i) => (i === 0 ? [a.name, a.state, e] : ['', '', e])),
  );
  return section(title, { headers: ['NAME', 'STATE', 'ERROR'], rows }, 'none');
}

function formatVirtualMesh(v: VirtualMeshDescription): string {
  let text = fieldsBlock([
    ['VirtualMesh', `${v.namespace}/${v.name}`],
    ['State', `${v.state}${v.statusCurrent ? '' : ' (status not current)'}`],
    ['Meshes', v.meshes.join(', ')],
    ['mTLS', v.mtls],
    ['Federation', v.federation],
    ['Global access policy', v.globalAccessPolicy],
  ]);
  if (v.errors.length > 0) text += `Errors:\n${v.errors.map((e) => `  - ${e}\n`).join('')}`;
  text += approvalSection('Meshes', v.meshStates);
  text += approvalSection('Destinations', v.destinationStates);
  if (v.mtls.startsWith('shared')) {
    const rows = v.certificates.map((c) => [c.cluster, c.issuedCertificate, c.state, c.expiry.summary, c.error ?? '']);
    for (const u of v.unreadableClusters) rows.push([u.cluster, '', 'UNKNOWN', 'unknown', u.error]);
    text += section(
      'Intermediate certificates',
      { headers: ['CLUSTER', 'ISSUEDCERTIFICATE', 'STATE', 'CERTIFICATE', 'ERROR'], rows },
      'none written yet',
    );
    // Each root once (during a root rotation the clusters may still hold intermediates of two roots).
    const roots = [
      ...new Map(v.certificates.flatMap((c) => (c.root === undefined ? [] : [[c.root.notAfter, c.root]]))).values(),
    ];
    for (const root of roots) {
      const when = root.daysLeft >= 0 ? `in ${String(root.daysLeft)} days` : `${String(-root.daysLeft)} days ago`;
      text += `Root CA: expires on ${root.notAfter.slice(0, 10)} (${when})\n`;
    }
  }
  return text;
}

export function formatDescription(description: Description): string {
  switch (description.kind) {
    case 'Destination':
      return formatDestination(description);
    case 'TrafficPolicy':
    case 'AccessPolicy':
      return formatPolicy(description);
    case 'Workload':
      return formatWorkload(description);
    case 'Mesh':
      return formatMesh(description);
    case 'VirtualMesh':
      return formatVirtualMesh(description);
  }
}
