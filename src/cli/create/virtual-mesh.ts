// `meshctl create virtualmesh`: which Meshes share a root of trust, whether their Destinations are
// federated, and whether access is denied unless an AccessPolicy allows it.
import { apiVersionOf } from '../../api/kind.ts';
import { virtualMeshKind } from '../../api/networking/v1/virtual-mesh.ts';
import { meshTypeOf, meshTypeName } from '../../networking/mesh-type.ts';
import { nameQuestion, namespaceQuestion } from './common-questions.ts';
import { dnsLabelProblem, itemsOf, listOf, textOf, type CreateKind } from './questions.ts';

const MTLS = ['shared', 'limited', 'none'] as const;
const FEDERATION = ['none', 'permissive'] as const;

export const virtualMeshCreate: CreateKind = {
  word: 'virtualmesh',
  alias: 'vm',
  kind: 'VirtualMesh',
  questions: [
    nameQuestion('VirtualMesh'),
    namespaceQuestion('VirtualMesh'),
    {
      key: 'meshes',
      flag: '--meshes <names>',
      help: 'comma-separated discovered Meshes to group (repeatable)',
      message: 'Meshes to group',
      type: 'multi',
      required: true,
      fields: ['spec.meshes'],
      choices: (catalog) =>
        catalog.meshes
          .filter((m) => m.metadata.namespace === catalog.installNamespace)
          .map((m) => {
            const type = meshTypeOf(m);
            const cluster = (m.spec.istio ?? m.spec.linkerd ?? m.spec.osm ?? m.spec.consulConnect)?.installation
              ?.cluster;
            return {
              value: m.metadata.name,
              name: m.metadata.name,
              description: `${type === undefined ? 'unknown mesh' : meshTypeName(type)}${cluster === undefined ? '' : ` in cluster ${cluster}`}`,
            };
          })
          .sort((a, b) => (a.value < b.value ? -1 : 1)),
      check: (value, catalog) => {
        const names = itemsOf(value, true);
        if (names.length === 0) return 'choose at least one Mesh';
        const known = new Set(
          catalog.meshes.filter((m) => m.metadata.namespace === catalog.installNamespace).map((m) => m.metadata.name),
        );
        const unknown = names.filter((n) => !known.has(n));
        return unknown.length === 0
          ? undefined
          : `${unknown.join(', ')}: no such Mesh in ${catalog.installNamespace} (discovered: ${[...known].sort().join(', ') || 'none'})`;
      },
    },
    {
      key: 'mtls',
      flag: '--mtls <mode>',
      help: `mTLS between the meshes: ${MTLS.join(', ')} (default: shared, one root of trust)`,
      message: 'mTLS between the meshes',
      type: 'select',
      fields: ['spec.mtlsConfig'],
      default: () => 'shared',
      choices: () => [
        { value: 'shared', name: 'shared', description: 'one root of trust; each mesh gets an intermediate CA' },
        { value: 'none', name: 'none', description: 'leave each mesh its own trust' },
      ],
      check: (value) =>
        typeof value === 'string' && (MTLS as readonly string[]).includes(value)
          ? undefined
          : `choose one of ${MTLS.join(', ')}`,
    },
    {
      key: 'sharedTrust',
      flag: '--shared-trust <root>',
      help: 'root CA for shared trust: generated, or NAMESPACE/SECRET holding your own root (default: generated)',
      message: 'Root CA (generated, or NAMESPACE/SECRET of your own)',
      type: 'text',
      when: (answers) => (textOf(answers, 'mtls') ?? 'shared') === 'shared',
      default: () => 'generated',
      fields: ['spec.mtlsConfig.shared'],
      check: (value) => {
        if (value === 'generated') return undefined;
        const [namespace = '', name = '', ...rest] = typeof value === 'string' ? value.split('/') : [];
        if (rest.length > 0 || dnsLabelProblem(namespace) !== undefined || name === '')
          return 'write generated or NAMESPACE/SECRET';
        return undefined;
      },
    },
    {
      key: 'federation',
      flag: '--federation <mode>',
      help: `federate Destinations across the meshes: ${FEDERATION.join(', ')} (default: none)`,
      message: 'Federation',
      type: 'select',
      default: () => 'none',
      fields: ['spec.federation'],
      choices: () => [
        { value: 'none', name: 'none', description: 'each mesh sees its own Destinations' },
        { value: 'permissive', name: 'permissive', description: 'every Destination is reachable from every mesh' },
      ],
      check: (value) =>
        typeof value === 'string' && (FEDERATION as readonly string[]).includes(value)
          ? undefined
          : `choose one of ${FEDERATION.join(', ')}`,
    },
    {
      key: 'defaultDeny',
      flag: '--default-deny',
      help: 'deny every request no AccessPolicy allows (default: allow)',
      message: 'Deny requests no AccessPolicy allows?',
      type: 'confirm',
      default: () => false,
      fields: ['spec.globalAccessPolicy'],
    },
  ],
  build: (answers, catalog) => {
    const mtls = textOf(answers, 'mtls') ?? 'shared';
    const trust = textOf(answers, 'sharedTrust') ?? 'generated';
    const [secretNamespace = '', secretName = ''] = trust.split('/');
    const root =
      trust === 'generated' ? { generated: {} } : { secret: { name: secretName, namespace: secretNamespace } };
    const mtlsConfig =
      mtls === 'shared'
        ? { shared: { rootCertificateAuthority: root } }
        : mtls === 'limited'
          ? { limited: {} }
          : undefined;
    const meshes = listOf(answers, 'meshes', true).map((name) => ({ name, namespace: catalog.installNamespace }));
    return {
      apiVersion: apiVersionOf(virtualMeshKind),
      kind: 'VirtualMesh',
      metadata: {
        name: textOf(answers, 'name') ?? '',
        namespace: textOf(answers, 'namespace') ?? catalog.installNamespace,
      },
      spec: {
        ...(meshes.length === 0 ? {} : { meshes }),
        ...(mtlsConfig === undefined ? {} : { mtlsConfig }),
        ...(textOf(answers, 'federation') === 'permissive' ? { federation: { permissive: {} } } : {}),
        ...(answers.get('defaultDeny') === true ? { globalAccessPolicy: 'ENABLED' } : {}),
      },
    };
  },
};
