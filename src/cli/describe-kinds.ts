// The kinds `meshctl describe` takes and the names kubectl would accept for them. Plain data, apart
// from the model (describe-model.ts), so the command's declaration and completion load nothing heavy.

export const DESCRIBE_KINDS = [
  'destination',
  'workload',
  'mesh',
  'trafficpolicy',
  'accesspolicy',
  'virtualmesh',
] as const;
export type DescribeKind = (typeof DESCRIBE_KINDS)[number];

/** Each kind's API group and the other names kubectl would accept for it: its plural first, then short names. */
export const KIND_NAMES: Readonly<
  Record<DescribeKind, { readonly group: string; readonly aliases: readonly string[] }>
> = {
  destination: { group: 'discovery.mesh.gloo.solo.io', aliases: ['destinations', 'dest'] },
  workload: { group: 'discovery.mesh.gloo.solo.io', aliases: ['workloads', 'wl'] },
  mesh: { group: 'discovery.mesh.gloo.solo.io', aliases: ['meshes'] },
  trafficpolicy: { group: 'networking.mesh.gloo.solo.io', aliases: ['trafficpolicies', 'tp'] },
  accesspolicy: { group: 'networking.mesh.gloo.solo.io', aliases: ['accesspolicies', 'ap'] },
  virtualmesh: { group: 'networking.mesh.gloo.solo.io', aliases: ['virtualmeshes', 'vm'] },
};

/**
 * The kind a `meshctl describe` argument names, read as kubectl reads it: any case, singular, plural
 * or short name, optionally qualified by its group (`trafficpolicies.networking.mesh.gloo.solo.io`)
 * or version and group (`tp.v1.networking.mesh.gloo.solo.io`). Undefined for anything else.
 */
export function parseDescribeKind(argument: string): DescribeKind | undefined {
  const text = argument.trim().toLowerCase();
  const dot = text.indexOf('.');
  const name = dot === -1 ? text : text.slice(0, dot);
  const qualifier = dot === -1 ? undefined : text.slice(dot + 1);
  return DESCRIBE_KINDS.find((kind) => {
    const { group, aliases } = KIND_NAMES[kind];
    if (name !== kind && !aliases.includes(name)) return false;
    return qualifier === undefined || qualifier === group || qualifier === `v1.${group}`;
  });
}
