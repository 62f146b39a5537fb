/** The ranker seam: orders candidate papers by how close they are to the reader's library. */
import type { Paper } from './paper.js';

/** Why a paper got its score, for the digest ("close to …"). */
export interface RankReason {
  /** The library item most similar to the paper. */
  nearest?: { title: string; arxivId?: string; similarity: number; /** It is a paper the reader starred. */ starred?: true };
  /** The hidden paper that pulled the score down, and how similar it is (decision 0051). */
  hidden?: { title: string; similarity: number };
  /** Top shared terms (lexical rankers; empty for embeddings). */
  terms: string[];
  /** One readable line, e.g. `close to "Attention Is All You Need" (0.42): transformer, attention`. */
  text: string;
}

export interface RankedPaper {
  paperId: string;
  /** 0..1. Lexical and embeddings: on the library's own scale (0.5 = as close as its median paper; decision 0022); llm: the rubric / 10. */
  score: number;
  reason: RankReason;
}

export interface Ranker {
  /** `lexical-bm25`, `embedding:<model>`, `llm-rubric:<model>`, … */
  method: string;
  /** Scores every paper; the result is sorted by score, highest first (ties keep the input order). */
  rank(papers: Paper[]): Promise<RankedPaper[]>;
}
