import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load.js';
import { configJsonSchema } from './schema.js';

const dir = () => mkdtempSync(join(tmpdir(), 'xivdigest-config-'));

describe('loadConfig', () => {
  it('uses defaults, with the database in the per-user data folder', () => {
    const cwd = dir();
    const result = loadConfig({ cwd, env: { HOME: cwd, XDG_DATA_HOME: join(cwd, 'data') } });
    expect(result.errors).toEqual([]);
    expect(result.storeFrom).toBe('default');
    expect(result.config.store.url).toBe(join(cwd, 'data', 'xivdigest', 'xivdigest.db'));
    expect(result.config.arxiv).toMatchObject({ minIntervalMs: 3000, rssBaseUrl: 'https://rss.arxiv.org' });
    expect(result.config.llm).toMatchObject({ provider: 'auto', lang: 'zh', concurrency: 4 });
    expect(result.warnings.map((warning) => warning.path)).toContain('arxiv.contact');
    expect(Object.isFrozen(result.config.arxiv)).toBe(true);
  });

  it('ranks --db over XIVDIGEST_DB over the file', () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'xivdigest.config.json'), JSON.stringify({ store: { url: 'from-file.db' } }));
    // A path in the file is relative to the file's folder; one from the environment or a flag is left as given.
    expect(loadConfig({ cwd, env: {} })).toMatchObject({ storeFrom: 'config', config: { store: { url: join(cwd, 'from-file.db') } } });
    expect(loadConfig({ cwd, env: { XIVDIGEST_DB: 'env.db' } })).toMatchObject({ storeFrom: 'XIVDIGEST_DB', config: { store: { url: 'env.db' } } });
    expect(loadConfig({ cwd, env: { XIVDIGEST_DB: 'env.db' }, overrides: { dbUrl: 'flag.db' } })).toMatchObject({
      storeFrom: '--db',
      config: { store: { url: 'flag.db' } },
    });
  });

  it('reports every problem with its dot path, and still says which database would be used', () => {
    const cwd = dir();
    const file = join(cwd, 'bad.json');
    writeFileSync(file, JSON.stringify({ arxiv: { minIntervalMs: -5 }, llm: { lang: 'Chinese', concurrency: 0 }, typo: 1 }));
    const result = loadConfig({ cwd, file, env: { XIVDIGEST_DB: 'x.db' } });
    expect(result.errors.map((error) => error.path).sort()).toEqual(['arxiv.minIntervalMs', 'llm.concurrency', 'llm.lang', 'typo']);
    expect(result.config.store.url).toBe('x.db');
  });

  it('says when the file is missing or not JSON', () => {
    const cwd = dir();
    expect(loadConfig({ cwd, file: 'nope.json', env: {} }).errors[0]!.message).toMatch(/does not exist/);
    writeFileSync(join(cwd, 'broken.json'), '{ "arxiv": ');
    expect(loadConfig({ cwd, file: 'broken.json', env: {} }).errors[0]!.message).toMatch(/broken\.json:1:12: invalid JSON/);
    writeFileSync(join(cwd, 'comma.json'), '{\n  "arxiv": {\n    "contact": "me@example.org",\n  }\n}\n');
    const result = loadConfig({ cwd, file: 'comma.json', env: {} });
    expect(result.errors[0]!.message).toBe(`${join(cwd, 'comma.json')}:4:3: invalid JSON: Expected double-quoted property name\n    }\n    ^`);
    // Nothing can be told about the database from a file that cannot be read.
    expect(result).toMatchObject({ storeFrom: 'unknown', database: undefined });
  });

  it('suggests the closest key for a misspelt one, and resolves every path against the config file', () => {
    const cwd = dir();
    const folder = join(cwd, 'conf');
    mkdirSync(folder);
    writeFileSync(join(folder, 'lib.bib'), '');
    writeFileSync(
      join(folder, 'c.json'),
      JSON.stringify({
        store: { url: 'sqlite:data/x.db' },
        llm: { local: { model: 'models/m.gguf', modelsDir: 'models' } },
        subscriptions: [{ name: 'a', categories: 'cs.CL', library: { files: ['lib.bib'] }, outputs: { dir: 'out' } }],
      }),
    );
    const good = loadConfig({ cwd, file: 'conf/c.json', env: {} });
    expect(good.errors).toEqual([]);
    expect(good.config.store.url).toBe(`sqlite:${join(folder, 'data', 'x.db')}`);
    expect(good.config.llm.local).toMatchObject({ model: join(folder, 'models', 'm.gguf'), modelsDir: join(folder, 'models') });
    expect(good.config.subscriptions[0]).toMatchObject({ library: { files: [join(folder, 'lib.bib')] }, outputs: { dir: join(folder, 'out') } });
    writeFileSync(
      join(folder, 'bad.json'),
      JSON.stringify({ arxiv: { contcat: 'x' }, subscriptions: [{ name: 'a', categories: 'cs.CL', library: { files: ['nope.bib'] } }] }),
    );
    const bad = loadConfig({ cwd, file: 'conf/bad.json', env: {} });
    expect(bad.errors).toEqual([
      { path: 'arxiv.contcat', message: 'unknown key "contcat"; did you mean "contact"?' },
      { path: 'subscriptions.0.library.files.0', message: expect.stringContaining(`library file ${join(folder, 'nope.bib')}`), only: 'run' },
    ]);
  });

  it('keeps only the LLM variables of the environment, for the provider choice', () => {
    const result = loadConfig({ cwd: dir(), env: { OPENAI_API_KEY: 'k', OPENAI_AZURE_BASE: 'https://x', HF_TOKEN: 't', PATH: '/bin', SECRET_THING: 's' } });
    expect(Object.keys(result.llmEnvironment).sort()).toEqual(['HF_TOKEN', 'OPENAI_API_KEY', 'OPENAI_AZURE_BASE']);
  });

  it('publishes a JSON Schema with every section', () => {
    const schema = configJsonSchema() as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['store', 'arxiv', 'llm']));
  });
});
