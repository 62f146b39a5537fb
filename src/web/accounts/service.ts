/**
 * Accounts as the web routes and the `readers` command use them (docs/decisions/0038): who may join, inviting, and
 * sending sign-in links. The link's token leaves only in the email; the database keeps its hash.
 */
import { XivdigestError } from '../../core/errors.js';
import type { Invitation, ReaderRole, ReaderStore } from '../../store/reader-store.js';
import type { UiLang } from '../i18n.js';
import { hashToken, randomToken } from './crypto.js';
import { MAIL_TEXT } from './text.js';

/** Who may join: `invite` (default), `open`, or the listed email domains. */
export type SignupMode = 'invite' | 'open' | { domains: string[] };

/** One email as the mailer sends it. */
export interface SignInMail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Sends sign-in emails (through the email channel's SMTP path; see setup.ts). */
export interface SignInMailer {
  send(mail: SignInMail): Promise<void>;
}

export interface AccountSettings {
  readers: ReaderStore;
  mailer: SignInMailer;
  /** Signs CSRF tokens (32+ characters). */
  secret: string;
  signup: SignupMode;
  /** Admin emails from the config. */
  admins: readonly string[];
  /** Believe X-Forwarded-Proto and X-Forwarded-For. */
  trustProxy: boolean;
  /** How long a link asked for in a browser works (default 15 minutes). */
  linkTtlMs?: number;
  /** How long an invitation's link works (default 48 hours); it is not bound to a browser, so it asks to confirm. */
  inviteTtlMs?: number;
  /** How long a session lasts (default 30 days). */
  sessionTtlMs?: number;
  /** Sign-in requests allowed per address and per IP in `rateWindowMs` (default 5 and 20 in 15 minutes). */
  perAddress?: number;
  perIp?: number;
  rateWindowMs?: number;
  /** The clock (tests move it). */
  now?: () => Date;
}

export const LINK_TTL_MS = 15 * 60_000;
export const INVITE_TTL_MS = 48 * 3600_000;

/** A plausible email address: one @, something on both sides, a dot in the domain, no spaces or angle brackets. */
export function isEmail(text: string): boolean {
  return text.length <= 254 && /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/.test(text);
}

export interface AccountService {
  settings: AccountSettings;
  now(): Date;
  roleOf(email: string): ReaderRole;
  /** Whether the address may sign in: a reader, invited, an admin, or allowed by the signup mode. */
  mayJoin(email: string): Promise<boolean>;
  /**
   * Creates a link for `email` (bound to `browserHash` when given) and emails it, in `ui` (the language of the page
   * that asked; default English); resolves when the email is sent.
   */
  sendLink(email: string, options: { browserHash?: string; invitedBy?: string; ui?: UiLang }): Promise<void>;
  /** Invites the address (idempotent) and emails it a sign-in link, in `ui` (default English). */
  invite(email: string, invitedBy: string, ui?: UiLang): Promise<Invitation>;
}

export function createAccountService(settings: AccountSettings, baseUrl: string): AccountService {
  const now = settings.now ?? (() => new Date());
  const { readers } = settings;
  const admins = new Set(settings.admins.map((email) => readers.normalizeEmail(email)));
  const service: AccountService = {
    settings,
    now,
    roleOf: (email) => (admins.has(readers.normalizeEmail(email)) ? 'admin' : 'reader'),
    async mayJoin(email) {
      const address = readers.normalizeEmail(email);
      if (admins.has(address)) return true;
      const { signup } = settings;
      if (signup === 'open') return true;
      if (typeof signup === 'object') {
        const domain = address.slice(address.lastIndexOf('@') + 1);
        if (signup.domains.some((allowed) => allowed.trim().toLowerCase().replace(/^@/, '') === domain)) return true;
      }
      if (await readers.getReader({ email: address })) return true;
      return (await readers.getInvitation(address)) !== undefined;
    },
    async sendLink(email, options) {
      const address = readers.normalizeEmail(email);
      const token = randomToken();
      const at = now();
      const ttl = options.browserHash ? (settings.linkTtlMs ?? LINK_TTL_MS) : (settings.inviteTtlMs ?? INVITE_TTL_MS);
      await readers.addSignInToken({
        tokenHash: hashToken(token),
        email: address,
        ...(options.browserHash ? { browserHash: options.browserHash } : {}),
        createdAt: at.toISOString(),
        expiresAt: new Date(at.getTime() + ttl).toISOString(),
      });
      const link = `${baseUrl.replace(/\/+$/, '')}/signin/verify?token=${encodeURIComponent(token)}`;
      const t = MAIL_TEXT[options.ui ?? 'en'];
      const lasts = t.lasts(Math.round(ttl / 60_000));
      const why = options.invitedBy ? t.invitedYou(options.invitedBy === 'cli' ? undefined : options.invitedBy, baseUrl) : t.askedToSignIn(baseUrl);
      const where = options.browserHash ? t.worksOnceHere(lasts) : t.worksOnce(lasts);
      const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
      await settings.mailer.send({
        to: address,
        subject: options.invitedBy ? t.inviteSubject : t.signInSubject,
        text: `${why}\n\n${t.signIn}: ${link}\n\n${where}\n${t.ignore}\n`,
        html: `<p>${escape(why)}</p><p><a href="${escape(link)}">${escape(t.signInButton)}</a></p><p>${escape(where)} ${escape(t.ignore)}</p>`,
      });
    },
    async invite(email, invitedBy, ui) {
      if (!isEmail(email.trim())) {
        throw new XivdigestError({ code: 'USAGE', message: `"${email}" is not an email address`, hint: 'Give the address to invite, e.g. ada@example.org' });
      }
      const invitation = await readers.invite(email, invitedBy, now());
      await service.sendLink(invitation.email, { invitedBy, ...(ui ? { ui } : {}) });
      return invitation;
    },
  };
  return service;
}
