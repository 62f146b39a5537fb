/** The `feishu` channel's entry in `outputs.channels` (zod only, so that loading the config loads no delivery code). */
import { z } from 'zod';
import { channelCommon, secretSchema, urlSecretSchema } from '../spec.js';

export const feishuChannelSchema = z
  .object({
    type: z.literal('feishu'),
    ...channelCommon,
    webhookUrl: urlSecretSchema.describe('Custom bot webhook URL (open.feishu.cn or open.larksuite.com).'),
    secret: secretSchema.optional().describe('Signing secret, when the bot has signature verification on.'),
    template: z.string().min(1).optional().describe('Card header colour (default blue).'),
  })
  .strict();

export type FeishuChannelSpec = z.infer<typeof feishuChannelSchema>;
