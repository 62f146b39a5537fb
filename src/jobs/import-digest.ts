/** Stores an imported cn-chat-arxiv digest: its papers, the translations it shows, and the digest itself, atomically. */
import { abstractHash } from '../core/hash.js';
import { CN_CHAT_ARXIV_PROVENANCE } from '../core/provenance.js';
import type { StoredTexts } from '../core/texts.js';
import type { ImportedDigest } from '../sources/digest-import/parse.js';
import type { Store, UpsertResult } from '../store/store.js';

export interface ImportDigestResult {
  entries: number;
  papers: UpsertResult;
  /** Translations stored in the texts cache (the ones the digest showed). */
  texts: number;
}

export async function importDigest(store: Store, name: string, imported: ImportedDigest, now = new Date()): Promise<ImportDigestResult> {
  const createdAt = now.toISOString();
  const texts: StoredTexts[] = imported.digest.entries
    .filter((entry) => (entry.textStatus ?? 'ok') === 'ok')
    .map((entry) => ({
      ...entry.texts,
      ...CN_CHAT_ARXIV_PROVENANCE,
      createdAt,
      paperId: entry.paperId,
      version: entry.version,
      abstractHash: abstractHash(entry.abstract),
      status: 'ok' as const,
    }));
  return store.transaction(async (tx) => {
    const papers = await tx.upsertPapers(imported.papers);
    await tx.saveTexts(texts);
    await tx.saveDigest({ ...imported.digest, name, createdAt });
    return { entries: imported.digest.entries.length, papers, texts: texts.length };
  });
}
