// The kinds of mesh a Destination can belong to. Every per-mesh decision switches on MeshType.
import type { Mesh } from './model.ts';

export const MESH_TYPES = ['istio', 'linkerd', 'osm', 'consul-connect', 'aws-app-mesh'] as const;

export type MeshType = (typeof MESH_TYPES)[number];

export function meshTypeOf(mesh: Mesh): MeshType | undefined {
  const spec = mesh.spec;
  if (spec.istio !== undefined) return 'istio';
  if (spec.linkerd !== undefined) return 'linkerd';
  if (spec.osm !== undefined) return 'osm';
  if (spec.consulConnect !== undefined) return 'consul-connect';
  if (spec.awsAppMesh !== undefined) return 'aws-app-mesh';
  return undefined;
}

/** The name users know the mesh by, for status messages. */
export function meshTypeName(type: MeshType): string {
  switch (type) {
    case 'istio':
      return 'Istio';
    case 'linkerd':
      return 'Linkerd';
    case 'osm':
      return 'Open Service Mesh';
    case 'consul-connect':
      return 'Consul Connect';
    case 'aws-app-mesh':
      return 'AWS App Mesh';
  }
}

/** Where a Mesh's control plane runs: its cluster and namespace ('' when discovery did not say). */
export function meshInstallation(mesh: Mesh): { readonly cluster: string; readonly namespace: string } {
  const spec = mesh.spec;
  const installation =
    spec.istio?.installation ??
    spec.linkerd?.installation ??
    spec.osm?.installation ??
    spec.consulConnect?.installation;
  return { cluster: installation?.cluster ?? '', namespace: installation?.namespace ?? '' };
}
