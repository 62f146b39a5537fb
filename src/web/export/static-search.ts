/**
 * The static edition's search index: an inverted index in small JSON files that the reader's browser fetches as the
 * query needs them (a shard of terms per query word, a chunk of documents per result page), ranked by BM25 in the
 * browser. Built from the store, tokenized by `staticTokens` (the same code runs in the browser).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { staticTokens } from './tokenize.js';

/** One paper as the static search shows and finds it. */
export interface StaticSearchDocument {
  /** The paper's page, relative to the site's root, e.g. `papers/2403.10568/`. */
  url: string;
  id: string;
  title: string;
  translatedTitle?: string;
  tldr?: string;
  authors: string[];
  /** Announcement day, YYYY-MM-DD. */
  day?: string;
  /** Text to index with its weight (titles count more than abstracts). */
  fields: Array<{ text: string; weight: number }>;
}

/** `search/meta.json`: what the client needs before it fetches anything else. */
export interface StaticSearchMeta {
  format: 1;
  documents: number;
  /** Mean weighted document length, for BM25. */
  averageLength: number;
  /** Terms are spread over this many files, `t/<n>.json`, by `shardOf`. */
  shards: number;
  /** Documents per file `d/<n>.json`. */
  chunk: number;
}

/** FNV-1a over UTF-16 code units: the shard a term's postings are in (the client runs the same function). */
export function shardOf(term: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < term.length; index += 1) {
    hash ^= term.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

const CHUNK = 200;

/**
 * Writes the index under `dir` (meta.json, lengths.json, t/, d/) and returns its meta. Documents keep their order:
 * a document's number is its position.
 */
export async function writeStaticSearchIndex(dir: string, documents: readonly StaticSearchDocument[]): Promise<StaticSearchMeta> {
  const postings = new Map<string, number[]>();
  const lengths: number[] = [];
  documents.forEach((document, number) => {
    const counts = new Map<string, number>();
    let length = 0;
    for (const field of document.fields) {
      for (const token of staticTokens(field.text)) {
        counts.set(token, (counts.get(token) ?? 0) + field.weight);
        length += field.weight;
      }
    }
    lengths.push(length);
    for (const [term, count] of counts) {
      let list = postings.get(term);
      if (!list) postings.set(term, (list = []));
      list.push(number, count);
    }
  });
  // About 2,000 terms per shard file: a query fetches one small file per word.
  const shards = Math.max(1, Math.min(4096, 2 ** Math.ceil(Math.log2(Math.max(1, postings.size / 2000)))));
  const files: Array<Record<string, number[]>> = Array.from({ length: shards }, () => ({}));
  for (const [term, list] of postings) files[shardOf(term, shards)]![term] = list;
  const meta: StaticSearchMeta = {
    format: 1,
    documents: documents.length,
    averageLength: lengths.length === 0 ? 0 : lengths.reduce((sum, value) => sum + value, 0) / lengths.length,
    shards,
    chunk: CHUNK,
  };
  await mkdir(join(dir, 't'), { recursive: true });
  await mkdir(join(dir, 'd'), { recursive: true });
  await writeFile(join(dir, 'meta.json'), JSON.stringify(meta));
  await writeFile(join(dir, 'lengths.json'), JSON.stringify(lengths));
  for (let shard = 0; shard < shards; shard += 1) await writeFile(join(dir, 't', `${shard}.json`), JSON.stringify(files[shard]));
  for (let start = 0; start < documents.length; start += CHUNK) {
    const rows = documents
      .slice(start, start + CHUNK)
      .map((document) => [
        document.id,
        document.url,
        document.title,
        document.translatedTitle ?? '',
        document.tldr ?? '',
        document.day ?? '',
        document.authors.join(', '),
      ]);
    await writeFile(join(dir, 'd', `${start / CHUNK}.json`), JSON.stringify(rows));
  }
  return meta;
}
