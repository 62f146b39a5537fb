/** The `slack` channel's entry in `outputs.channels` (zod only, so that loading the config loads no delivery code). */
import { z } from 'zod';
import { channelCommon, urlSecretSchema } from '../spec.js';

export const slackChannelSchema = z
  .object({ type: z.literal('slack'), ...channelCommon, webhookUrl: urlSecretSchema.describe('Incoming webhook URL (a secret).') })
  .strict();

export type SlackChannelSpec = z.infer<typeof slackChannelSchema>;
