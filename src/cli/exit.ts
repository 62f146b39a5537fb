/** Exit codes of the xivdigest command, and the error a command throws after reporting partial failures. */
import { XivdigestError, type XivdigestErrorCode } from '../core/errors.js';

/** Exit codes, documented in the README. */
export const EXIT = {
  ok: 0,
  /** Some items failed; the rest succeeded. */
  partial: 1,
  usage: 2,
  config: 3,
  /** A local input is missing, malformed or in an unknown format. */
  input: 4,
  /** arXiv (or the network) failed or returned an error document. */
  source: 5,
  store: 6,
  llm: 7,
  /** A delivery (email, chat, webhook) failed; what could be sent was sent, and a rerun retries the rest. */
  delivery: 8,
  /** arXiv has not published the expected feed yet: retry later (EX_TEMPFAIL). */
  notYet: 75,
  internal: 70,
  /** Ctrl-C (SIGINT): 128 + 2. `serve` exits so after letting a running job finish. */
  interrupted: 130,
  /** SIGTERM (128 + 15): `serve` stopped by a service manager, after letting a running job finish. */
  terminated: 143,
} as const;

/** What each exit code means, for `--help`; keyed like EXIT so that a new code cannot go undocumented. */
export const EXIT_MEANINGS: Record<keyof typeof EXIT, string> = {
  ok: 'ok',
  partial: 'partly failed',
  usage: 'usage',
  config: 'config',
  input: 'bad input',
  source: 'arXiv/network',
  store: 'database',
  llm: 'LLM',
  delivery: 'delivery failed (a rerun retries it)',
  notYet: 'not yet: arXiv has not published, or no worker took the jobs (retry later)',
  internal: 'internal',
  interrupted: 'interrupted (SIGINT)',
  terminated: 'terminated (SIGTERM)',
};

/** `0 ok, 1 partly failed, …, 143 terminated (SIGTERM)`: every code of EXIT, in numeric order. */
export function describeExitCodes(): string {
  return (Object.keys(EXIT) as Array<keyof typeof EXIT>)
    .sort((a, b) => EXIT[a] - EXIT[b])
    .map((key) => `${EXIT[key]} ${EXIT_MEANINGS[key]}`)
    .join(', ');
}

const exitByCode: Record<XivdigestErrorCode, number> = {
  USAGE: EXIT.usage,
  CONFIG_INVALID: EXIT.config,
  QUERY_INVALID: EXIT.config,
  NOT_FOUND: EXIT.input,
  INPUT_MALFORMED: EXIT.input,
  XML_MALFORMED: EXIT.input,
  FORMAT_UNKNOWN: EXIT.input,
  DIGEST_FORMAT: EXIT.input,
  SOURCE_HTTP: EXIT.source,
  SOURCE_TIMEOUT: EXIT.source,
  SOURCE_NETWORK: EXIT.source,
  ARXIV_FEED_ERROR: EXIT.source,
  ARXIV_API_ERROR: EXIT.source,
  OAI_PMH_ERROR: EXIT.source,
  STORE_ERROR: EXIT.store,
  QUEUE_UNAVAILABLE: EXIT.store,
  // The jobs stay queued and run once a worker starts: a temporary failure, like a feed that is not out yet.
  QUEUE_NO_WORKER: EXIT.notYet,
  LLM_RATE_LIMITED: EXIT.llm,
  LLM_OUTPUT_INVALID: EXIT.llm,
  LLM_UNAVAILABLE: EXIT.llm,
  LLM_TIMEOUT: EXIT.llm,
  LLM_AUTH: EXIT.llm,
  LLM_MODEL_MISSING: EXIT.llm,
  BUDGET_EXCEEDED: EXIT.partial,
  ABORTED: EXIT.interrupted,
  DELIVERY_FAILED: EXIT.delivery,
  DELIVERY_URL_REFUSED: EXIT.config,
  // Another run of the subscription holds its claim: EX_TEMPFAIL, like a feed that is not out yet.
  RUN_BUSY: EXIT.notYet,
};

export function exitCodeFor(error: unknown): number {
  return XivdigestError.isInstance(error) ? exitByCode[error.code] : EXIT.internal;
}

/** Thrown by a command that finished but had failures it already reported; carries the exit code. */
export class CommandFailed extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}
