// `meshctl create trafficpolicy`: which Destinations, from which workloads, and the timeout, retries
// and traffic shift to give them.
import { apiVersionOf } from '../../api/kind.ts';
import { trafficPolicyKind, type TrafficPolicyPolicy } from '../../api/networking/v1/traffic-policy.ts';
import { destinationChoices } from './catalog.ts';
import {
  destinationQuestion,
  destinationSelectorOf,
  nameQuestion,
  namespaceQuestion,
  workloadLabelChoices,
} from './common-questions.ts';
import {
  isSet,
  itemsOf,
  listOf,
  parseLabels,
  parseShiftTarget,
  textOf,
  type Answer,
  type Answers,
  type Choice,
  type CreateKind,
} from './questions.ts';

function eachOf(value: Answer, parse: (text: string) => string | object): string | undefined {
  for (const item of itemsOf(value)) {
    const parsed = parse(item);
    if (typeof parsed === 'string') return parsed;
  }
  return undefined;
}

/** Each chosen Destination, and each of its subsets, as a traffic-shift target. */
function shiftTargets(catalog: Parameters<typeof destinationChoices>[0], answers: Answers): Choice[] {
  const chosen = new Set(listOf(answers, 'destination', true));
  return destinationChoices(catalog).flatMap((d) => [
    { value: d.ref, name: d.ref, description: chosen.has(d.ref) ? 'a Destination this policy selects' : '' },
    ...Object.entries(d.subsets).flatMap(([label, values]) =>
      values.map((value) => ({ value: `${d.ref}@${label}=${value}`, name: `${d.ref}@${label}=${value}` })),
    ),
  ]);
}

export const trafficPolicyCreate: CreateKind = {
  word: 'trafficpolicy',
  alias: 'tp',
  kind: 'TrafficPolicy',
  questions: [
    nameQuestion('TrafficPolicy'),
    namespaceQuestion('TrafficPolicy'),
    destinationQuestion('the policy applies to'),
    {
      key: 'workloadSelector',
      flag: '--workload-selector <KEY=VALUE,...>',
      help: 'labels of the source workloads the policy applies to (repeat for alternatives; default: every workload)',
      message: 'Source workloads (none chosen: requests from every workload)',
      type: 'multi',
      fields: ['spec.sourceSelector'],
      choices: workloadLabelChoices,
      check: (value) => eachOf(value, parseLabels),
    },
    {
      key: 'timeout',
      flag: '--timeout <duration>',
      help: 'request timeout, e.g. 5s (default: none)',
      message: 'Request timeout (e.g. 5s; empty for none)',
      type: 'text',
      fields: ['spec.policy.requestTimeout'],
    },
    {
      key: 'retries',
      flag: '--retries <attempts>',
      help: 'number of retries (default: none)',
      message: 'Retries (a number; empty for none)',
      type: 'text',
      fields: ['spec.policy.retries.attempts'],
      check: (value) =>
        typeof value === 'string' && value.trim() !== '' && !/^\d+$/.test(value.trim())
          ? `${JSON.stringify(value)} is not a number of attempts`
          : undefined,
    },
    {
      key: 'perTryTimeout',
      flag: '--per-try-timeout <duration>',
      help: 'timeout of each retry, e.g. 2s (with --retries)',
      message: 'Timeout of each try (e.g. 2s; empty for none)',
      type: 'text',
      when: (answers) => isSet(answers.get('retries')),
      fields: ['spec.policy.retries.perTryTimeout'],
    },
    {
      key: 'trafficShift',
      flag: '--traffic-shift <NAME.NS.CLUSTER[@KEY=VALUE]:WEIGHT>',
      help: 'send this share of the traffic to a Destination or one of its subsets; repeat for each target',
      message: 'Shift traffic to (none chosen: no shift)',
      type: 'weighted',
      fields: ['spec.policy.trafficShift'],
      choices: shiftTargets,
      check: (value, catalog) => {
        const problem = itemsOf(value, true)
          .map(parseShiftTarget)
          .find((t) => typeof t === 'string');
        if (problem !== undefined) return problem;
        const known = new Map(destinationChoices(catalog).map((d) => [d.ref, d]));
        for (const text of itemsOf(value, true)) {
          const target = parseShiftTarget(text);
          if (typeof target === 'string') return target;
          const ref = `${target.service.name}.${target.service.namespace}.${target.service.clusterName}`;
          const destination = known.get(ref);
          if (destination === undefined) return `${text}: no Destination ${ref}`;
          for (const [label, wanted] of Object.entries(target.subset ?? {})) {
            if (!(destination.subsets[label] ?? []).includes(wanted)) {
              return `${text}: Destination ${ref} has no subset ${label}=${wanted}`;
            }
          }
        }
        return undefined;
      },
    },
  ],
  build: (answers, catalog) => {
    const policy: TrafficPolicyPolicy = {};
    const timeout = textOf(answers, 'timeout');
    if (timeout !== undefined) policy.requestTimeout = timeout;
    const retries = textOf(answers, 'retries');
    const perTry = textOf(answers, 'perTryTimeout');
    if (retries !== undefined) {
      policy.retries = {
        attempts: /^\d+$/.test(retries) ? Number(retries) : Number.NaN,
        ...(perTry === undefined ? {} : { perTryTimeout: perTry }),
      };
    }
    const shift = listOf(answers, 'trafficShift', true).flatMap((text) => {
      const target = parseShiftTarget(text);
      return typeof target === 'string' ? [] : [target];
    });
    if (shift.length > 0) {
      policy.trafficShift = {
        destinations: shift.map((t) => ({
          weight: t.weight,
          kubeService: { ...t.service, ...(t.subset === undefined ? {} : { subset: { ...t.subset } }) },
        })),
      };
    }
    const sources = listOf(answers, 'workloadSelector').flatMap((text) => {
      const labels = parseLabels(text);
      return typeof labels === 'string' ? [] : [{ kubeWorkloadMatcher: { labels } }];
    });
    const destinationSelector = destinationSelectorOf(answers);
    return {
      apiVersion: apiVersionOf(trafficPolicyKind),
      kind: 'TrafficPolicy',
      metadata: {
        name: textOf(answers, 'name') ?? '',
        namespace: textOf(answers, 'namespace') ?? catalog.installNamespace,
      },
      spec: {
        ...(sources.length === 0 ? {} : { sourceSelector: sources }),
        ...(destinationSelector === undefined ? {} : { destinationSelector }),
        ...(Object.keys(policy).length === 0 ? {} : { policy }),
      },
    };
  },
};
