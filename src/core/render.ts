/** The renderer seam: a pure function from a digest to text in one format. */
import type { Digest } from './digest.js';

export interface Renderer {
  /** `md`, `html`, `rss`, … */
  format: string;
  mediaType: string;
  render(digest: Digest): string;
}
