/** Tests of the cn-chat-arxiv cache reader: own files, every line of the 3,000-record corpus, and malformed input. */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { XivdigestError } from '../../core/errors.js';
import { hasSharedFixtures, ownFixture, sharedFixture } from '../../../test/helpers/shared-fixtures.js';
import { fileInput } from '../shared/document-input.js';
import { parseSeedCache, parseSeedCacheFile, parseSeedCacheText, readSeedCacheDir, type SeedCacheItem } from './parse.js';

async function collect(items: AsyncIterable<SeedCacheItem>): Promise<SeedCacheItem[]> {
  const result: SeedCacheItem[] = [];
  for await (const item of items) result.push(item);
  return result;
}

function errorOf(item: SeedCacheItem | undefined): XivdigestError {
  if (item?.type !== 'error') throw new Error(`expected an error item, got ${JSON.stringify(item)}`);
  return item.error;
}

describe('parseSeedCacheFile (one papers/YY/MM/<id>.json, as json.dump(indent=4, ensure_ascii=False) wrote it)', () => {
  it('reads an old-era record with context, path and en_tdlr', async () => {
    const path = ownFixture('seed-cache', 'papers', '23', '05', '2305.01234.json');
    const record = await parseSeedCacheFile(path);
    expect(record.origin).toBe(path);
    expect(record.totalTokens).toBe(812);
    expect(record.missing).toEqual([]);
    expect(record.texts).toEqual({
      lang: 'zh',
      title: 'Quill：为虚构模型撰写摘要',
      tldr: 'Quill是一个为测试而虚构的摘要模型。',
      tldrEn: 'Quill is an invented summarisation model for tests.',
      abstract: '我们提出了Quill，一个虚构的模型，为其他虚构模型撰写简短摘要。它不在任何数据上训练。',
    });
    expect(record.paper).toMatchObject({
      id: '2305.01234',
      version: 2,
      title: 'Quill: Writing Abstracts for Imaginary Models',
      categories: ['cs.CL'],
      legacyFlags: ['UPDATED'],
      abstractTruncated: true,
      source: 'seed-cache',
      links: { abs: 'https://arxiv.org/abs/2305.01234' },
    });
    expect(record.paper.feed?.link).toBe('http://arxiv.org/abs/2305.01234');
  });

  it('reads a new-era record without an English TL;DR', async () => {
    const record = await parseSeedCacheFile(ownFixture('seed-cache', 'papers', '24', '03', '2403.04321.json'));
    expect(record.paper).toMatchObject({ id: '2403.04321', version: 1, announceType: 'cross', abstractTruncated: true });
    expect(record.missing).toEqual(['tldrEn']);
    expect(record.texts.tldrEn).toBe('');
  });

  it('names the file and the line of a missing field or of invalid JSON', async () => {
    const missing = ownFixture('seed-cache', 'papers', '24', '03', '2403.00008.json');
    await expect(parseSeedCacheFile(missing)).rejects.toMatchObject({
      code: 'INPUT_MALFORMED',
      message: `${missing}, line 1: field "tldr" must be a string; it is missing`,
      details: { file: missing, line: 1 },
    });
    const broken = ownFixture('seed-cache', 'papers', '24', '03', '2403.00009.json');
    await expect(parseSeedCacheFile(broken)).rejects.toMatchObject({ code: 'INPUT_MALFORMED', details: { file: broken, line: 4, column: 1 } });
    await expect(parseSeedCacheFile(ownFixture('seed-cache', 'no-such.json'))).rejects.toMatchObject({ code: 'INPUT_MALFORMED' });
  });

  it('finds the line of a field with a wrong type', () => {
    const text = '{\n    "title": "T",\n    "abstract": "A",\n    "link": "https://arxiv.org/abs/2401.00001",\n    "tldr": 7\n}';
    expect(() => parseSeedCacheText(text, { origin: 'x.json' })).toThrowError('x.json, line 5: field "tldr" must be a string; found 7');
  });
});

