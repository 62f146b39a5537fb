/** `xivdigest search` and `xivdigest reindex` through the built CLI, on a small archive imported from a seed-cache file. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCliSandbox, type CliSandbox } from './helpers/cli.js';

const RECORDS = [
  {
    title: 'Diffusion Language Models for Text Generation. (arXiv:2305.00001v1 [cs.CL])',
    abstract: 'We train diffusion language models on text and compare them with autoregressive models on many benchmarks.',
    link: 'http://arxiv.org/abs/2305.00001',
    total_tokens: 500,
    translated_title: '用于文本生成的扩散语言模型',
    translated_abstract: '我们在文本上训练扩散语言模型，并在许多基准上与自回归模型进行比较。',
    tldr: '扩散语言模型可以生成文本。',
  },
  {
    title: 'Graph Neural Networks for Recommendation. (arXiv:2305.00002v1 [cs.IR])',
    abstract: 'Graph neural networks improve recommendation quality on three public datasets with sparse interactions.',
    link: 'http://arxiv.org/abs/2305.00002',
    total_tokens: 500,
    translated_title: '用于推荐的图神经网络',
    translated_abstract: '图神经网络在三个具有稀疏交互的公共数据集上提高了推荐质量。',
    tldr: '图神经网络改进推荐。',
  },
  {
    title: 'Planning with Large Models. (arXiv:2305.00003v1 [cs.AI])',
    abstract: 'Large models plan step by step; we evaluate planning on household tasks and report strong results.',
    link: 'http://arxiv.org/abs/2305.00003',
    total_tokens: 500,
    translated_title: '用大模型做规划',
    translated_abstract: '大模型可以逐步规划；我们在家务任务上评估规划并报告了强劲的结果。',
    tldr: '大模型能规划。',
  },
];

/** A CLI sandbox whose store holds `records`, imported from a seed-cache file (the original's per-paper outputs). */
async function sandboxWith(records: ReadonlyArray<Record<string, unknown>>): Promise<CliSandbox> {
  const cli = createCliSandbox();
  const file = join(cli.dir, 'papers.jsonl');
  writeFileSync(file, `${records.map((record) => JSON.stringify(record)).join('\n')}\n`);
  const imported = await cli.run(['import-seed-cache', file]);
  expect(imported.code, imported.stderr).toBe(0);
  return cli;
}

// The searches only read: two tests at a time (two cores), and the large archive of the second block is imported
// meanwhile; the reindex runs alone (ADR 0066).
vi.setConfig({ maxConcurrency: 2 });

