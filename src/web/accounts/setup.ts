/**
 * Accounts from the config (docs/decisions/0038), for `serve` and `xivdigest readers`: the readers in the store's
 * database, the signing secret, and sign-in emails sent by the email channel (the same SMTP settings and code path as
 * digest delivery; each email is one channel made for its one recipient).
 */
import { createChannel } from '../../app-channels.js';
import { resolveSecret } from '../../channels/index.js';
import { emailChannelSchema } from '../../channels/email/options.js';
import type { WebConfig } from '../../core/config/schema.js';
import { XivdigestError } from '../../core/errors.js';
import { readerStoreOf } from '../../store/index.js';
import type { Store } from '../../store/store.js';
import type { AccountSettings, SignInMailer } from './service.js';

type Env = Readonly<Record<string, string | undefined>>;

/** A mailer over `web.mail`: the email channel's settings without recipients. */
export function createSignInMailer(mail: Record<string, unknown>, env: Env): SignInMailer {
  const parsed = emailChannelSchema.safeParse({ type: 'email', ...mail, to: 'reader@sign-in.invalid' });
  if (!parsed.success) {
    throw new XivdigestError({
      code: 'CONFIG_INVALID',
      message: `web.mail is not an email channel's settings: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(top)'}: ${issue.message}`).join('; ')}`,
      hint: 'Give host, port, from (and user and password when the server wants a login), as for an email channel',
    });
  }
  const spec = parsed.data;
  // Made once, so that an unset password variable fails at start, not at the first sign-in.
  createChannel(spec, { env });
  return {
    async send(message) {
      const channel = createChannel({ ...spec, to: message.to }, { env });
      const result = await channel.send({
        subject: message.subject,
        text: message.text,
        html: message.html,
        digest: { name: 'sign-in', style: 'native', lang: 'en', createdAt: new Date().toISOString(), entries: [] },
      });
      if (result.status !== 'sent') {
        throw (
          result.error ??
          new XivdigestError({ code: 'DELIVERY_FAILED', message: `The sign-in email to ${message.to} was not sent: ${result.detail}`, hint: 'Check web.mail' })
        );
      }
    },
  };
}

/** The accounts' settings from `web`, or undefined when accounts are off. Throws CONFIG_INVALID for a missing secret or mail. */
export function accountSettingsFromConfig(web: WebConfig, env: Env, store: Store): AccountSettings | undefined {
  if (!web.accounts) return undefined;
  if (web.secret === undefined) {
    throw new XivdigestError({
      code: 'CONFIG_INVALID',
      message: 'web.accounts is on but web.secret is not set',
      hint: 'Set web.secret to { "env": "XIVDIGEST_WEB_SECRET" } and that variable to 32+ random characters',
    });
  }
  if (web.mail === undefined) {
    throw new XivdigestError({
      code: 'CONFIG_INVALID',
      message: 'web.accounts is on but web.mail is not set',
      hint: 'Give web.mail the SMTP settings of an email channel (host, port, from, …)',
    });
  }
  const secret = resolveSecret(web.secret, 'web.secret', env);
  if (secret.length < 32) {
    throw new XivdigestError({
      code: 'CONFIG_INVALID',
      message: 'web.secret is shorter than 32 characters',
      hint: 'Use a long random value, e.g. from openssl rand -base64 32',
    });
  }
  return {
    readers: readerStoreOf(store),
    mailer: createSignInMailer(web.mail as Record<string, unknown>, env),
    secret,
    signup: web.signup,
    admins: web.admins,
    trustProxy: web.trustProxy,
  };
}
