/** Generated texts: what the LLM writes for one paper version in one language, with provenance and status. */

export type TextStatus = 'ok' | 'failed' | 'pending';

export interface GeneratedTexts {
  /** BCP 47-ish language code of the translated fields, e.g. `zh`, `ja`. */
  lang: string;
  /** Translated title. */
  title: string;
  /** One-sentence summary in `lang`. */
  tldr: string;
  /** The same summary in English. */
  tldrEn: string;
  /** Translated abstract. */
  abstract: string;
  /** The optional structured summary in `lang` (`llm.structuredSummary`), one sentence each. */
  summary?: StructuredSummary;
}

/** Motivation, method, result and conclusion: one sentence each, in the target language. */
export interface StructuredSummary {
  motivation: string;
  method: string;
  result: string;
  conclusion: string;
}

/** Where stored texts came from, so that outputs can disclose it and the cache can key on it. */
export interface TextProvenance {
  /** `openai-compatible`, `anthropic`, `llama-cpp`, `cn-chat-arxiv` (imported), … */
  provider: string;
  model: string;
  promptVersion: string;
  /** ISO 8601. */
  createdAt: string;
  /** Total tokens the call used, when known. */
  totalTokens?: number;
}

/** A stored record of generated texts for (paper, version, abstract hash, provider/model, prompt version, language). */
export interface StoredTexts extends GeneratedTexts, TextProvenance {
  paperId: string;
  version: number | null;
  /** Hash of the English abstract the texts were made from. */
  abstractHash: string;
  status: TextStatus;
  /** Why the texts failed or were flagged by the quality gate. */
  reason?: string;
  /** Quality-gate findings on imported texts that were kept anyway. */
  flags?: string[];
}
