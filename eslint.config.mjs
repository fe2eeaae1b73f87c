import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nextVitals from 'eslint-config-next/core-web-vitals';
import globals from 'globals';

const typeScriptFiles = ['**/*.ts', '**/*.tsx'];

export default tseslint.config(
  {
    // Local scratch folders (git-ignored) are not part of the project.
    ignores: [
      'node_modules/',
      '.next/',
      'next-env.d.ts',
      'public/',
      '.scratch/',
      '.exp/',
      'test-results/',
    ],
  },
  ...nextVitals,
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked.map((config) => ({ ...config, files: typeScriptFiles })),
  {
    files: typeScriptFiles,
    languageOptions: {
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
    },
  },
  {
    // Plain JavaScript entry points (bin/, scripts/, configs) run directly under Node.
    files: ['**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
);
