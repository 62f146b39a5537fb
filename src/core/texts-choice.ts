/** Which stored texts belong to a paper as it is now: the rule `papers --json` and digests share. */
import { abstractHash } from './hash.js';
import type { Paper } from './paper.js';
import type { StoredTexts, TextStatus } from './texts.js';

export interface TextsChoice {
  status: TextStatus;
  /** The chosen record (ok, else the newest failed one); absent when pending. */
  texts?: StoredTexts;
}

/**
 * Texts fit a paper when they were made for its current version or from its current abstract (a new version with the
 * same abstract keeps its texts; a changed abstract needs new ones). Among fitting texts in `lang`, the newest ok one
 * wins; without one, the newest failed one explains why; with neither, the paper is pending.
 */
export function chooseTexts(paper: Pick<Paper, 'id' | 'version' | 'abstract'>, texts: readonly StoredTexts[], lang: string): TextsChoice {
  const hash = abstractHash(paper.abstract);
  const fitting = texts
    .filter((record) => record.paperId === paper.id && record.lang === lang && (record.version === paper.version || record.abstractHash === hash))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const ok = fitting.find((record) => record.status === 'ok');
  if (ok) return { status: 'ok', texts: ok };
  const failed = fitting.find((record) => record.status === 'failed');
  return failed ? { status: 'failed', texts: failed } : { status: 'pending' };
}

/** Every language a paper has fitting texts in, plus `lang` (pending when it has none). */
export function textsByLanguage(paper: Pick<Paper, 'id' | 'version' | 'abstract'>, texts: readonly StoredTexts[], lang: string): Record<string, TextsChoice> {
  const languages = new Set([lang, ...texts.filter((record) => record.paperId === paper.id).map((record) => record.lang)]);
  const result: Record<string, TextsChoice> = {};
  for (const language of [...languages].sort()) {
    const choice = chooseTexts(paper, texts, language);
    if (choice.status !== 'pending' || language === lang) result[language] = choice;
  }
  return result;
}
