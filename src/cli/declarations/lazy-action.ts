// How a declaration binds its command's action: the action's module (commands/<name>.ts, with its
// Kubernetes client, YAML, schemas) is imported only when the command runs, so `meshctl --help`,
// every `--help` and completion load the declarations alone.

/** An action that imports `load` on its first call and runs what `action` picks from it. */
export function lazyAction<M, A extends unknown[]>(
  load: () => Promise<M>,
  action: (module: M) => (...args: A) => unknown,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    await action(await load())(...args);
  };
}
