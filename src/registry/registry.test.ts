/**
 * The registries are the one place an adapter is listed (decision 0033): every renderer, source, provider, ranker and
 * channel line is what the config schema, its JSON Schema, `config check`, the CLI's choices and the run derive from,
 * and its metadata agrees with the adapter it loads.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, type Option } from 'commander';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { prepareChannel } from '../channels/index.js';
import type { Renderer } from '../core/render.js';
import { registerEnrich } from '../cli/commands/enrich.js';
import { registerFetch } from '../cli/commands/fetch.js';
import { registerRender } from '../cli/commands/render.js';
import type { RunCommand } from '../cli/context.js';
import { appConfigJsonSchema, appConfigSchema, loadAppConfig } from '../config.js';
import { channels, channelSpecSchema, CHANNEL_TYPES } from './channels.js';
import { PROVIDER_CHOICES, providers } from './providers.js';
import { RANKING_METHODS, rankers } from './rankers.js';
import { OUTPUT_FORMATS, RENDER_FORMATS, renderers, rendererFor } from './renderers.js';
import { SOURCE_IDS, sources } from './sources.js';

const never: RunCommand = async () => {
  throw new Error('not run');
};

/** The choices of a command's option, as commander was told them. */
function choices(register: (program: Command, run: RunCommand) => void, flag: string): readonly string[] | undefined {
  const program = new Command();
  register(program, never);
  const option = program.commands[0]!.options.find((candidate: Option) => candidate.long === flag);
  return option?.argChoices;
}

type Json = Record<string, unknown>;
const jsonSchema = appConfigJsonSchema() as Json;
const definition = (path: string[]): Json =>
  path.reduce<Json>((node, key) => {
    const next = (node.properties as Json | undefined)?.[key] ?? (key === '[]' ? node.items : undefined);
    if (!next) throw new Error(`no ${key} in ${JSON.stringify(Object.keys(node))}`);
    return next as Json;
  }, jsonSchema);
const enumOf = (node: Json): unknown => node.enum;

/** Unwraps `.default()` / `.optional()` to the schema inside (zod 4). */
function inner(schema: z.ZodType): z.ZodType {
  const def = (schema as unknown as { _zod: { def: { type: string; innerType?: z.ZodType } } })._zod.def;
  return def.innerType && (def.type === 'default' || def.type === 'optional') ? inner(def.innerType) : schema;
}

describe('the renderer registry', () => {
  it('gives every renderer a format, a media type and an extension that the adapter it loads agrees with', async () => {
    for (const [id, entry] of Object.entries(renderers)) {
      expect(entry.mediaType, id).toMatch(/^[a-z]+\/[a-z+.-]+; charset=utf-8$/);
      expect(entry.extension, id).toMatch(/^[a-z]+$/);
      const renderer: Renderer = (await entry.load())();
      expect(renderer.mediaType, id).toBe(entry.mediaType);
      // publish names a file by the renderer's extension, else by the output format it was given the renderer under.
      expect(renderer.extension ?? entry.format, `${id}: the file extension publish writes`).toBe(entry.extension);
    }
  });

  it('is what `render --format`, `outputs.formats` and the JSON Schema offer', () => {
    expect(choices(registerRender, '--format')).toEqual(Object.keys(renderers));
    expect(RENDER_FORMATS).toEqual(Object.keys(renderers));
    expect(OUTPUT_FORMATS).toEqual(['md', 'html', 'rss', 'atom', 'json', 'txt']);
    expect(enumOf(definition(['subscriptions', '[]', 'outputs', 'formats', '[]']))).toEqual(OUTPUT_FORMATS);
    for (const format of OUTPUT_FORMATS) expect(rendererFor(format), format).toBe(format);
    expect(rendererFor('md', 'rich')).toBe('md-rich');
    expect(rendererFor('html', 'rich')).toBe('html');
  });
});

describe('the source registry', () => {
  it('is what `fetch --source` offers, and each entry loads a source', async () => {
    expect(choices(registerFetch, '--source')).toEqual(Object.keys(sources));
    expect(SOURCE_IDS).toEqual(['rss', 'atom', 'api', 'oai']);
    for (const entry of Object.values(sources)) expect(typeof (await entry.load())).toBe('function');
  });
});

