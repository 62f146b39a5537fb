/** Imports cn-chat-arxiv's per-paper cache: every paper and translation it holds, each judged by the quality gate and flagged, never dropped. */
import { abstractHash } from '../core/hash.js';
import type { Paper } from '../core/paper.js';
import { CN_CHAT_ARXIV_PROVENANCE } from '../core/provenance.js';
import type { StoredTexts } from '../core/texts.js';
import { checkTexts } from '../llm/validate/index.js';
import type { SeedCacheItem } from '../sources/seed-cache/parse.js';
import type { Store, UpsertResult } from '../store/store.js';

export interface ImportSeedCacheResult {
  /** Records stored (papers and their texts). */
  imported: number;
  /** Imported records whose texts the quality gate found fault with (kept, with the findings as flags). */
  flagged: number;
  /** Records that could not be read (reported in `errors`, skipped). */
  malformed: number;
  /** Flagged records per gate finding, e.g. `{ "field-empty": 690 }`. */
  flags: Record<string, number>;
  /** Records that lack a generated field (the original never showed those without title or abstract). */
  missing: Record<string, number>;
  papers: UpsertResult;
  /** The first unreadable records, with where they are. */
  errors: Array<{ origin: string; message: string }>;
}

export interface ImportSeedCacheOptions {
  batchSize?: number;
  onProgress?(records: number): void;
  now?: Date;
}

const MAX_REPORTED_ERRORS = 50;

export async function importSeedCache(store: Store, items: AsyncIterable<SeedCacheItem>, options: ImportSeedCacheOptions = {}): Promise<ImportSeedCacheResult> {
  const batchSize = options.batchSize ?? 500;
  const createdAt = (options.now ?? new Date()).toISOString();
  const result: ImportSeedCacheResult = {
    imported: 0,
    flagged: 0,
    malformed: 0,
    flags: {},
    missing: {},
    papers: { inserted: 0, updated: 0, unchanged: 0, versionsAdded: 0 },
    errors: [],
  };
  let papers: Paper[] = [];
  let texts: StoredTexts[] = [];

  const flush = async (tx: Store) => {
    if (papers.length === 0) return;
    const written = await tx.upsertPapers(papers);
    result.papers.inserted += written.inserted;
    result.papers.updated += written.updated;
    result.papers.unchanged += written.unchanged;
    result.papers.versionsAdded += written.versionsAdded;
    await tx.saveTexts(texts);
    papers = [];
    texts = [];
    options.onProgress?.(result.imported + result.malformed);
  };

  await store.transaction(async (tx) => {
    for await (const item of items) {
      if (item.type === 'error') {
        result.malformed += 1;
        if (result.errors.length < MAX_REPORTED_ERRORS) result.errors.push({ origin: String(item.error.details.origin ?? ''), message: item.error.message });
        continue;
      }
      const { paper, texts: generated, missing } = item;
      for (const field of missing) result.missing[field] = (result.missing[field] ?? 0) + 1;
      const gate = checkTexts(
        generated,
        { title: paper.title, abstract: paper.abstract },
        { lang: generated.lang, abstractTruncated: paper.abstractTruncated },
      );
      const findings = [...new Set(gate.issues.filter((issue) => issue.severity === 'error').map((issue) => issue.code))];
      if (findings.length > 0) {
        result.flagged += 1;
        for (const code of findings) result.flags[code] = (result.flags[code] ?? 0) + 1;
      }
      // Without a translated title or abstract the original never showed the record; keep it, but not as usable texts.
      const incomplete = missing.filter((field) => field !== 'tldrEn');
      texts.push({
        ...generated,
        ...CN_CHAT_ARXIV_PROVENANCE,
        createdAt,
        ...(item.totalTokens !== null ? { totalTokens: item.totalTokens } : {}),
        paperId: paper.id,
        version: paper.version,
        abstractHash: abstractHash(paper.abstract),
        status: incomplete.length > 0 ? 'failed' : 'ok',
        ...(incomplete.length > 0 ? { reason: `the imported record has no translated ${incomplete.join(' or ')}` } : {}),
        ...(findings.length > 0 ? { flags: findings } : {}),
      });
      papers.push(paper);
      result.imported += 1;
      if (papers.length >= batchSize) await flush(tx);
    }
    await flush(tx);
  });
  return result;
}
