/**
 * Search relevance on real data: the shared digests and the 3,000-paper corpus of the original system are imported,
 * the papers each query should find are computed by scanning the stored papers and texts (no ids written down), and
 * the store's search must find exactly those: English and Chinese words, two-character Chinese words, phrases, and
 * the ti:/au:/abs: fields.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestText, importDigest } from '../src/jobs/import-digest.js';
import { importSeedCache } from '../src/jobs/import-seed-cache.js';
import { parseMarkdownDigest } from '../src/sources/digest-import/parse.js';
import { parseSeedCache } from '../src/sources/seed-cache/parse.js';
import { fileInput } from '../src/sources/shared/document-input.js';
import type { Store } from '../src/store/store.js';
import { createTempStore, testDatabases, type TempStore, type TestDatabaseKind } from './helpers/temp-store.js';
import { sharedFixturesDir } from './helpers/shared-fixtures.js';

const fixtures = sharedFixturesDir;
const digests = join(fixtures, 'digests');
const corpus = join(fixtures, 'corpus', 'cn-chat-arxiv-papers-3000.jsonl');
const missing = existsSync(digests) && existsSync(corpus) ? undefined : `search relevance skipped: ${fixtures} (the shared real data) is absent`;
if (missing) console.warn(missing);

/** What a paper offers each field of the query language, as scanned from the store. */
interface Scanned {
  id: string;
  title: string[];
  abstract: string[];
  authors: string[];
}

const CJK_CHAR = '[\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}ー]';
/** A letter or digit of a non-CJK script: what a Latin word may not touch. */
const WORD_CHAR = `(?!${CJK_CHAR})[\\p{L}\\p{N}]`;

