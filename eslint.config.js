import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'dist-bench/',
      'node_modules/',
      'src/model/types.generated.ts',
      'src/model/schemas.generated.ts',
      'src/desired/validators.generated.ts',
      'coverage/',
    ],
  },
  js.configs.recommended,
  {
    files: ['web/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'window',
          'document',
          'location',
          'sessionStorage',
          'fetch',
          'FormData',
          'DOMParser',
          'EventSource',
          'HTMLFormElement',
          'setTimeout',
          'clearTimeout',
          'setInterval',
          'clearInterval',
        ].map((g) => [g, 'readonly']),
      ),
    },
  },
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        fetch: 'readonly',
        setTimeout: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'Use string-literal unions.' },
      ],
    },
  },
  // Layer arrows (README, "Code layout"): the model imports nothing; the pure core (desired
  // state, fife, plan) does no I/O and imports no adapter or shell; adapters import neither the
  // planner nor the shell; the engine knows neither the CLI nor the server.
  ...layers(),
  // Only process entry points end the process: everything else returns or throws.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/bin/**', 'src/cli/main.ts', '**/*.test.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'exit', message: 'Only src/bin/ and src/cli/main.ts exit.' },
      ],
    },
  },
);

function layers() {
  const dirs = (names) => `(^|/)(${names.join('|')})/`;
  const SHELL = ['engine', 'observe', 'source', 'server', 'cli', 'job', 'bin'];
  const rule = (files, patterns) => ({
    files,
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns }] },
  });
  const noNode = { regex: '^node:', message: 'The pure core does no I/O: take it as an argument.' };
  const upward = (what, names, message) => ({ regex: dirs(names), message: `${what} ${message}` });
  return [
    rule(
      ['src/model/**/*.ts'],
      [{ regex: '^(?!\\./)', message: 'The model layer imports nothing outside src/model.' }],
    ),
    rule(
      ['src/desired/**/*.ts', 'src/fife/**/*.ts'],
      [noNode, upward('The desired-state layer', ['plan', 'adapters', ...SHELL], 'is below it.')],
    ),
    rule(
      ['src/plan/**/*.ts'],
      [noNode, upward('The planner', ['adapters', ...SHELL], 'is pure: pass what it needs in.')],
    ),
    rule(
      ['src/adapters/**/*.ts'],
      [upward('An adapter', ['plan', ...SHELL], 'must not know the planner or the shell.')],
    ),
    rule(
      ['src/engine/**/*.ts', 'src/observe/**/*.ts', 'src/source/**/*.ts'],
      [upward('The engine', ['cli', 'server'], 'is called by them, never the other way.')],
    ),
  ];
}
