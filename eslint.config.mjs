// Lint rules: the typed recommended set of typescript-eslint, plus the few rules that catch the
// mistakes this code base cares about (floating promises in a daemon, stray console output).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'build/**', 'eslint.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // Tests, benchmarks and the demo talk to a person on stdout; the CLI entry points do too.
    files: ['test/**', 'bench/**', 'demo/**', 'src/bin/**', 'src/cli/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['test/**'],
    rules: {
      // mocha's `this.skip()` and chai-less assertions make these noisy without catching bugs.
      '@typescript-eslint/no-unused-expressions': 'off',
    },
  },
);
