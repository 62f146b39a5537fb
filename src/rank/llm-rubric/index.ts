/** LLM rubric ranker: an LLM rates each paper 0–10 against the reader's stated interests, several papers per call, after a cheap pre-filter. */
import { XivdigestError } from '../../core/errors.js';
import type { LibraryItem } from '../../core/library.js';
import type { JsonSchema, LlmProvider } from '../../core/llm.js';
import type { Paper } from '../../core/paper.js';
import type { RankedPaper, Ranker } from '../../core/rank.js';

export interface LlmRubricRankerOptions {
  provider: LlmProvider;
  /** The reader's interests in their own words, e.g. "retrieval-augmented generation; evaluation of LLMs; not vision". */
  interests: string;
  /** A few library titles shown to the model as examples of what the reader keeps (default: none; at most 20 are used). */
  library?: LibraryItem[];
  /** A cheap ranker (the lexical one) that picks which papers the LLM sees; without it every paper is sent. */
  prefilter?: Ranker;
  /** How many of the pre-filter's best papers are rated (default 40). */
  prefilterTopK?: number;
  /** Papers per call (default 8). */
  batchSize?: number;
  /** Calls at once (default 2). */
  concurrency?: number;
  /** Spending caps for one `rank()`: calls and total tokens. Papers left when a cap is reached stay unrated. */
  budget?: { maxCalls?: number; maxTokens?: number };
  /** Abstract characters per paper in the prompt (default 700). */
  abstractChars?: number;
  signal?: AbortSignal;
}

/** What the last `rank()` spent and which papers could not be rated (they are ranked after the rated ones, score 0). */
export interface LlmRubricReport {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  rated: number;
  failed: Array<{ paperId: string; reason: string }>;
  /** Papers not sent: below the pre-filter cut or past the budget. */
  skipped: number;
}

export const ratingSchema: JsonSchema = {
  type: 'object',
  properties: {
    ratings: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string', description: 'The paper id exactly as given' },
          score: { type: 'integer', description: '0 (irrelevant to the reader) to 10 (must read)' },
          reason: { type: 'string', description: 'One short sentence: why this score, for this reader' },
        },
        required: ['id', 'score', 'reason'],
        additionalProperties: false,
      },
    },
  },
  required: ['ratings'],
  additionalProperties: false,
};

const SYSTEM = [
  'You rate new arXiv papers for one reader.',
  'Score each paper from 0 to 10 by how much this reader would want to read it: 10 = squarely in their interests, 5 = related, 0 = unrelated.',
  'Judge only by the reader profile below; novelty and quality count only among papers on their topics.',
  'Answer with JSON only: {"ratings": [{"id": "<paper id>", "score": <0-10>, "reason": "<one short sentence>"}]}, one rating per paper, ids exactly as given.',
].join('\n');

/**
 * Creates the rubric ranker. Per `rank()`: the pre-filter (if any) orders the papers and the top `prefilterTopK` are
 * sent, `batchSize` per call, until the budget runs out. Score = rating / 10. A call whose answer is not valid, or
 * misses a paper, marks those papers failed (reported in `lastReport`, ranked after the rated ones); LLM_AUTH,
 * LLM_UNAVAILABLE and other provider errors end the ranking, since every other call would fail the same way.
 */
