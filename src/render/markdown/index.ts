/** The Markdown renderer: cn-chat-arxiv's digest format, byte for byte for `legacy` digests, escaped for `native`. */
import type { Digest } from '../../core/digest.js';
import { renderLegacyMarkdown } from '../../core/legacy-format/markdown.js';
import { renderNativeMarkdown, type NativeLabels } from './native.js';

export { escapeMarkdownInline, safeMarkdownLink } from './escape.js';
export { renderLegacyMarkdown, DIGEST_HEAD, DIGEST_MIDDLE, DIGEST_TAIL } from '../../core/legacy-format/markdown.js';
export { renderNativeMarkdown, type NativeLabels } from './native.js';

export interface MarkdownRendererOptions {
  /** Labels of native digests (untranslated entries, updated versions). */
  labels?: NativeLabels;
}

/** The renderer seam (see HOUSE-STYLE): pure, Digest → string. */
export interface MarkdownRenderer {
  format: 'md';
  mediaType: 'text/markdown; charset=utf-8';
  /** `legacy`: exactly what cn-chat-arxiv wrote. `native`: the same layout, every text escaped. */
  render(digest: Digest): string;
}

export function createMarkdownRenderer(options: MarkdownRendererOptions = {}): MarkdownRenderer {
  const labels = options.labels ?? {};
  return {
    format: 'md',
    mediaType: 'text/markdown; charset=utf-8',
    render(digest) {
      return digest.style === 'legacy' ? renderLegacyMarkdown(digest) : renderNativeMarkdown(digest, labels);
    },
  };
}
