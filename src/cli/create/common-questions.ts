// Questions every kind asks (name, namespace) and the Destination question both policies ask.
import { destinationChoices, existingNames, workloadChoices, type Catalog } from './catalog.ts';
import {
  dnsLabelProblem,
  itemsOf,
  listOf,
  objectNameProblem,
  parseServiceRef,
  textOf,
  type Answer,
  type Answers,
  type Choice,
  type Question,
} from './questions.ts';

export function nameQuestion(kind: string): Question {
  return {
    key: 'name',
    flag: '--name <name>',
    help: `name of the ${kind}`,
    message: `Name of the ${kind}`,
    type: 'text',
    required: true,
    fields: ['metadata.name'],
    check: (value, catalog, answers) => {
      if (typeof value !== 'string') return 'give a name';
      const problem = objectNameProblem(value.trim());
      if (problem !== undefined) return problem;
      const namespace = textOf(answers, 'namespace') ?? catalog.installNamespace;
      if (existingNames(catalog, kind, namespace).includes(value.trim())) {
        return `${kind} ${namespace}/${value.trim()} already exists; choose another name`;
      }
      return undefined;
    },
  };
}

export function namespaceQuestion(kind: string): Question {
  return {
    key: 'namespace',
    flag: '-n, --namespace <ns>',
    help: `namespace of the ${kind} on the management cluster (default: the install namespace)`,
    message: `Namespace of the ${kind}`,
    type: 'text',
    fields: ['metadata.namespace'],
    default: (catalog) => catalog.installNamespace,
    check: (value) => (typeof value === 'string' ? dnsLabelProblem(value.trim()) : 'give a namespace'),
  };
}

function portsText(ports: readonly { port: number; name?: string }[]): string {
  return ports.map((p) => (p.name === undefined ? String(p.port) : `${String(p.port)}/${p.name}`)).join(', ');
}

function subsetsText(subsets: Readonly<Record<string, readonly string[]>>): string {
  return Object.entries(subsets)
    .map(([label, values]) => `${label}=${values.join('|')}`)
    .join(' ');
}

export function destinationChoiceList(catalog: Catalog): Choice[] {
  return destinationChoices(catalog).map((d) => {
    const subsets = subsetsText(d.subsets);
    return {
      value: d.ref,
      name: d.ref,
      description: `ports ${portsText(d.ports) || 'none'}${subsets === '' ? '' : `; subsets ${subsets}`}`,
    };
  });
}

/** Every reference names a discovered Destination (when the catalog knows any). */
export function checkDestinations(value: Answer, catalog: Catalog): string | undefined {
  const refs = itemsOf(value, true);
  if (refs.length === 0) return 'choose at least one Destination';
  const known = new Set(destinationChoices(catalog).map((d) => d.ref));
  for (const ref of refs) {
    const parsed = parseServiceRef(ref);
    if (typeof parsed === 'string') return parsed;
    if (!known.has(ref)) {
      return `no Destination for Service ${parsed.namespace}/${parsed.name} in cluster ${parsed.clusterName} (discovered: ${[...known].join(', ') || 'none'})`;
    }
  }
  return undefined;
}

export function destinationQuestion(purpose: string): Question {
  return {
    key: 'destination',
    flag: '--destination <NAME.NS.CLUSTER>',
    help: `a Destination (Service) ${purpose}; repeat for several`,
    message: `Destinations ${purpose}`,
    type: 'multi',
    required: true,
    fields: ['spec.destinationSelector'],
    choices: destinationChoiceList,
    check: checkDestinations,
  };
}

export function destinationSelectorOf(answers: Answers) {
  const services = listOf(answers, 'destination', true).flatMap((ref) => {
    const parsed = parseServiceRef(ref);
    return typeof parsed === 'string' ? [] : [parsed];
  });
  return services.length === 0 ? undefined : [{ kubeServiceRefs: { services } }];
}

/** Workloads, each offered by its pod labels (the value a workload selector matches). */
export function workloadLabelChoices(catalog: Catalog): Choice[] {
  const seen = new Map<string, Choice>();
  for (const w of workloadChoices(catalog)) {
    const labels = Object.entries(w.labels)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    if (labels === '' || seen.has(labels)) continue;
    seen.set(labels, { value: labels, name: labels, description: `${w.name} in ${w.namespace}, cluster ${w.cluster}` });
  }
  return [...seen.values()];
}

/** Service accounts of the discovered Workloads, as `NAME.NAMESPACE.CLUSTER`. */
export function serviceAccountChoices(catalog: Catalog): Choice[] {
  const seen = new Map<string, Choice>();
  for (const w of workloadChoices(catalog)) {
    if (w.serviceAccount === undefined) continue;
    const ref = `${w.serviceAccount}.${w.namespace}.${w.cluster}`;
    if (!seen.has(ref)) seen.set(ref, { value: ref, name: ref, description: `used by ${w.name}` });
  }
  return [...seen.values()].sort((a, b) => (a.value < b.value ? -1 : 1));
}
