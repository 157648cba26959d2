// Lint rules for Mesh Hub. Type-aware rules run on every TypeScript file.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'tools/', '**/*.gen.*', 'src/dashboard/web/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      // Only src/kube may do network I/O against API servers; pure layers must not import it.
      'no-restricted-imports': 'off',
    },
  },
  {
    files: ['src/discovery/**/*.ts', 'src/networking/**/*.ts', 'src/snapshot/**/*.ts', 'src/api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/kube/**', '@kubernetes/client-node'], message: 'Pure layers must not talk to API servers.' },
            { group: ['node:fs', 'node:fs/*', 'node:child_process', 'node:net', 'node:http'], message: 'Pure layers do no I/O.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
