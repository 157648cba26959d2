// Hints for Gloo Mesh 1.x habits. When a command line is rejected as a usage error, these rules look
// for the 1.x forms (`cluster register community NAME`, `--mgmt-context`, `--kubecontext`, …) and
// say what to type instead. They only ever add a hint to an error: a valid command line is never
// rewritten, so no command needs to know about them.

interface HintRule {
  /** Why the 1.x form does not apply here, in one sentence; undefined when the rule does not match. */
  readonly explain: (argv: readonly string[]) => string | undefined;
  readonly rewrite: (argv: readonly string[]) => string[];
}

/** 1.x flag → our flag; `--flag value` and `--flag=value` are both handled. */
const RENAMED_FLAGS: readonly { readonly from: string; readonly to: string; readonly why: string }[] = [
  { from: '--mgmt-context', to: '--context', why: "the management cluster's context is the global --context" },
  { from: '--kubecontext', to: '--context', why: 'the kubeconfig context is chosen with --context' },
  { from: '--mgmt-kubeconfig', to: '--kubeconfig', why: "the management cluster's kubeconfig is --kubeconfig" },
];

const EDITIONS = new Set(['community', 'enterprise']);
const REMOTE_FLAGS = ['--remote-context', '--remote-kubeconfig'];

function flagName(token: string): string {
  const eq = token.indexOf('=');
  return token.startsWith('--') && eq !== -1 ? token.slice(0, eq) : token;
}

/** Index of the first operand after the command words `words` (e.g. ['cluster', 'register']), or -1. */
function operandAfter(argv: readonly string[], words: readonly string[]): number {
  const operands = argv.map((token, index) => ({ token, index })).filter(({ token }) => !token.startsWith('-'));
  for (let start = 0; start + words.length <= operands.length; start++) {
    if (words.every((word, i) => operands[start + i]?.token === word)) {
      return operands[start + words.length]?.index ?? -1;
    }
  }
  return -1;
}

function hasCommand(argv: readonly string[], words: readonly string[]): boolean {
  const operands = argv.filter((token) => !token.startsWith('-'));
  return operands.some((_, start) => words.every((word, i) => operands[start + i] === word));
}

const RULES: readonly HintRule[] = [
  ...RENAMED_FLAGS.map(({ from, to, why }): HintRule => ({
    explain: (argv) => (argv.some((t) => flagName(t) === from) ? `${from}: ${why}` : undefined),
    rewrite: (argv) => argv.map((t) => (flagName(t) === from ? to + t.slice(from.length) : t)),
  })),
  // Gloo Mesh 1.x: `meshctl cluster register community NAME` / `enterprise NAME`; Mesh Hub has one kind.
  ...['register', 'deregister'].map((verb): HintRule => ({
    explain: (argv) => {
      const at = operandAfter(argv, ['cluster', verb]);
      const edition = argv[at];
      if (at === -1 || edition === undefined || !EDITIONS.has(edition)) return undefined;
      return `Mesh Hub has no ${edition} edition: the cluster name comes right after \`cluster ${verb}\``;
    },
    rewrite: (argv) => {
      const at = operandAfter(argv, ['cluster', verb]);
      const rest = argv.filter((_, i) => i !== at);
      // register also needs the workload cluster's context; a hint that fails again helps nobody.
      const named = rest.some((t) => ['--remote-context', '--remote-kubeconfig'].includes(flagName(t)));
      return verb === 'register' && !named ? [...rest, '--remote-context', 'CONTEXT'] : rest;
    },
  })),
  {
    explain: (argv) => {
      const at = operandAfter(argv, ['install']);
      const edition = argv[at];
      if (at === -1 || edition === undefined || !EDITIONS.has(edition)) return undefined;
      return `Mesh Hub has no ${edition} edition: \`meshctl install\` takes no argument`;
    },
    rewrite: (argv) => {
      const at = operandAfter(argv, ['install']);
      return argv.filter((_, i) => i !== at);
    },
  },
  // Gloo Mesh 1.0: `cluster register --cluster-name NAME`.
  {
    explain: (argv) =>
      argv.some((t) => flagName(t) === '--cluster-name')
        ? '--cluster-name: the cluster name is the argument after `cluster register` (or `deregister`)'
        : undefined,
    rewrite: (argv) => {
      const out: string[] = [];
      let name: string | undefined;
      for (let i = 0; i < argv.length; i++) {
        const token = argv[i] ?? '';
        if (token === '--cluster-name') {
          name = argv[++i];
        } else if (token.startsWith('--cluster-name=')) {
          name = token.slice('--cluster-name='.length);
        } else {
          out.push(token);
        }
      }
      const verb = out.findIndex((t) => t === 'register' || t === 'deregister');
      if (name !== undefined && verb !== -1) out.splice(verb + 1, 0, name);
      return out;
    },
  },
  // The remote flags name a workload cluster; elsewhere the management cluster is meant.
  {
    explain: (argv) => {
      const flag = argv.find((t) => REMOTE_FLAGS.includes(flagName(t)));
      if (flag === undefined) return undefined;
      if (hasCommand(argv, ['cluster', 'register']) || hasCommand(argv, ['cluster', 'deregister'])) return undefined;
      const name = flagName(flag);
      const global = name === '--remote-context' ? '--context' : '--kubeconfig';
      return `${name} names a workload cluster and is taken only by \`cluster register\` and \`cluster deregister\`; for the management cluster use ${global}`;
    },
    rewrite: (argv) =>
      argv.map((t) => {
        const name = flagName(t);
        if (name === '--remote-context') return `--context${t.slice(name.length)}`;
        if (name === '--remote-kubeconfig') return `--kubeconfig${t.slice(name.length)}`;
        return t;
      }),
  },
];

function quote(token: string): string {
  return /^[\w@%+=:,./-]+$/.test(token) ? token : `'${token.replaceAll("'", `'\\''`)}'`;
}

/** The hint lines for a rejected command line, or '' when it shows no 1.x habit. */
export function legacyHint(argv: readonly string[]): string {
  let rewritten = [...argv];
  const reasons: string[] = [];
  for (const rule of RULES) {
    const reason = rule.explain(rewritten);
    if (reason === undefined) continue;
    reasons.push(reason);
    rewritten = rule.rewrite(rewritten);
  }
  if (reasons.length === 0) return '';
  return `${reasons.map((r) => `hint: ${r}\n`).join('')}hint: try: meshctl ${rewritten.map(quote).join(' ')}\n`;
}
