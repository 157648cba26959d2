// `meshctl create accesspolicy`: which service accounts may call which Destinations, on which paths,
// methods and ports.
import { apiVersionOf } from '../../api/kind.ts';
import { accessPolicyKind } from '../../api/networking/v1/access-policy.ts';
import { destinationChoices } from './catalog.ts';
import {
  destinationQuestion,
  destinationSelectorOf,
  nameQuestion,
  namespaceQuestion,
  serviceAccountChoices,
} from './common-questions.ts';
import { itemsOf, listOf, parseServiceRef, textOf, type CreateKind } from './questions.ts';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE'];

export const accessPolicyCreate: CreateKind = {
  word: 'accesspolicy',
  alias: 'ap',
  kind: 'AccessPolicy',
  questions: [
    nameQuestion('AccessPolicy'),
    namespaceQuestion('AccessPolicy'),
    destinationQuestion('that may be called'),
    {
      key: 'identity',
      flag: '--identity <SERVICEACCOUNT.NS.CLUSTER>',
      help: 'a service account allowed to call them; repeat for several',
      message: 'Service accounts allowed to call them',
      type: 'multi',
      required: true,
      fields: ['spec.sourceSelector'],
      choices: serviceAccountChoices,
      check: (value) => {
        const refs = itemsOf(value, true);
        if (refs.length === 0) return 'choose at least one service account';
        for (const ref of refs) {
          const parsed = parseServiceRef(ref);
          if (typeof parsed === 'string')
            return parsed.replace('NAME.NAMESPACE.CLUSTER', 'SERVICEACCOUNT.NAMESPACE.CLUSTER');
        }
        return undefined;
      },
    },
    {
      key: 'allowedPaths',
      flag: '--allowed-paths <paths>',
      help: 'comma-separated request paths allowed, e.g. /api/*,/health (default: every path)',
      message: 'Allowed paths, comma-separated (empty: every path)',
      type: 'text',
      fields: ['spec.allowedPaths'],
      check: (value) =>
        itemsOf(value, true).find((p) => !p.startsWith('/') && p !== '*') === undefined
          ? undefined
          : 'each path starts with / (or is *)',
    },
    {
      key: 'allowedMethods',
      flag: '--allowed-methods <methods>',
      help: 'comma-separated HTTP methods allowed, e.g. GET,HEAD (default: every method)',
      message: 'Allowed methods (none chosen: every method)',
      type: 'multi',
      fields: ['spec.allowedMethods'],
      choices: () => METHODS.map((m) => ({ value: m, name: m })),
      check: (value) => {
        const unknown = itemsOf(value, true).filter((m) => !METHODS.includes(m.toUpperCase()));
        return unknown.length === 0 ? undefined : `${unknown.join(', ')}: not an HTTP method (${METHODS.join(', ')})`;
      },
    },
    {
      key: 'allowedPorts',
      flag: '--allowed-ports <ports>',
      help: 'comma-separated ports allowed (default: every port)',
      message: 'Allowed ports (none chosen: every port)',
      type: 'multi',
      fields: ['spec.allowedPorts'],
      choices: (catalog, answers) => {
        const chosen = new Set(listOf(answers, 'destination', true));
        const ports = new Map<number, string[]>();
        for (const d of destinationChoices(catalog)) {
          if (!chosen.has(d.ref)) continue;
          for (const p of d.ports)
            ports.set(p.port, [...(ports.get(p.port) ?? []), `${d.ref}${p.name === undefined ? '' : ` (${p.name})`}`]);
        }
        return [...ports]
          .sort(([a], [b]) => a - b)
          .map(([port, where]) => ({ value: String(port), name: String(port), description: where.join(', ') }));
      },
      check: (value) => {
        const bad = itemsOf(value, true).find((p) => !/^\d+$/.test(p));
        return bad === undefined ? undefined : `${JSON.stringify(bad)} is not a port number`;
      },
    },
  ],
  build: (answers, catalog) => {
    const serviceAccounts = listOf(answers, 'identity', true).flatMap((ref) => {
      const parsed = parseServiceRef(ref);
      return typeof parsed === 'string' ? [] : [parsed];
    });
    const paths = listOf(answers, 'allowedPaths', true);
    const methods = listOf(answers, 'allowedMethods', true).map((m) => m.toUpperCase());
    const ports = listOf(answers, 'allowedPorts', true).map(Number);
    const destinationSelector = destinationSelectorOf(answers);
    return {
      apiVersion: apiVersionOf(accessPolicyKind),
      kind: 'AccessPolicy',
      metadata: {
        name: textOf(answers, 'name') ?? '',
        namespace: textOf(answers, 'namespace') ?? catalog.installNamespace,
      },
      spec: {
        ...(serviceAccounts.length === 0 ? {} : { sourceSelector: [{ kubeServiceAccountRefs: { serviceAccounts } }] }),
        ...(destinationSelector === undefined ? {} : { destinationSelector }),
        ...(paths.length === 0 ? {} : { allowedPaths: paths }),
        ...(methods.length === 0 ? {} : { allowedMethods: methods }),
        ...(ports.length === 0 ? {} : { allowedPorts: ports }),
      },
    };
  },
};
