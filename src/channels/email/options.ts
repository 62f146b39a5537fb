/** The `email` channel's entry in `outputs.channels` (zod only, so that loading the config loads no delivery code). */
import { z } from 'zod';
import { addresses, channelCommon, secretSchema } from '../spec.js';

export const emailChannelSchema = z
  .object({
    type: z.literal('email'),
    ...channelCommon,
    host: z.string().min(1).describe('SMTP server host.'),
    port: z.number().int().min(1).max(65535).optional().describe('Default 465 with secure, else 587.'),
    secure: z.boolean().optional().describe('Implicit TLS (port 465).'),
    requireTLS: z.boolean().optional().describe('Require STARTTLS (port 587).'),
    ignoreTLS: z.boolean().optional().describe('Never use STARTTLS (trusted local relay only).'),
    tls: z
      .object({ rejectUnauthorized: z.boolean().optional(), servername: z.string().optional(), ca: z.string().optional() })
      .strict()
      .optional()
      .describe('TLS settings: a private CA (PEM), the name to verify, or (tests only) no verification.'),
    user: z.string().min(1).optional().describe('SMTP AUTH user.'),
    password: secretSchema.optional().describe('SMTP AUTH password.'),
    from: z.string().min(3).describe('Sender, e.g. "xivdigest <digest@example.org>".'),
    replyTo: z.string().min(3).optional(),
    to: addresses.optional(),
    cc: addresses.optional(),
    bcc: addresses.optional(),
  })
  .strict()
  .refine((spec) => spec.to !== undefined || spec.cc !== undefined || spec.bcc !== undefined, { message: 'give at least one recipient in to, cc or bcc' })
  .refine((spec) => (spec.user === undefined) === (spec.password === undefined), { message: 'give both user and password, or neither' });

export type EmailChannelSpec = z.infer<typeof emailChannelSchema>;
