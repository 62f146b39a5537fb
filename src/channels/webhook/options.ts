/** The `webhook` channel's entry in `outputs.channels` (zod only, so that loading the config loads no delivery code). */
import { z } from 'zod';
import { channelCommon, secretSchema, urlSecretSchema } from '../spec.js';

export const webhookChannelSchema = z
  .object({
    type: z.literal('webhook'),
    ...channelCommon,
    url: urlSecretSchema.describe('Where the JSON payload is POSTed.'),
    secret: secretSchema.optional().describe('HMAC-SHA256 key for X-Xivdigest-Signature.'),
    headers: z.record(z.string(), secretSchema).optional().describe('Extra request headers, e.g. Authorization.'),
    includeRenderings: z.boolean().optional().describe('Include the HTML and Markdown renderings (default true).'),
  })
  .strict();

export type WebhookChannelSpec = z.infer<typeof webhookChannelSchema>;
