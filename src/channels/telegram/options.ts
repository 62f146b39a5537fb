/** The `telegram` channel's entry in `outputs.channels` (zod only, so that loading the config loads no delivery code). */
import { z } from 'zod';
import { channelCommon, httpUrl, secretSchema } from '../spec.js';

export const telegramChannelSchema = z
  .object({
    type: z.literal('telegram'),
    ...channelCommon,
    botToken: secretSchema.describe('Bot token from @BotFather.'),
    chatId: z.union([z.string().min(1), z.number().int()]).describe('Chat id (e.g. -1001234567890) or @channelusername.'),
    baseUrl: httpUrl.optional().describe('Bot API root (default https://api.telegram.org).'),
    messageThreadId: z.number().int().optional(),
    disableNotification: z.boolean().optional(),
  })
  .strict();

export type TelegramChannelSpec = z.infer<typeof telegramChannelSchema>;
