/** The `wecom` channel's entry in `outputs.channels` (zod only, so that loading the config loads no delivery code). */
import { z } from 'zod';
import { channelCommon, urlSecretSchema } from '../spec.js';

export const weComChannelSchema = z
  .object({ type: z.literal('wecom'), ...channelCommon, webhookUrl: urlSecretSchema.describe('Group robot webhook URL with key.') })
  .strict();

export type WeComChannelSpec = z.infer<typeof weComChannelSchema>;
