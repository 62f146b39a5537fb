/** The project's own ESLint rules (decision 0031), run on small snippets at the paths they govern. */
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
let eslint: ESLint;

beforeAll(() => {
  // The snippets are not files of the TypeScript project, so the type-aware rules are left out here; `npm run lint`
  // runs them over the real files.
  eslint = new ESLint({
    cwd: root,
    overrideConfig: [tseslint.configs.disableTypeChecked, { languageOptions: { parserOptions: { projectService: false, project: null } } }],
  });
});

/** The rule ids ESLint reports for `code` as if it were the file at `path`. */
async function ruleIds(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${path}` });
  return (result?.messages ?? []).map((message) => message.ruleId ?? message.message);
}

describe('project lint rules', () => {
  it('lets only the config loader and the CLI entry point read process.env, also destructured or imported', async () => {
    expect(await ruleIds('src/sources/arxiv-rss/x.ts', 'export const url = process.env.URL;\n')).toEqual(['no-restricted-properties']);
    expect(await ruleIds('src/jobs/x.ts', "import { env } from 'node:process';\nexport const url = env.URL;\n")).toEqual(['no-restricted-imports']);
    expect(await ruleIds('src/llm/x.ts', 'const { env } = process;\nexport const url = env.URL;\n')).toEqual(['no-restricted-properties']);
    expect(await ruleIds('src/core/config/x.ts', 'export const url = process.env.URL;\n')).toEqual([]);
    expect(await ruleIds('src/cli/index.ts', 'export const debug = process.env.XIVDIGEST_DEBUG;\n')).toEqual([]);
  });

  it('lets only src/cli/index.ts and bin/ exit', async () => {
    expect(await ruleIds('src/cli/commands/x.ts', 'export function stop(): void {\n  process.exit(1);\n}\n')).toEqual(['no-restricted-properties']);
    expect(await ruleIds('src/core/config/x.ts', 'export function stop(): void {\n  process.exit(1);\n}\n')).toEqual(['no-restricted-properties']);
    expect(await ruleIds('src/cli/index.ts', 'export function stop(): void {\n  process.exit(1);\n}\n')).toEqual([]);
    expect(await ruleIds('bin/x.js', 'process.exit(70);\n')).toEqual([]);
  });

  it('bans vi.mock in tests, which may otherwise exit and set environments', async () => {
    expect(await ruleIds('test/x.test.ts', "import { vi } from 'vitest';\nvi.mock('../src/core/errors.js');\n")).toEqual(['no-restricted-properties']);
    expect(await ruleIds('src/render/x.test.ts', "import { vi } from 'vitest';\nvi.doMock('./index.js');\n")).toEqual(['no-restricted-properties']);
    expect(await ruleIds('test/x.test.ts', 'export const home = process.env.HOME;\nif (!home) process.exit(1);\n')).toEqual([]);
  });
});