describe('the provider registry', () => {
  it('is what `llm.provider` and `enrich --provider` offer, and each entry loads the adapter of its id', async () => {
    expect(PROVIDER_CHOICES).toEqual(['auto', ...Object.keys(providers)]);
    expect(enumOf(definition(['llm', 'provider']))).toEqual(PROVIDER_CHOICES);
    expect(choices(registerEnrich, '--provider')).toEqual(PROVIDER_CHOICES);
    for (const [id, entry] of Object.entries(providers)) expect((await entry.load()).metadata.id, id).toBe(id);
  });

  it('lets `config check` name the variable an explicitly chosen provider requires', async () => {
    const { checkAppConfig } = await import('../config.js');
    const loaded = loadAppConfig({ env: {}, cwd: '/nonexistent-xivdigest-dir' });
    const input = { llm: { provider: 'anthropic' } };
    const anthropic = await checkAppConfig({ ...loaded, input });
    expect(anthropic.warnings.map((warning) => `${warning.path}: ${warning.message}`)).toContain(
      'llm.provider: anthropic needs ANTHROPIC_API_KEY, which is not set (or set llm.apiKey)',
    );
    const withKey = await checkAppConfig({ ...loaded, input, llmEnvironment: { ANTHROPIC_API_KEY: 'k' } });
    expect(withKey.warnings.filter((warning) => warning.path === 'llm.provider')).toEqual([]);
    const inFile = await checkAppConfig({ ...loaded, input: { llm: { provider: 'anthropic', apiKey: 'k' } } });
    expect(inFile.warnings.filter((warning) => warning.path === 'llm.provider')).toEqual([]);
    const azure = await checkAppConfig({ ...loaded, input: { llm: { provider: 'azure', baseUrl: 'https://x.openai.azure.com' } } });
    expect(azure.warnings.map((warning) => `${warning.path}: ${warning.message}`)).toContain(
      'llm.provider: azure needs OPENAI_AZURE_API_KEY, OPENAI_AZURE_ENGINE, which are not set (or set llm.apiKey, llm.azure.deployment, llm.model)',
    );
  });
});

describe('the ranker registry', () => {
  it('is what `ranking.method` offers (plus none), and each entry loads a factory', async () => {
    expect(RANKING_METHODS).toEqual([...Object.keys(rankers), 'none']);
    expect(enumOf(definition(['subscriptions', '[]', 'ranking', 'method']))).toEqual(RANKING_METHODS);
    for (const entry of Object.values(rankers)) expect(typeof (await entry.load())).toBe('function');
  });

  it("has `config check` report what a chosen method needs, from the ranker's line", () => {
    const dir = mkdtempSync(join(tmpdir(), 'xivdigest-registry-'));
    try {
      const file = join(dir, 'xivdigest.config.json');
      const subscription = (name: string, method: string) => ({ name, categories: 'cs.CL', ranking: { method } });
      writeFileSync(
        file,
        JSON.stringify({
          subscriptions: [subscription('a', 'llm'), subscription('b', 'embeddings'), subscription('c', 'local-embeddings'), subscription('d', 'lexical')],
        }),
      );
      const loaded = loadAppConfig({ file, env: {} });
      expect(loaded.errors.map((problem) => `${problem.path}: ${problem.message}`)).toEqual([
        'subscriptions.0.ranking.interests: required for the llm method: your interests in a few sentences',
        'subscriptions.1.ranking.embeddings.model: required for the embeddings method (an embedding model such as text-embedding-3-small)',
        'subscriptions.2.ranking.embeddings.model: required for the local-embeddings method (the path of a GGUF embedding model)',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the channel registry', () => {
  it('gives each type its options schema, the very one in the config schema that `config check` uses', () => {
    const subscription = inner((appConfigSchema.shape.subscriptions as unknown as { unwrap(): z.ZodArray<z.ZodObject> }).unwrap().element);
    const outputs = inner((subscription as z.ZodObject).shape.outputs as z.ZodType) as z.ZodObject;
    const channelList = inner(outputs.shape.channels as z.ZodType) as z.ZodArray<z.ZodType>;
    expect(channelList.element).toBe(channelSpecSchema);
    expect(channelSpecSchema.options).toEqual(Object.values(channels).map((entry) => entry.options));
    expect(CHANNEL_TYPES).toEqual(Object.keys(channels));
  });

  it('reports a bad channel entry through `config check` with its own schema', () => {
    for (const type of CHANNEL_TYPES) {
      const entry = { type, nonsense: 1 };
      const own = channels[type].options.safeParse(entry);
      expect(own.success, type).toBe(false);
      const union = channelSpecSchema.safeParse(entry);
      expect(
        union.error?.issues.map((issue) => issue.message),
        type,
      ).toEqual(own.error?.issues.map((issue) => issue.message));
    }
  });

  it('loads a factory that makes a channel of its type', async () => {
    const spec = { type: 'webhook' as const, url: 'https://example.org/hook' };
    const channel = (await channels.webhook.load())(spec, prepareChannel(spec, { env: {} }));
    expect(channel.kind).toBe('webhook');
  });
});

describe('the registry modules', () => {
  it('import no adapter at their top level (only types, zod schemas and `import()`), so `--help` stays light', () => {
    const dir = __dirname;
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))) {
      const source = readFileSync(join(dir, file), 'utf8');
      const valueImports = [...source.matchAll(/^import (?!type )[^;]*? from '([^']+)';/gms)].map((match) => match[1]!);
      // A channel's options schema (zod only) is the exception: the config schema needs it.
      const adapters = valueImports.filter(
        (path) => /^\.\.\/(render|sources|llm|rank|channels|store|library)\//.test(path) && !/^\.\.\/channels\/[a-z]+\/options\.js$/.test(path),
      );
      expect(adapters, file).toEqual([]);
    }
  });
});
