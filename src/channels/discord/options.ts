/** The `discord` channel's entry in `outputs.channels` (zod only, so that loading the config loads no delivery code). */
import { z } from 'zod';
import { channelCommon, urlSecretSchema } from '../spec.js';

export const discordChannelSchema = z
  .object({
    type: z.literal('discord'),
    ...channelCommon,
    webhookUrl: urlSecretSchema.describe('Webhook URL (a secret: it holds the token).'),
    username: z.string().min(1).max(80).optional(),
  })
  .strict();

export type DiscordChannelSpec = z.infer<typeof discordChannelSchema>;
