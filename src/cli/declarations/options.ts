// Options several commands declare alike.
import { DEFAULT_INSTALL_NAMESPACE } from '../../api/labels.ts';

export const namespaceOption = [
  '-n, --namespace <ns>',
  'install namespace of Mesh Hub',
  DEFAULT_INSTALL_NAMESPACE,
] as const;