describe('readSeedCacheDir', () => {
  it('walks papers/YY/MM/*.json in path order, reporting bad files and going on', async () => {
    const items = await collect(readSeedCacheDir(ownFixture('seed-cache')));
    expect(items.map((item) => (item.type === 'record' ? item.paper.id : 'error'))).toEqual(['2305.01234', 'error', 'error', '2403.04321']);
    expect(errorOf(items[1]).message).toMatch(/2403\.00008\.json, line 1: field "tldr"/);
    expect(errorOf(items[2]).message).toMatch(/2403\.00009\.json, line 4: invalid JSON/);
    expect(errorOf(items[2]).hint).toMatch(/other files are still imported/);
  });

  it('also walks a folder of <id>.json files without papers/', async () => {
    const items = await collect(readSeedCacheDir(ownFixture('seed-cache', 'papers', '23')));
    expect(items).toHaveLength(1);
    expect(items[0]?.type).toBe('record');
  });

  it('throws NOT_FOUND for a missing folder', async () => {
    await expect(collect(readSeedCacheDir(ownFixture('seed-cache', 'absent')))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('walks nested folders in a temporary tree', async () => {
    const root = mkdtempSync(join(tmpdir(), 'xivdigest-seed-'));
    mkdirSync(join(root, 'papers', '25', '01'), { recursive: true });
    writeFileSync(
      join(root, 'papers', '25', '01', '2501.00001.json'),
      JSON.stringify({ title: 'T', abstract: 'A', link: 'https://arxiv.org/abs/2501.00001', tldr: 'D', total_tokens: 1 }, null, 4),
    );
    writeFileSync(join(root, 'papers', '25', '01', 'notes.txt'), 'not a record');
    const items = await collect(readSeedCacheDir(root));
    expect(items.map((item) => item.type)).toEqual(['record']);
  });
});

describe('parseSeedCache (JSON lines)', () => {
  it('yields records and errors line by line, skipping blank lines', async () => {
    const items = await collect(parseSeedCache(fileInput(ownFixture('seed-cache', 'records.jsonl')), { origin: 'records.jsonl' }));
    expect(items.map((item) => (item.type === 'record' ? `${item.line}:${item.paper.id}` : `error:${item.error.details.line}`))).toEqual([
      '1:2306.00001',
      '2:2404.00002',
      'error:4',
      '5:2306.00004',
      'error:6',
    ]);
    const [first, second, , fourth] = items;
    expect(first?.type === 'record' && first.texts.tldrEn).toBe('The first.');
    expect(second?.type === 'record' && second.texts.tldrEn).toBe('The second, with the en_tldr key.');
    expect(second?.type === 'record' && second.paper).toMatchObject({ version: 2, announceType: 'replace-cross', abstract: 'Second invented line.' });
    expect(fourth?.type === 'record' && fourth.missing).toEqual(['title', 'abstract', 'tldrEn']);
    expect(errorOf(items[2]).message).toMatch(/^records\.jsonl, line 4: invalid JSON/);
    expect(errorOf(items[4]).message).toBe('records.jsonl, line 6: field "link" holds no arXiv id: "https://example.org/not-arxiv"');
    expect(errorOf(items[4]).code).toBe('INPUT_MALFORMED');
  });

  it('accepts a string, and reports a line that is not an object', async () => {
    const items = await collect(parseSeedCache('[1, 2]\n"text"\n', { origin: 'mem' }));
    expect(items.map((item) => errorOf(item).message)).toEqual([
      'mem, line 1: a cache record must be a JSON object, found an array',
      'mem, line 2: a cache record must be a JSON object, found string',
    ]);
  });

  it('reports a bad total_tokens', async () => {
    const line = JSON.stringify({ title: 'T', abstract: 'A', link: 'https://arxiv.org/abs/2401.00001', tldr: 'D', total_tokens: 'many' });
    const [item] = await collect(parseSeedCache(line, { origin: 'mem' }));
    expect(errorOf(item).message).toBe('mem, line 1: field "total_tokens" must be a whole number; found "many"');
  });

  it('reads a single pretty-printed record given as the input', async () => {
    const items = await collect(parseSeedCache(fileInput(ownFixture('seed-cache', 'papers', '23', '05', '2305.01234.json')), { origin: 'one.json' }));
    expect(items).toHaveLength(1);
    expect(items[0]?.type === 'record' && items[0].paper.id).toBe('2305.01234');
  });
});

describe.skipIf(!hasSharedFixtures)('the 3,000-record corpus (../shared/fixtures/corpus)', () => {
  it('reads every line', async () => {
    const items = await collect(parseSeedCache(fileInput(sharedFixture('corpus', 'cn-chat-arxiv-papers-3000.jsonl')), { origin: 'corpus' }));
    const records = items.flatMap((item) => (item.type === 'record' ? [item] : []));
    expect(items).toHaveLength(3000);
    expect(records).toHaveLength(3000);
    expect(new Set(records.map((record) => record.paper.id)).size).toBe(3000);
    expect(records.filter((record) => record.line !== undefined).map((record) => record.line)).toEqual(Array.from({ length: 3000 }, (_, index) => index + 1));

    // Counts computed independently with Python's json module.
    const count = (predicate: (record: (typeof records)[number]) => boolean) => records.filter(predicate).length;
    expect(count((record) => !record.missing.includes('tldrEn'))).toBe(2274 + 18); // en_tdlr 2,274, en_tldr 18
    expect(count((record) => record.missing.includes('title'))).toBe(57);
    expect(count((record) => record.missing.includes('abstract'))).toBe(39);
    expect(count((record) => !record.missing.includes('title') && !record.missing.includes('abstract'))).toBe(2943);
    expect(count((record) => record.paper.feed!.link.startsWith('https://'))).toBe(948);
    expect(count((record) => record.paper.announceType !== undefined)).toBe(798);
    expect(count((record) => record.paper.legacyFlags?.includes('UPDATED') === true)).toBe(625);
    expect(count((record) => record.paper.legacyFlags?.includes('CROSS LISTED') === true)).toBe(12);
    expect(count((record) => record.paper.version === null)).toBe(150);
    expect(count((record) => record.totalTokens === null)).toBe(0);
    expect(count((record) => record.paper.abstractTruncated === true)).toBeGreaterThanOrEqual(2287);
  });

  it('reads records field by field', async () => {
    const items = await collect(parseSeedCache(fileInput(sharedFixture('corpus', 'cn-chat-arxiv-papers-3000.jsonl')), { origin: 'corpus' }));
    const first = items[0]!;
    if (first.type !== 'record') throw first.error;
    expect(first.paper).toMatchObject({
      id: '2305.14725',
      version: 1,
      title: 'AMELI: Enhancing Multimodal Entity Linking with Fine-Grained Attributes',
      categories: ['cs.CL'],
      links: { abs: 'https://arxiv.org/abs/2305.14725' },
      source: 'seed-cache',
    });
    expect(first.paper.abstractTruncated).toBeUndefined();
    expect(first.totalTokens).toBe(793);
    expect(first.texts).toMatchObject({ lang: 'zh', title: 'AMELI:细粒度属性增强多模态实体链接' });
    expect(first.texts.tldrEn).toMatch(/^Proposed an attribute-aware multimodal entity linking method/);
    expect(first.texts.tldr).toBe('提出了一种属性感知的多模态实体链接方法，并构建了一个大型数据集AMELI，实验证明了将属性信息纳入实体链接过程的重要性。');

    const second = items[1]!;
    if (second.type !== 'record') throw second.error;
    expect(second.paper.feed?.title).toBe(
      'Replication of Impedance Identification Experiments on a Reinforcement-Learning-Controlled Digital Twin of Human Elbows',
    );
    expect(second.paper.legacyFlags).toBeUndefined();
  });
});
