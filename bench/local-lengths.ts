/**
 * Measures how many tokens a paper costs the local model: the prompt xivdigest sends (system + user, in Qwen's
 * ChatML) and the JSON answer (title, tldr, tldrEn, full abstract), counted with Qwen's own BPE vocabulary.
 *
 *   XIVDIGEST_QWEN_TIKTOKEN=/path/to/qwen.tiktoken npx tsx bench/local-lengths.ts
 *
 * `qwen.tiktoken` is the 151,643-rank byte-level BPE file Qwen ships with its Qwen(-VL) checkpoints; Qwen2 and
 * Qwen2.5 use the same BPE ranks and pre-tokenizer regex (their tokenizer.json adds only special tokens). Inputs:
 * the prompts of the full abstracts in the shared RSS fixtures (complete abstracts), outputs: the real answers in
 * the shared corpus, scaled to full abstracts by their measured output/input ratio (the corpus abstracts are cut at
 * 1,000 characters). The figures it prints are the ones in src/llm/llama-cpp/plan.ts (PAPER_TOKENS).
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadPrompt, renderPaperPrompt } from '../src/llm/prompts/index.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'shared', 'fixtures');

// Qwen's pre-tokenizer (tokenization_qwen.py PAT_STR); `(?i:…)` spelled out, as JS has no inline flags.
const PIECE = /'(?:[sS]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;

export function loadBpe(path: string): (text: string) => number {
  const ranks = new Map<string, number>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const [token, rank] = line.split(' ');
    if (token && rank) ranks.set(Buffer.from(token, 'base64').toString('latin1'), Number(rank));
  }
  const cache = new Map<string, number>();
  const countPiece = (piece: string): number => {
    const known = cache.get(piece);
    if (known !== undefined) return known;
    let parts = [...Buffer.from(piece, 'utf8').toString('latin1')];
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < parts.length; i++) {
        const rank = ranks.get(parts[i]! + parts[i + 1]!);
        if (rank !== undefined && rank < bestRank) [best, bestRank] = [i, rank];
      }
      if (best < 0) break;
      parts = [...parts.slice(0, best), parts[best]! + parts[best + 1]!, ...parts.slice(best + 2)];
    }
    cache.set(piece, parts.length);
    return parts.length;
  };
  return (text) => {
    let count = 0;
    for (const match of text.matchAll(PIECE)) count += countPiece(match[0]);
    return count;
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))]!;
}
const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Title and full abstract of each `new` item of the fixture RSS feeds. */
function feedPapers(): { title: string; abstract: string; cs: boolean }[] {
  const papers: { title: string; abstract: string; cs: boolean }[] = [];
  for (const file of ['rss-new-all-archives-2024-11-28.TRUNCATED.xml', 'rss-new-quant-ph-2025-04-28.xml']) {
    const xml = readFileSync(join(FIXTURES, 'arxiv', file), 'utf8');
    for (const item of xml.split('<item>').slice(1)) {
      const title = /<title>([\s\S]*?)<\/title>/.exec(item)?.[1];
      const description = /<description>([\s\S]*?)<\/description>/.exec(item)?.[1];
      if (!title || !description || !/Announce Type: new/.test(description)) continue;
      const abstract = unescapeXml(description)
        .replace(/^[\s\S]*?Abstract:\s*/, '')
        .trim();
      papers.push({ title: unescapeXml(title).trim(), abstract, cs: /<category>cs\./.test(item) });
    }
  }
  return papers;
}

async function main(): Promise<void> {
  const vocabulary = process.env.XIVDIGEST_QWEN_TIKTOKEN ?? process.argv[2];
  if (!vocabulary || !existsSync(vocabulary)) {
    console.log('skipped: set XIVDIGEST_QWEN_TIKTOKEN to a qwen.tiktoken file (Qwen BPE ranks) to measure token lengths');
    return;
  }
  if (!existsSync(FIXTURES)) {
    console.log(`skipped: ${FIXTURES} is absent (the shared fixtures)`);
    return;
  }
  const count = loadBpe(vocabulary);
  const template = loadPrompt();
  // ChatML: <|im_start|>system\n…<|im_end|>\n<|im_start|>user\n…<|im_end|>\n<|im_start|>assistant\n — 6 special tokens.
  const chatTokens = (system: string, user: string): number =>
    6 + count(`system\n${system}`) + count('\n') + count(`user\n${user}`) + count('\n') + count('assistant\n');

  const papers = feedPapers();
  const inputs = papers.map((paper) => {
    const { system, prompt } = renderPaperPrompt(template, { title: paper.title, abstract: paper.abstract, lang: 'zh' });
    return { prompt: chatTokens(system, prompt), system: count(system), abstract: count(paper.abstract), cs: paper.cs };
  });

  const corpus = readFileSync(join(FIXTURES, 'corpus', 'cn-chat-arxiv-papers-3000.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, string>);
  const outputs = corpus
    .filter((paper) => paper.translated_abstract && paper.tldr && paper.translated_title)
    .map((paper) => {
      const answer = JSON.stringify(
        { title: paper.translated_title, tldr: paper.tldr, tldrEn: paper.en_tdlr ?? '', abstract: paper.translated_abstract },
        null,
        0,
      )
        .replace(/","/g, '", "')
        .replace(/":"/g, '": "');
      return {
        answer: count(answer) + 1, // + the end-of-turn token
        abstractIn: count(paper.abstract!),
        abstractOut: count(paper.translated_abstract!),
        rest: count(answer) + 1 - count(paper.translated_abstract!),
        truncated: paper.abstract!.length >= 1000,
      };
    });
  const whole = outputs.filter((paper) => !paper.truncated);
  const ratio = whole.reduce((sum, paper) => sum + paper.abstractOut, 0) / whole.reduce((sum, paper) => sum + paper.abstractIn, 0);
  const restMean = mean(outputs.map((paper) => paper.rest));
  const predicted = inputs.map((input) => Math.round(input.abstract * ratio + restMean));

  const row = (name: string, values: number[]): string =>
    `| ${name} | ${values.length} | ${Math.round(mean(values))} | ${percentile(values, 0.5)} | ${percentile(values, 0.9)} | ${Math.max(...values)} |`;
  console.log('Token lengths per paper (Qwen2.5 BPE vocabulary, prompt paper-texts@1, target zh)\n');
  console.log('| what | papers | mean | median | p90 | max |');
  console.log('|---|---|---|---|---|---|');
  console.log(
    row(
      'prompt (ChatML system + user), all new RSS items',
      inputs.map((input) => input.prompt),
    ),
  );
  console.log(
    row(
      'prompt, cs.* items',
      inputs.filter((input) => input.cs).map((input) => input.prompt),
    ),
  );
  console.log(
    row(
      '  of which the abstract',
      inputs.map((input) => input.abstract),
    ),
  );
  console.log(
    row(
      '  of which the system message',
      inputs.map((input) => input.system),
    ),
  );
  console.log(
    row(
      'answer JSON, corpus as stored (abstracts cut at 1,000 chars)',
      outputs.map((output) => output.answer),
    ),
  );
  console.log(
    row(
      'answer JSON, corpus papers with whole abstracts',
      whole.map((output) => output.answer),
    ),
  );
  console.log(row('answer JSON predicted for the full RSS abstracts', predicted));
  console.log(
    `\ntranslated abstract tokens / English abstract tokens (whole abstracts): ${ratio.toFixed(3)}; title + tldr + tldrEn + JSON: ${Math.round(restMean)} tokens`,
  );
}

if (process.argv[1]?.endsWith('local-lengths.ts')) await main();
