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
  interrupted: 130,
} as const;

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
  constructor(readonly exitCode: number, message: string) {
    super(message);
  }
}

