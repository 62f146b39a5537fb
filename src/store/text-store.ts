/** The texts aggregate: titles, summaries and abstracts generated for papers, per language, model and prompt. */
import type { StoredTexts } from '../core/texts.js';

/** Generated texts. */
export interface TextStore {
  /** Saves generated texts; the same key (paper, version, abstract hash, provider/model, prompt, lang) is replaced. */
  saveTexts(texts: StoredTexts[]): Promise<{ inserted: number; replaced: number }>;
  /** Texts of the given papers, all languages and versions, newest first. */
  getTexts(paperIds: string[]): Promise<StoredTexts[]>;
}
