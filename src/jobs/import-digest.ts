/** Stores an imported cn-chat-arxiv digest: its papers, the translations it shows, and the digest itself, atomically. */
import { isUtf8 } from 'node:buffer';
import { XivdigestError } from '../core/errors.js';
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

/**
 * The digest file's text, refused (INPUT_MALFORMED, nothing stored) unless it is valid UTF-8: invalid bytes would be
 * read as U+FFFD, and the digest would no longer render back byte for byte although the text check passes.
 */
export function digestText(bytes: Uint8Array, origin: string): string {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isUtf8(buffer)) return buffer.toString('utf8');
  let line = 1;
  let start = 0;
  for (;;) {
    const end = buffer.indexOf(0x0a, start);
    const piece = buffer.subarray(start, end < 0 ? buffer.length : end);
    if (!isUtf8(piece)) break;
    if (end < 0) break;
    line += 1;
    start = end + 1;
  }
  throw new XivdigestError({
    code: 'INPUT_MALFORMED',
    message: `${origin} is not valid UTF-8 (line ${line}): it could not render back byte for byte, so nothing was imported`,
    hint: 'Convert the file to UTF-8 first (for example iconv -f GB18030 -t UTF-8), or fix the damaged line',
    details: { origin, line },
  });
}