export function createLlmRubricRanker(options: LlmRubricRankerOptions): Ranker & { readonly lastReport: LlmRubricReport | undefined } {
  if (!options.interests.trim() && !(options.library?.length ?? 0)) {
    throw new XivdigestError({
      code: 'CONFIG_INVALID',
      message: "The LLM rubric ranker needs the reader's interests or a library",
      hint: 'Set rank.llm.interests to a few lines about what you read',
    });
  }
  const batchSize = Math.max(1, options.batchSize ?? 8);
  const topK = options.prefilterTopK ?? 40;
  const concurrency = Math.max(1, options.concurrency ?? 2);
  const abstractChars = options.abstractChars ?? 700;
  const examples = (options.library ?? [])
    .filter((item) => item.title.trim())
    .slice(-20)
    .map((item) => `- ${item.title}`);
  const profile = [
    `Reader's interests: ${options.interests.trim() || '(not stated)'}`,
    ...(examples.length ? ['Papers the reader saved:', ...examples] : []),
  ].join('\n');
  let lastReport: LlmRubricReport | undefined;

  return {
    method: `llm-rubric:${options.provider.modelId}`,
    get lastReport() {
      return lastReport;
    },
    async rank(papers: Paper[]): Promise<RankedPaper[]> {
      const report: LlmRubricReport = { calls: 0, inputTokens: 0, outputTokens: 0, rated: 0, failed: [], skipped: 0 };
      lastReport = report;
      const byId = new Map(papers.map((paper) => [paper.id, paper]));
      let order = papers.map((paper) => paper.id);
      const prefilterReason = new Map<string, string>();
      if (options.prefilter) {
        const pre = await options.prefilter.rank(papers);
        order = pre.map((entry) => entry.paperId);
        for (const entry of pre) prefilterReason.set(entry.paperId, entry.reason.text);
      }
      const sent = options.prefilter ? order.slice(0, topK) : order;
      const batches: string[][] = [];
      for (let start = 0; start < sent.length; start += batchSize) batches.push(sent.slice(start, start + batchSize));

      const ratings = new Map<string, { score: number; reason: string }>();
      const unsent = new Set(order.filter((id) => !sent.includes(id)));
      let next = 0;
      const overBudget = (): boolean =>
        (options.budget?.maxCalls !== undefined && report.calls >= options.budget.maxCalls) ||
        (options.budget?.maxTokens !== undefined && report.inputTokens + report.outputTokens >= options.budget.maxTokens);

      const worker = async (): Promise<void> => {
        while (next < batches.length) {
          if (overBudget()) {
            for (const batch of batches.splice(next)) for (const id of batch) unsent.add(id);
            return;
          }
          const batch = batches[next++]!;
          report.calls += 1;
          const prompt = batch
            .map((id, index) => {
              const paper = byId.get(id)!;
              const abstract = paper.abstract.length > abstractChars ? `${paper.abstract.slice(0, abstractChars)}…` : paper.abstract;
              return `[${index + 1}] id: ${id}\nTitle: ${paper.title}\nAbstract: ${abstract}`;
            })
            .join('\n\n');
          let object: unknown;
          try {
            const result = await options.provider.generate({
              system: `${SYSTEM}\n\n${profile}`,
              prompt,
              schema: ratingSchema,
              schemaName: 'paper_ratings',
              maxOutputTokens: 60 + 60 * batch.length,
              temperature: 0,
              ...(options.signal ? { signal: options.signal } : {}),
            });
            report.inputTokens += result.usage.inputTokens;
            report.outputTokens += result.usage.outputTokens;
            object = result.object;
          } catch (error) {
            if (XivdigestError.isInstance(error) && error.code === 'LLM_OUTPUT_INVALID') {
              for (const id of batch) report.failed.push({ paperId: id, reason: error.message });
              continue;
            }
            throw error;
          }
          const answered = readRatings(object);
          for (const id of batch) {
            const rating = answered.get(id);
            if (rating) ratings.set(id, rating);
            else
              report.failed.push({
                paperId: id,
                reason: answered.size === 0 ? 'the answer holds no valid ratings' : 'the answer has no rating for this paper',
              });
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
      report.rated = ratings.size;
      report.skipped = unsent.size;

      const failed = new Map(report.failed.map((entry) => [entry.paperId, entry.reason]));
      const rated: RankedPaper[] = [];
      const rest: RankedPaper[] = [];
      for (const id of order) {
        const rating = ratings.get(id);
        if (rating) {
          rated.push({ paperId: id, score: rating.score / 10, reason: { terms: [], text: `${rating.score}/10: ${rating.reason}` } });
        } else {
          const why = failed.has(id)
            ? `not rated: ${failed.get(id)}`
            : `not rated (${options.prefilter && !sent.includes(id) ? 'below the pre-filter cut' : 'budget spent'})`;
          const pre = prefilterReason.get(id);
          rest.push({ paperId: id, score: 0, reason: { terms: [], text: pre ? `${why}; ${pre}` : why } });
        }
      }
      // Rated papers by score (ties in pre-filter order), then the rest in pre-filter order.
      rated.sort((a, b) => b.score - a.score);
      return [...rated, ...rest];
    },
  };
}

/** The ratings of an answer, by id; entries that are not well-formed are dropped. */
function readRatings(object: unknown): Map<string, { score: number; reason: string }> {
  const ratings = new Map<string, { score: number; reason: string }>();
  const list = (object as { ratings?: unknown } | undefined)?.ratings;
  if (!Array.isArray(list)) return ratings;
  for (const entry of list as Array<Record<string, unknown>>) {
    if (typeof entry?.id !== 'string' || typeof entry.score !== 'number' || !Number.isFinite(entry.score)) continue;
    const score = Math.min(10, Math.max(0, Math.round(entry.score)));
    ratings.set(entry.id.trim(), { score, reason: typeof entry.reason === 'string' ? entry.reason.replace(/\s+/g, ' ').trim() : '' });
  }
  return ratings;
}