function fold(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/** The reference matcher: Latin words as whole words (case and accents ignored), CJK text as a substring. */
function matcher(phrase: string): (text: string) => boolean {
  if (new RegExp(CJK_CHAR, 'u').test(phrase)) return (text) => text.includes(phrase);
  const words = fold(phrase)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  const pattern = new RegExp(`(?<!${WORD_CHAR})${words.join('[^\\p{L}\\p{N}]+')}(?!${WORD_CHAR})`, 'u');
  return (text) => pattern.test(fold(text));
}

async function scan(store: Store): Promise<Scanned[]> {
  const papers = await store.getPapers();
  const texts = (await store.getTexts(papers.map((paper) => paper.id))).filter((text) => text.status === 'ok');
  return papers.map((paper) => {
    const own = texts.filter((text) => text.paperId === paper.id);
    return {
      id: paper.id,
      title: [paper.title, ...own.map((text) => text.title)],
      abstract: [paper.abstract, ...own.flatMap((text) => [text.abstract, text.tldr, text.tldrEn])],
      authors: paper.authors.map((author) => author.name),
    };
  });
}

function expected(scanned: Scanned[], field: 'text' | 'ti' | 'abs' | 'au', phrase: string): string[] {
  const matches = matcher(phrase);
  return scanned
    .filter((paper) => {
      const fields =
        field === 'ti'
          ? paper.title
          : field === 'abs'
            ? paper.abstract
            : field === 'au'
              ? paper.authors
              : [...paper.title, ...paper.abstract, ...paper.authors];
      return fields.some(matches);
    })
    .map((paper) => paper.id)
    .sort();
}

async function found(store: Store, q: string): Promise<{ total: number; ids: string[] }> {
  const ids: string[] = [];
  let total = 0;
  for (let page = 1; page <= 40; page += 1) {
    // Every match ranked (no window): paging past a window switches to ranking every match (ADR 0049), so the pages
    // of a word with more matches than PostgreSQL's 1,000 (ADR 0060) would not add up to its matches otherwise.
    const response = await store.search({ q, page, pageSize: 100, rankWindow: 0 });
    total = response.total;
    ids.push(...response.hits.map((hit) => hit.id));
    if (ids.length >= total || response.hits.length === 0) break;
  }
  return { total, ids: ids.sort() };
}

/** [query, field, phrase]: what is asked, and what the reference matcher looks for where. */
const QUERIES: Array<[string, 'text' | 'ti' | 'abs' | 'au', string]> = [
  ['diffusion', 'text', 'diffusion'],
  ['transformer', 'text', 'transformer'],
  ['graph', 'text', 'graph'],
  ['"large language models"', 'text', 'large language models'],
  ['"reinforcement learning"', 'text', 'reinforcement learning'],
  ['ti:retrieval', 'ti', 'retrieval'],
  ['abs:benchmark', 'abs', 'benchmark'],
  // No au: here: the shared digests and corpus carry no author names (the contract suite tests au:).
  ['模型', 'text', '模型'],
  ['扩散', 'text', '扩散'],
  ['图像', 'text', '图像'],
  ['推荐', 'text', '推荐'],
  ['语言模型', 'text', '语言模型'],
  ['强化学习', 'text', '强化学习'],
  ['ti:模型', 'ti', '模型'],
  ['ti:检索', 'ti', '检索'],
  ['abs:数据集', 'abs', '数据集'],
];

/** A store of `kind` with the shared digests and corpus imported, and what its papers offer each field. */
async function importRealData(kind: TestDatabaseKind): Promise<{ temp: TempStore; scanned: Scanned[] }> {
  const temp = await createTempStore(kind);
  for (const file of readdirSync(digests)
    .filter((name) => name.endsWith('.md'))
    .sort()) {
    const path = join(digests, file);
    await importDigest(temp.store, file, parseMarkdownDigest(digestText(readFileSync(path), path), { origin: path }));
  }
  const result = await importSeedCache(temp.store, parseSeedCache(fileInput(corpus), { origin: corpus }));
  expect(result.imported).toBe(3_000);
  const scanned = await scan(temp.store);
  expect(scanned.length).toBeGreaterThan(3_000);
  return { temp, scanned };
}

const databases = testDatabases();
const imports = new Map<TestDatabaseKind, Promise<{ temp: TempStore; scanned: Scanned[] }>>();
/**
 * Starts the import into every available database at once, the first time any is asked for: SQLite writes in its
 * writer thread and PostgreSQL in its server, so on two cores the two imports take little more than one (ADR 0066).
 */
function imported(kind: TestDatabaseKind): Promise<{ temp: TempStore; scanned: Scanned[] }> {
  if (imports.size === 0) {
    for (const database of databases) {
      if (database.skipReason) continue;
      const started = importRealData(database.kind);
      started.catch(() => undefined); // awaited, and reported, by its own block's beforeAll
      imports.set(database.kind, started);
    }
  }
  return imports.get(kind)!;
}

describe.each(databases)('search relevance on real data ($kind)', ({ kind, skipReason }) => {
  const reason = missing ?? skipReason;
  if (reason) {
    it.skip(reason, () => undefined);
    return;
  }
  let temp: TempStore;
  let scanned: Scanned[];

  beforeAll(async () => {
    ({ temp, scanned } = await imported(kind));
  }, 300_000);
  afterAll(async () => {
    await temp?.cleanup();
  });

  it.each(QUERIES)('%s finds exactly the papers that contain it', async (q, field, phrase) => {
    const want = expected(scanned, field, phrase);
    expect(want.length).toBeGreaterThan(0);
    const got = await found(temp.store, q);
    expect(got.total).toBe(want.length);
    expect(got.ids).toEqual(want);
  });

  it('ranks a paper with the word in its title above one with it only in the abstract', async () => {
    const response = await temp.store.search({ q: 'diffusion', pageSize: 100 });
    const inTitle = (id: string) => scanned.find((paper) => paper.id === id)!.title.some(matcher('diffusion'));
    const first = response.hits.findIndex((hit) => !inTitle(hit.id));
    expect(first).toBeGreaterThan(0);
    expect(inTitle(response.hits[0]!.id)).toBe(true);
  });

  it('combines a Chinese word and an English word (AND)', async () => {
    const images = new Set(expected(scanned, 'text', 'image'));
    const want = expected(scanned, 'text', '扩散').filter((id) => images.has(id));
    expect(want.length).toBeGreaterThan(0);
    expect((await found(temp.store, '扩散 image')).ids).toEqual(want);
  });
});
