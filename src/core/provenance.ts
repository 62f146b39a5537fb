/** Provenance of texts that the original cn-chat-arxiv made, imported from its digests and per-paper cache. */
import type { TextProvenance } from './texts.js';

/** The original system recorded neither model nor prompt version; these names say so in every output. */
export const CN_CHAT_ARXIV_PROVENANCE: Omit<TextProvenance, 'createdAt'> = {
  provider: 'cn-chat-arxiv',
  model: 'unknown',
  promptVersion: 'cn-chat-arxiv',
};
