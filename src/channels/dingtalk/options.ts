/** The `dingtalk` channel's entry in `outputs.channels` (zod only, so that loading the config loads no delivery code). */
import { z } from 'zod';
import { channelCommon, secretSchema, urlSecretSchema } from '../spec.js';

export const dingTalkChannelSchema = z
  .object({
    type: z.literal('dingtalk'),
    ...channelCommon,
    webhookUrl: urlSecretSchema.describe('Robot webhook URL with access_token.'),
    secret: secretSchema.optional().describe('Signing secret (SEC…), when the robot uses 加签.'),
  })
  .strict();

export type DingTalkChannelSpec = z.infer<typeof dingTalkChannelSchema>;
