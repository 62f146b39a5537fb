/** The runs aggregate: run reports, what each subscription decided about each paper, and readers' feedback. */

/** What a subscription decided about one paper text (a paper at one abstract): the ledger behind "never twice". */
export interface PaperDecision {
  subscription: string;
  paperId: string;
  /** Hash of the English abstract decided on (core/hash.ts abstractHash); a changed abstract is decided again. */
  abstractHash: string;
  version: number | null;
  /** The announcement day the paper was decided for (YYYY-MM-DD), when known. */
  day?: string;
  runId: string;
  decision: 'selected' | 'skipped';
  /** One line a reader understands: why it was selected or skipped. */
  reason: string;
  score?: number;
  /** Set when this is a newer version of a paper the subscription delivered before: that version. */
  updatedFrom?: number;
  /** ISO 8601. */
  decidedAt: string;
}

/** A stored run: its report, as JSON, and a few facts to list runs by. */
export interface RunRecord<Report = unknown> {
  id: string;
  subscription?: string;
  /** ISO 8601. */
  startedAt: string;
  finishedAt?: string;
  /** `running`, `ok`, `partial`, `failed`, `nothing` (no papers, with the reason in the report). */
  status: string;
  report: Report;
}

/** A reader's verdict on a paper for a subscription; a later one replaces it. */
export interface Feedback {
  subscription: string;
  paperId: string;
  kind: 'star' | 'hide';
  /** ISO 8601. */
  at: string;
}

/** Which runs to list. */
export interface RunQuery {
  subscription?: string;
  limit?: number;
}

/** Feedback to set: a verdict, or `clear` to remove the one given. */
export type FeedbackChange = Omit<Feedback, 'kind'> & { kind: Feedback['kind'] | 'clear' };

/** Runs, their decisions, and the feedback that later runs rank with. */
export interface RunStore {
  /**
   * Records decisions; one already recorded for the same (subscription, paper, abstract hash) is kept, never
   * replaced, so that a rerun cannot decide a paper twice. Returns how many were new.
   */
  recordDecisions(decisions: PaperDecision[]): Promise<{ inserted: number; existing: number }>;
  /** Every decision of a subscription on these papers (all abstracts), oldest first. */
  getDecisions(subscription: string, paperIds: string[]): Promise<PaperDecision[]>;
  /** Every decision a run made, in the order made. */
  getRunDecisions(runId: string): Promise<PaperDecision[]>;
  /** Saves a run (replacing one of the same id). */
  saveRun(run: RunRecord): Promise<void>;
  getRun(id: string): Promise<RunRecord | undefined>;
  /** Runs, newest first. */
  listRuns(query?: RunQuery): Promise<RunRecord[]>;
  /** Sets a reader's feedback on a paper; `clear` removes it. */
  setFeedback(feedback: FeedbackChange): Promise<void>;
  /** A subscription's feedback, oldest first. */
  getFeedback(subscription: string): Promise<Feedback[]>;
}
