// Examples for each meshctl command: shown at the end of its --help and in docs/reference/cli.md.
// Kept in one table so every command has them without each command file repeating the layout; a test
// parses every line against the command definitions, so an example cannot name a flag that is gone.
import type { Command } from 'commander';

/** Command path → example command lines (each starting with `meshctl`), with an optional `# comment`. */
export const EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  render: [
    'meshctl render --input examples/bookinfo                  # YAML stream on stdout, summary on stderr',
    'meshctl render --input examples/bookinfo --output out     # a folder tree',
    'meshctl render --input estate --output out --strict       # as a CI step: exit 1 unless all ACCEPTED',
    'meshctl render --input estate -o json                     # one List, e.g. for jq',
    'meshctl render --input snapshot/input --namespace gloo-mesh --output replay',
    'meshctl render --input estate --diff-against out          # what changed since out/ (exit 1 if anything)',
  ],
  diff: [
    'meshctl --context mgmt diff -f reviews-timeout.yaml        # exit 0: no change, 1: changes, 2: error',
    'meshctl diff -f policies/ -f extra.yaml -o json',
    'meshctl diff -f - -o yaml                                  # the files from stdin',
    'meshctl diff --input estate -f policy.yaml                 # offline, against an input folder',
  ],
  install: [
    'meshctl --context mgmt install',
    'meshctl install --dry-run > mesh-hub.yaml                  # the manifests, applied by you',
    'meshctl install --version 0.1.0 --replicas 2 -n gloo-mesh',
  ],
  uninstall: [
    'meshctl --context mgmt uninstall',
    'meshctl uninstall --remove-crds       # deletes every Mesh Hub object',
  ],
  'cluster register': ['meshctl --context mgmt cluster register cluster-1 --remote-context kind-cluster-1'],
  'cluster deregister': ['meshctl --context mgmt cluster deregister cluster-1 --remote-context kind-cluster-1'],
  'cluster list': ['meshctl --context mgmt cluster list', 'meshctl cluster list -o yaml'],
  check: ['meshctl --context mgmt check', 'meshctl check -n gloo-mesh -o json'],
  'create trafficpolicy': [
    'meshctl --context mgmt create trafficpolicy                 # asks step by step',
    'meshctl create trafficpolicy --name reviews-timeout --destination reviews.bookinfo.cluster-1 --timeout 5s --retries 3 --dry-run',
    'meshctl create trafficpolicy --name shift --destination reviews.bookinfo.cluster-1 --traffic-shift reviews.bookinfo.cluster-1@version=v2:80 --traffic-shift reviews.bookinfo.cluster-2:20',
  ],
  'create accesspolicy': [
    'meshctl create accesspolicy --name reviews-readers --destination reviews.bookinfo.cluster-1 --identity bookinfo-productpage.bookinfo.cluster-1 --allowed-methods GET',
  ],
  'create virtualmesh': [
    'meshctl create virtualmesh --name bookinfo --meshes istiod-istio-system-cluster-1,istiod-istio-system-cluster-2 --default-deny --output vm.yaml',
  ],
  describe: [
    'meshctl describe dest reviews-bookinfo-cluster-1',
    'meshctl describe tp bookinfo/reviews-timeout -o yaml',
    'meshctl describe VirtualMesh virtual-mesh -n gloo-mesh',
    'meshctl describe role mesh-hub-admin            # what a role-based API Role permits',
  ],
  'rbac can-i': [
    'meshctl rbac can-i --as alice -f policy.yaml --roles roles/       # offline, with Role and RoleBinding files',
    'meshctl --context mgmt rbac can-i --as bob --as-group security -f access.yaml',
    'meshctl rbac can-i --as alice -f policy.yaml --operation delete',
  ],
  dashboard: [
    'meshctl --context mgmt dashboard                    # prints the URL (http://127.0.0.1:8090/)',
    'meshctl dashboard --port 0 --open                   # a free port, opened in the browser',
  ],
  'debug snapshot': [
    'meshctl --context mgmt debug snapshot --output snapshot',
    'meshctl render --input snapshot/input --namespace gloo-mesh --output replay   # replay it offline',
  ],
  'top destinations': [
    'meshctl --context mgmt top destinations',
    'meshctl top destinations --cluster cluster-1 --sort errors --window 1m',
    'meshctl top destinations -o json',
  ],
  'top workloads': ['meshctl top workloads --sort p99'],
  'explain request': [
    'meshctl --context mgmt explain request --to reviews-bookinfo-cluster-1 --from productpage-v1-bookinfo-cluster-1-deployment',
    'meshctl explain request --to web-shop-cluster-1 --path /a/b --method PUT --header x-a=1 -o json',
    'meshctl explain request --input estate --to reviews-bookinfo-cluster-2   # offline, on a rendered input folder',
  ],
  demo: ['meshctl demo', 'meshctl demo down'],
  'demo up': ['meshctl demo up'],
  'demo down': ['meshctl demo down'],
  version: [
    'meshctl version',
    'meshctl version --client -o json',
    'meshctl --context mgmt version -n gloo-mesh -o yaml',
  ],
};

/** Every command with its path from the program (`cluster register`), in definition order. */
export function commandTree(program: Command): { path: string; command: Command }[] {
  const walk = (command: Command, prefix: string): { path: string; command: Command }[] =>
    command.commands.flatMap((sub) => {
      const path = prefix === '' ? sub.name() : `${prefix} ${sub.name()}`;
      return [{ path, command: sub }, ...walk(sub, path)];
    });
  return walk(program, '');
}

/** Adds each command's examples to the end of its help. */
export function addExamples(program: Command): void {
  for (const { path, command } of commandTree(program)) {
    const lines = EXAMPLES[path];
    if (lines === undefined) continue;
    command.addHelpText('after', `\nExamples:\n${lines.map((line) => `  ${line}`).join('\n')}`);
  }
}
