/** The run report: what one run did with every paper, every channel, and why; stored and printed. */

/** Why a run has no papers, in words a reader acts on. */
export interface NothingReason {
  kind: 'weekend' | 'holiday' | 'not-yet' | 'all-seen' | 'all-filtered' | 'no-papers';
  message: string;
  /** True when a day that should be out is not (a late feed): run again later. */
  retry?: boolean;
}

export interface SkippedPaper {
  id: string;
  version: number | null;
  title: string;
  reason: string;
}

export interface SelectedPaper {
  id: string;
  version: number | null;
  title: string;
  score?: number;
  reason: string;
  /** Set when this is a newer version of a paper the subscription delivered: that earlier version. */
  updatedFrom?: number;
}

/** How a run covered one announcement day, or why it did not (ADR 0024). */
export interface DayCoverage {
  day: string;
  /**
   * `feed`, `backfill`: its papers came from there; `empty`: no papers in the categories (the note says why that is
   * believed); `skipped`: beyond maxCatchUpDays, passed over unfetched; `not-yet`: not out yet, the run stopped before it
   * (retry later); `failed`: the backfill failed, the run stopped before it; `later`: after the day the run stopped at.
   */
  status: 'feed' | 'backfill' | 'empty' | 'skipped' | 'not-yet' | 'failed' | 'later';
  /** Papers the source gave for the day. */
  papers: number;
  note?: string;
}

export interface DeliveryReport {
  /** Channel id, or `files` for the folder output. */
  channel: string;
  status: 'sent' | 'partial' | 'failed' | 'skipped';
  /** Files written, or messages sent. */
  items: number;
  detail?: string;
  /**
   * The key the receiver sees on every try of this delivery (`Idempotency-Key` header, e-mail `Message-ID`): the same
   * on retries and after a crash, a new one only for a deliberate `--resend`.
   */
  deliveryKey?: string;
  /**
   * True when an earlier run stopped while sending this delivery (its intent was recorded, its outcome never was), so
   * it was sent again with the same key: the receiver may have it twice, and can tell by the key.
   */
  possiblyDuplicated?: boolean;
}

export interface RunReport {
  id: string;
  subscription: string;
  /** The clock the run used (ISO 8601): `--now` or the real time. */
  now: string;
  startedAt: string;
  finishedAt?: string;
  /** `interrupted` is never stored by the run itself: a run killed while `running` is shown (or marked) so later. */
  status: 'ok' | 'partial' | 'failed' | 'nothing' | 'dry-run' | 'interrupted';
  /** Who ran it: `host:pid:random`, the owner of the subscription's claim (absent in a dry run). */
  owner?: string;
  /** Announcement days covered, oldest first (the watermark moves to the last). */
  days: string[];
  /** Each announcement day the run looked at, and how it was covered or why not. */
  coverage?: DayCoverage[];
  /** The watermark before and after the run. */
  watermark: { before?: string; after?: string };
  fetched: { papers: number; byAnnounceType: Record<string, number>; sources: string[] };
  /** Papers decided in an earlier run and left out of this one. */
  alreadyDecided: number;
  selected: SelectedPaper[];
  skipped: SkippedPaper[];
  enrichment?: {
    provider: string;
    model: string;
    enriched: number;
    cached: number;
    failed: Array<{ id: string; reason: string }>;
    remaining: number;
    tokens: number;
    cost: number | null;
    /** Input tokens read from the provider's prompt cache (part of `tokens`). */
    cachedTokens?: number;
    /** US dollars saved against synchronous calls without a prompt cache (cached input and the batch discount). */
    saved?: number | null;
    /** The batch ids enrichment went through, when it used the batch API (half price). */
    batches?: string[];
  };
  deliveries: DeliveryReport[];
  nothing?: NothingReason;
  /** Problems a human should act on, one line each. */
  problems: string[];
  durationsMs: Record<string, number>;
}
