// Lint rules for Mesh Hub. Type-aware rules run on every TypeScript file.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

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
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // @kubernetes/client-node documents passing plain objects where its model classes are typed.
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
      // Only src/kube may do network I/O against API servers; pure layers must not import it.
      'no-restricted-imports': 'off',
    },
  },
  {
    files: [
      'src/discovery/**/*.ts',
      'src/networking/**/*.ts',
      'src/api/**/*.ts',
      'src/certs/**/*.ts',
      'src/rbac/**/*.ts',
    ],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/kube/**', '@kubernetes/client-node'], message: 'Pure layers must not talk to API servers.' },
            {
              group: ['node:fs', 'node:fs/*', 'node:child_process', 'node:net', 'node:http'],
              message: 'Pure layers do no I/O.',
            },
          ],
        },
      ],
    },
  },
  {
    // node:test's describe/it return promises that the runner itself awaits.
    files: ['**/*.test.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: globals.node },
  },
);
