// ESLint flat config (decision 0031): @eslint/js and typescript-eslint recommended, four type-aware rules, and the
// project's own rules (who may exit, who may read the environment, no vi.mock). Formatting is Prettier's alone.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';

/** Node's globals, for the plain JavaScript files (bin/, scripts/, this file); `globals` is not a dependency. */
const NODE_GLOBALS = Object.fromEntries(
  ['process', 'console', 'Buffer', 'URL', 'URLSearchParams', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate'].map((name) => [
    name,
    'readonly',
  ]),
);

const EXIT = 'Only src/cli/index.ts exits (errors become exit codes in src/cli/exit.ts): throw an XivdigestError instead.';
const ENV = 'Only the config loader (src/core/config/) reads the environment: take the value as an option from the composition root.';
const MOCK = "No vi.mock: test against real things (test/helpers/), or a local server speaking a paid provider's protocol.";

/** `process.exit` and `process.env`, also destructured (`const { env } = process`) or imported from node:process. */
function processRules({ exit, env }) {
  const banned = [...(exit ? [['exit', EXIT]] : []), ...(env ? [['env', ENV]] : [])];
  if (banned.length === 0) return { 'no-restricted-properties': 'off', 'no-restricted-imports': 'off' };
  return {
    'no-restricted-properties': ['error', ...banned.map(([property, message]) => ({ object: 'process', property, message }))],
    'no-restricted-imports': [
      'error',
      ...['process', 'node:process'].flatMap((name) => banned.map(([property, message]) => ({ name, importNames: [property], message }))),
    ],
  };
}

export default defineConfig(
  {
    ignores: ['dist/', 'coverage/', 'test-output/', '.xivdigest/', '.tmp-prof/', 'stubs/', 'examples/', '**/*.d.ts'],
  },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: fileURLToPath(new URL('.', import.meta.url)) },
    },
    rules: {
      // Type-aware rules the house style implies: no promise left floating, none passed where a callback's result is
      // ignored, await only on thenables. They cost the TypeScript program (about 20 s of `npm run lint`).
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // verbatimModuleSyntax keeps a value import at run time; type-only ones say so, so that lazy loading stays lazy.
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-import-type-side-effects': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      // Control characters in patterns are the point where they appear: XML 1.0 and Markdown escaping strip them, and
      // tests check that none survive.
      'no-control-regex': 'off',
    },
  },
  {
    // Kysely's migrations take Kysely<any> on purpose: a migration must not depend on today's schema types.
    files: ['src/store/migrations/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The search index's SQL runs inside migration 0004 too (it fills the index of an existing database), on its
    // Kysely<any>, and its tables (FTS5, tsvector) are outside the schema types.
    files: ['src/store/kysely/search/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Tests read the CLI's and the fake servers' JSON loosely and let toMatchObject check the shape.
    files: ['test/**', '**/*.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: NODE_GLOBALS },
  },
  // Who may exit and who may read the environment (house style: one place exits, one loader reads process.env).
  { rules: processRules({ exit: true, env: true }) },
  // The CLI's entry point exits, and reads XIVDIGEST_DEBUG (stack traces) outside any config; bin/ exits when dist/ is missing.
  { files: ['src/cli/index.ts'], rules: processRules({ exit: false, env: false }) },
  { files: ['bin/**'], rules: processRules({ exit: false, env: true }) },
  // The config loader reads the environment.
  { files: ['src/core/config/**'], rules: processRules({ exit: true, env: false }) },
  // Tests, benchmarks and scripts set child processes' environments and exit with their own status; tests use real
  // things, with no vi.mock (house style).
  {
    files: ['test/**', 'bench/**', 'scripts/**', '.ci/**', '**/*.test.ts', 'vitest.config.ts', 'eslint.config.js'],
    rules: processRules({ exit: false, env: false }),
  },
  {
    files: ['test/**', '**/*.test.ts'],
    rules: {
      'no-restricted-properties': ['error', ...['mock', 'doMock', 'unmock', 'doUnmock'].map((property) => ({ object: 'vi', property, message: MOCK }))],
    },
  },
);
