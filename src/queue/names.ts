/** Queue names: one queue per LLM provider account, named by provider, endpoint and a hash of the key, never the key. */
import { createHash } from 'node:crypto';

/**
 * The enrichment queue of one provider account, e.g. `enrich-openai-compatible-api.openai.com-3f2a9c1b0d`: every worker
 * and enqueuer configured with the same provider, base URL and key meets on it, and shares its rate limit.
 */
export function providerQueueName(account: { provider: string; endpoint: string; key?: string | undefined }): string {
  let host = account.endpoint;
  try {
    const url = new URL(account.endpoint);
    host = `${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    // not a URL (a local model file): the text itself, cleaned below
  }
  const slug =
    host
      .replace(/[^A-Za-z0-9.-]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 60) || 'local';
  const key = createHash('sha256')
    .update(account.key ?? '')
    .digest('hex')
    .slice(0, 10);
  return `enrich-${account.provider}-${slug}-${key}`;
}