describe.concurrent('xivdigest search and reindex (built CLI)', () => {
  let cli: CliSandbox;

  beforeAll(async () => {
    cli = await sandboxWith(RECORDS);
  }, 60_000);
  afterAll(() => cli?.cleanup());

  it('lists matches with the id, the titles and the snippet, the match marked', async () => {
    const [result, english] = await Promise.all([cli.run(['search', '模型']), cli.run(['search', 'ti:diffusion'])]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('2 matches for "模型"');
    expect(result.stdout).toContain('2305.00003');
    expect(result.stdout).toContain('2305.00001');
    expect(result.stdout).not.toContain('2305.00002');
    expect(result.stdout).toContain('用大**模型**做规划');
    expect(english.stdout).toMatch(/2305\.00001v1 .*\*\*Diffusion\*\* Language Models/);
  });

  it('prints the response as JSON, with filters, sorting and paging', async () => {
    const [result, second, inCategory, all] = await Promise.all([
      cli.run(['search', 'models OR 推荐', '--json', '--sort', 'date', '--page-size', '2']),
      cli.run(['search', 'models OR 推荐', '--json', '--sort', 'date', '--page-size', '2', '--page', '2']),
      cli.run(['search', '模型', '--json', '--category', 'cs-cs.AI']),
      cli.run(['search', '--json']),
    ]);
    expect(result.code, result.stderr).toBe(0);
    const response = JSON.parse(result.stdout) as {
      total: number;
      page: number;
      hits: Array<{ id: string; snippets: Array<{ text: string; highlights: Array<[number, number]> }> }>;
    };
    expect(response.total).toBe(3);
    expect(response.hits.map((hit) => hit.id)).toEqual(['2305.00003', '2305.00002']);
    const snippet = response.hits[1]!.snippets[0]!;
    expect(snippet.text.slice(...snippet.highlights[0]!)).toBe('推荐');
    const page2 = JSON.parse(second.stdout) as {
      hits: Array<{ id: string }>;
    };
    expect(page2.hits.map((hit) => hit.id)).toEqual(['2305.00001']);
    const filtered = JSON.parse(inCategory.stdout) as { hits: Array<{ id: string }> };
    expect(filtered.hits.map((hit) => hit.id)).toEqual(['2305.00001']);
    const browse = JSON.parse(all.stdout) as { total: number };
    expect(browse.total).toBe(3);
  });

  it('reports a query that does not parse with its position, and bad options as usage errors', async () => {
    const [result, usage, category] = await Promise.all([
      cli.run(['search', 'ti:(graph']),
      cli.run(['search', 'x', '--sort', 'newest']),
      cli.run(['search', 'x', '--category', 'cs.CLL']),
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('column 4');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--sort newest');
    expect(category.code).not.toBe(0);
    expect(category.stderr).toMatch(/cs\.CLL/);
  });

  // Alone: the searches of the other tests must not run while the index is rebuilt.
  it.sequential('rebuilds the index with progress on stderr', async () => {
    const result = await cli.run(['reindex']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Indexed 3 papers');
    expect(result.stderr).toContain('reindex: 3 papers indexed');
    const json = await cli.run(['reindex', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ papers: 3 });
    expect((await cli.run(['search', '规划', '--json'])).stdout).toContain('2305.00003');
  });

  it('has help with examples', async () => {
    const helps = await Promise.all(['search', 'reindex'].map((command) => cli.run([command, '--help'])));
    for (const help of helps) {
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Examples:');
    }
  });
});

describe.concurrent('xivdigest search with more matches than the rank window (built CLI, ADR 0054)', () => {
  let cli: CliSandbox;

  beforeAll(async () => {
    // 10,001 papers with one word in common: one more than the window of 10,000.
    const records = Array.from({ length: 10_001 }, (_, index) => {
      const id = `2306.${String(index + 1).padStart(5, '0')}`;
      return {
        title: `Sparse attention, note ${index + 1}. (arXiv:${id}v1 [cs.CL])`,
        abstract: `Note ${index + 1} on sparse attention.`,
        link: `http://arxiv.org/abs/${id}`,
        total_tokens: 100,
        translated_title: `稀疏注意力笔记 ${index + 1}`,
        translated_abstract: '关于稀疏注意力的笔记。',
        tldr: '稀疏注意力。',
      };
    });
    cli = await sandboxWith(records);
  }, 120_000);
  afterAll(() => cli?.cleanup());

  it('says "more than 10000" without counting them all, and counts them with --exact-total', async () => {
    const [result, asJson, exact, help] = await Promise.all([
      cli.run(['search', 'sparse']),
      cli.run(['search', 'sparse', '--json']),
      cli.run(['search', 'sparse', '--exact-total']),
      cli.run(['search', '--help']),
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('more than 10000 matches for "sparse" (page 1; --exact-total counts them)');
    expect(result.stdout).toContain('(ranked by relevance among the newest 10000;');
    const json = JSON.parse(asJson.stdout) as { total: number; totalIsLowerBound?: boolean; hits: unknown[] };
    expect(json).toMatchObject({ total: 10_000, totalIsLowerBound: true });
    expect(json.hits).toHaveLength(20);
    expect(exact.code, exact.stderr).toBe(0);
    expect(exact.stdout).toContain('10001 matches for "sparse" (page 1 of 501)');
    expect(help.stdout).toContain('--exact-total');
  }, 60_000);
});
