// Lint rules that keep the project honest: no floating promises anywhere, workflow code that can only reach
// deterministic things (the workflow SDK, pure domain code, and types), and a product that never depends on its own
// test harness: what ships (the folders below) must not import the lab tooling, benchmarks, tests or the simulator.
import tseslint from 'typescript-eslint';

const PRODUCT = ['domain', 'workflows', 'activities', 'ledger', 'worker', 'pulumi', 'cli', 'devenv'];

export default tseslint.config(
  { ignores: ['lib/**', 'node_modules/**', 'examples/*/node_modules/**', 'coverage/**', 'test-output/**', 'eslint.config.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: PRODUCT.map((dir) => `${dir}/**/*.ts`),
    rules: {
      // The core rule, not the typescript-eslint one used below: it has no type-import exemption, and its options are
      // not replaced by the stricter per-folder lists.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\.?/)+(lab|bench|test|simulator)(/|$)',
              message: 'The product never imports lab/, bench/, test/ or simulator/: move what it needs into the product.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!@temporalio/workflow$|\\.\\./domain(/[a-z-]+)?$|\\./[a-z-]+$)',
              allowTypeImports: true,
              message: 'Workflow code may import only @temporalio/workflow, domain/ and types (determinism).',
            },
          ],
        },
      ],
    },
  },
  ...[
    ['domain/*.ts', '^(?!zod$|yaml$|\\./[a-z-]+$|\\./ledger/[a-z-]+$)'],
    ['domain/ledger/*.ts', '^(?!zod$|\\.\\.?/[a-z-]+$)'],
  ].map(([files, regex]) => ({
    files: [files],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        // yaml: user-data is checked where the spec is (a pure, deterministic parser, safe in workflow code).
        { patterns: [{ regex, allowTypeImports: true, message: 'domain/ is pure: zod, yaml and itself only.' }] },
      ],
    },
  })),
);
