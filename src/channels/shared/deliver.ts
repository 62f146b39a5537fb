/** Sends the parts of one delivery in order and turns the outcome into a DeliveryResult: sent, partial or failed, never thrown. */
import type { DeliveryResult } from '../../core/channel.js';
import { XivdigestError } from '../../core/errors.js';
import type { AttemptCounter, RetryOptions } from './http.js';

/** Settings every webhook and bot channel takes. */
export interface CommonChannelOptions {
  /** The part of the channel id after the kind: `slack:<name>` (default `default`). */
  name?: string;
  /** Allow URLs on private, loopback and link-local networks (default false: refused, see url-guard.ts). */
  allowPrivateNetwork?: boolean;
  /** Per-request timeout (default 30 000 ms). */
  timeoutMs?: number;
  retry?: RetryOptions;
}

/**
 * Sends `parts` one after the other with `sendPart`. A failing part stops the delivery: the parts before it stay sent
 * (no part is sent twice) and the result is `partial`; when the first part fails it is `failed`.
 */
export async function deliverParts<T>(
  parts: readonly T[],
  sendPart: (part: T, counter: AttemptCounter) => Promise<void>,
  unit = 'message',
): Promise<DeliveryResult> {
  const counter: AttemptCounter = { attempts: 0 };
  let sent = 0;
  for (const part of parts) {
    try {
      await sendPart(part, counter);
      sent += 1;
    } catch (error) {
      const failure = XivdigestError.isInstance(error)
        ? error
        : new XivdigestError({
            code: 'DELIVERY_FAILED',
            message: `Delivery failed: ${error instanceof Error ? error.message : String(error)}`,
            cause: error,
          });
      return {
        status: sent > 0 ? 'partial' : 'failed',
        messages: sent,
        attempts: counter.attempts,
        detail: `${sent} of ${plural(parts.length, unit)} sent; part ${sent + 1} failed: ${failure.message}`,
        error: failure,
      };
    }
  }
  return { status: 'sent', messages: sent, attempts: counter.attempts, detail: `${plural(sent, unit)} sent` };
}

export function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/** A channel id: `<kind>:<name>`. */
export function channelId(kind: string, name: string | undefined): string {
  return `${kind}:${name ?? 'default'}`;
}

/** Throws CONFIG_INVALID when a required setting is empty. */
export function requireSetting(value: string | undefined, kind: string, setting: string, hint: string): string {
  if (value === undefined || value.trim() === '') {
    throw new XivdigestError({ code: 'CONFIG_INVALID', message: `The ${kind} channel needs ${setting}`, hint });
  }
  return value.trim();
}
