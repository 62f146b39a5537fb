/** What every channel's config schema shares: secrets, URLs, the common settings (zod only: loading the config loads no SMTP or HTTP code). */
import { z } from 'zod';
import { hasUserinfo } from '../core/redact.js';

/** A secret: the value itself, or `{ env: 'NAME' }` to read it from the environment when the channel is created. */
export const secretSchema = z
  .union([z.string().min(1), z.object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name') }).strict()])
  .describe('A secret value, or { "env": "VARIABLE" } to read it from the environment (keeps it out of the file).');

export type Secret = z.infer<typeof secretSchema>;

const userinfoMessage =
  'a URL with user:password@ in the config file is refused: put the whole URL in the environment and write { "env": "VARIABLE" } here (decision 0025)';
/** A URL secret: written in the file, it must not carry `user:password@` (such a secret belongs in the environment). */
export const urlSecretSchema = secretSchema.refine((value) => typeof value !== 'string' || !hasUserinfo(value), { message: userinfoMessage });

/** Settings every channel type accepts. */
export const channelCommon = {
  name: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash or underscore')
    .optional()
    .describe('Names the channel in its id, `<type>:<name>`, and in run records (default `default`).'),
  allowPrivateNetwork: z.boolean().optional().describe('Allow URLs that point to private, loopback or link-local addresses (refused by default).'),
  timeoutMs: z.number().int().positive().optional().describe('Per-request timeout in milliseconds (default 30 000).'),
  maxAttempts: z.number().int().min(1).max(10).optional().describe('Tries per message, the first included (default 4; e-mail 3).'),
  retryBaseMs: z.number().int().min(0).optional().describe('First retry delay; it doubles each time, with jitter (default 1000; e-mail 5000).'),
  maxRetryDelayMs: z.number().int().min(0).optional().describe('Longest wait between tries; a longer Retry-After fails instead (default 60 000).'),
};

export const httpUrl = z
  .string()
  .url()
  .refine((value) => !hasUserinfo(value), { message: userinfoMessage });
export const addresses = z.union([z.string().min(3), z.array(z.string().min(3)).min(1)]);
