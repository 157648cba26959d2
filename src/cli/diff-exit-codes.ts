// The exit codes of `meshctl diff` and `render --diff-against`, apart from how they print
// (diff-output.ts) so that the commands' help loads nothing heavy.

/** Exit code of these commands when they cannot answer (bad input, unreachable cluster, a bug). */
export const DIFF_ERROR_EXIT_CODE = 2;

export const diffExitCodesHelp = `
Exit codes (as kubectl diff):
  0  nothing would change
  1  something would change (objects created, updated or deleted, or a policy status)
  2  error: the input cannot be read, a file holds something other than a policy, a cluster fails`;
