// The third-party CRDs every test cluster gets, from their published sources (never hand-written):
// Istio from the Go module istio.io/api, Linkerd and Open Service Mesh from ../shared/crds (their
// modules are not served by the module proxy), SMI from OSM's copies where OSM ships one (it reads
// TrafficSplit at split.smi-spec.io/v1alpha2, which smi-sdk-go v0.5.0 no longer serves) and from
// smi-sdk-go for the rest. One source per CRD name. Mesh Hub's own come from deploy/crds.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { goModuleDir } from './build.ts';

export const ISTIO_API_VERSION = 'v1.31.4';
export const SMI_SDK_VERSION = 'v0.5.0';
const repoRoot = join(import.meta.dirname, '..', '..');

type Json = { [key: string]: unknown };

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readDocuments(file: string): Json[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((doc) => doc.toJS() as unknown)
    .filter(isObject);
}

function yamlFilesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(dir, name));
}

/** Structural schemas need a type on every node: fill in what pre-v1 CRDs left out. */
function withTypes(node: Json): Json {
  const out: Json = { ...node };
  if (isObject(out.properties)) {
    out.properties = Object.fromEntries(
      Object.entries(out.properties).map(([key, value]) => [key, isObject(value) ? withTypes(value) : value]),
    );
    out.type ??= 'object';
  }
  if (isObject(out.items)) out.items = withTypes(out.items);
  if (out.type === undefined) out['x-kubernetes-preserve-unknown-fields'] = true;
  return out;
}

/** SMI publishes apiextensions.k8s.io/v1beta1 CRDs, which current Kubernetes no longer serves. */
export function convertV1beta1Crd(crd: Json): Json {
  if (crd.apiVersion !== 'apiextensions.k8s.io/v1beta1') return crd;
  const spec = crd.spec as Json;
  const validation = spec.validation as Json | undefined;
  const schema = withTypes(isObject(validation?.openAPIV3Schema) ? validation.openAPIV3Schema : {});
  const columns = Array.isArray(spec.additionalPrinterColumns) ? (spec.additionalPrinterColumns as Json[]) : [];
  const versions = (
    Array.isArray(spec.versions) ? (spec.versions as Json[]) : [{ name: spec.version, served: true, storage: true }]
  )
    .filter((version) => version.served === true)
    .map((version) => ({
      name: version.name,
      served: true,
      storage: version.storage === true,
      schema: { openAPIV3Schema: schema },
      ...(spec.subresources === undefined ? {} : { subresources: spec.subresources }),
      ...(columns.length === 0
        ? {}
        : {
            additionalPrinterColumns: columns.map(({ JSONPath, ...rest }) => ({ ...rest, jsonPath: JSONPath })),
          }),
    }));
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: crd.metadata,
    spec: { group: spec.group, names: spec.names, scope: spec.scope, versions },
  };
}

export interface CrdSet {
  readonly name: string;
  readonly source: string;
  readonly crds: readonly Json[];
}

export function crdName(crd: Json): string {
  const metadata = crd.metadata;
  return isObject(metadata) && typeof metadata.name === 'string' ? metadata.name : '';
}

/** Throws if two sets install a CRD of the same name: the later would silently replace the earlier. */
export function assertOneSourcePerCrd(sets: readonly CrdSet[]): void {
  const sourceOf = new Map<string, string>();
  for (const set of sets) {
    for (const crd of set.crds) {
      const name = crdName(crd);
      const earlier = sourceOf.get(name);
      if (earlier !== undefined) throw new Error(`CRD ${name} comes from both ${earlier} and ${set.name}`);
      sourceOf.set(name, set.name);
    }
  }
}

export function crdSets(): CrdSet[] {
  const istioDir = goModuleDir('istio.io/api', ISTIO_API_VERSION);
  const smiDir = goModuleDir('github.com/servicemeshinterface/smi-sdk-go', SMI_SDK_VERSION);
  const linkerdDir = join(repoRoot, '..', 'shared', 'crds', 'linkerd');
  const osmDir = join(repoRoot, '..', 'shared', 'crds', 'osm');
  const isCrd = (doc: Json) => doc.kind === 'CustomResourceDefinition';
  const osmCrds = yamlFilesIn(osmDir).flatMap(readDocuments).filter(isCrd);
  const fromOsm = new Set(osmCrds.map(crdName));
  const sets: CrdSet[] = [
    {
      name: 'mesh-hub',
      source: 'deploy/crds',
      crds: yamlFilesIn(join(repoRoot, 'deploy', 'crds'))
        .flatMap(readDocuments)
        .filter(isCrd),
    },
    {
      name: 'istio',
      source: `istio.io/api@${ISTIO_API_VERSION} kubernetes/customresourcedefinitions.gen.yaml`,
      crds: readDocuments(join(istioDir, 'kubernetes', 'customresourcedefinitions.gen.yaml')).filter(isCrd),
    },
    {
      name: 'smi',
      source: `github.com/servicemeshinterface/smi-sdk-go@${SMI_SDK_VERSION} crds/ (converted to apiextensions.k8s.io/v1), except the CRDs OSM ships`,
      crds: yamlFilesIn(join(smiDir, 'crds'))
        .flatMap(readDocuments)
        .filter((doc) => isCrd(doc) && !fromOsm.has(crdName(doc)))
        .map(convertV1beta1Crd),
    },
    {
      name: 'osm',
      source: '../shared/crds/osm (osm v1.2.4 cmd/osm-bootstrap/crds: config, policy and the SMI versions OSM reads)',
      crds: osmCrds,
    },
    {
      name: 'linkerd',
      source: '../shared/crds/linkerd (linkerd2 edge-26.8.3)',
      crds: yamlFilesIn(linkerdDir).flatMap(readDocuments).filter(isCrd),
    },
  ];
  assertOneSourcePerCrd(sets);
  return sets;
}
