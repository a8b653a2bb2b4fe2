// Lint rules that keep the project honest: no floating promises anywhere, and workflow code that can only
// reach deterministic things (the workflow SDK, pure domain code, and types).
import tseslint from 'typescript-eslint';

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
  {
    files: ['domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(?!zod$|\\./[a-z-]+$)', allowTypeImports: true, message: 'domain/ is pure: zod and itself only.' },
          ],
        },
      ],
    },
  },
);
