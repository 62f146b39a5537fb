/** Content hashes used as cache keys: the abstract a text was generated from. */
import { createHash } from 'node:crypto';

/** SHA-256 (hex, first 16 characters) of the abstract with whitespace collapsed, so re-wrapping never changes it. */
export function abstractHash(abstract: string): string {
  return createHash('sha256').update(abstract.replace(/\s+/g, ' ').trim()).digest('hex').slice(0, 16);
}
