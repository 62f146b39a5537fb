/** The renderer seam: a pure function from a digest to text in one format. */
import type { Digest } from './digest.js';

export interface Renderer {
  /** `md`, `html`, `rss`, … */
  format: string;
  mediaType: string;
  /** The published file's extension when it is not the format (`xml` for RSS, the original system's `<category>.xml`). */
  extension?: string;
  render(digest: Digest): string;
}
