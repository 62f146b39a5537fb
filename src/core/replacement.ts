import type { Paper } from './paper.js';

/**
 * Whether a paper is announced as a new version of an earlier one: announce type `replace` or `replace-cross`, the
 * old feeds' `UPDATED` flag, or, for a catch-up from the API or OAI-PMH (which has no announce type), a version
 * after the first. The one rule for both the filter's and the subscription's `replacements` setting.
 */
export function isReplacement(paper: Paper): boolean {
  if (paper.announceType === 'replace' || paper.announceType === 'replace-cross') return true;
  if (paper.legacyFlags?.includes('UPDATED')) return true;
  return paper.announceType === undefined && (paper.version ?? 1) > 1;
}

/** How a replacement was announced, for skip reasons: `replace`, `replace-cross`, `UPDATED` or `v2` (catch-up). */
export function replacementLabel(paper: Paper): string {
  return paper.announceType ?? (paper.legacyFlags?.includes('UPDATED') ? 'UPDATED' : `v${paper.version ?? '?'}`);
}
