/**
 * Readers and sign-in on the web site (docs/decisions/0038): `/signin` (an emailed link, single use, short-lived,
 * bound to the browser that asked), `/signout`, `/account` (export, delete) and `/admin/readers`. Every POST carries
 * a CSRF token (an HMAC of the session, or before sign-in of the browser cookie, under the site's secret) and must
 * come from this origin. Sign-in requests are rate limited per address and per IP, and answer the same whether or not
 * the address may join.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { redact } from '../../core/redact.js';
import type { Reader } from '../../store/reader-store.js';
import type { WebDeps } from '../deps.js';
import { chooseUi, type UiLang } from '../i18n.js';
import { pathOf, type WebEnv } from '../routes/context.js';
import { urls } from '../urls.js';
import { removeReaderKeepingDigestsPrivate } from '../private-digests.js';
import { marksStoreOf } from '../../store/index.js';
import { escapeHtml } from '../../render/html/escape.js';
import { ACCOUNT_TEXT } from './text.js';
import { hashToken, keyedTag, randomToken, sameText } from './crypto.js';
import { createAccountService, isEmail, type AccountService, type AccountSettings } from './service.js';
import { accountNav, accountPage, adminReadersPage, confirmPage, linkSentPage, messagePage, otherBrowserPage, signInPage } from './views.js';

export const SESSION_COOKIE = 'xd_session';
export const BROWSER_COOKIE = 'xd_browser';
/** Where the page frame (views/layout.ts) leaves room for the reader's links in the header. */
export const ACCOUNT_SLOT = '<!--account-->';

const SESSION_TTL_MS = 30 * 24 * 3600_000;
const BROWSER_TTL_S = 30 * 24 * 3600;

/** Who a request is from; kept per request object (the site's WebEnv is not ours to widen). */
interface Visitor {
  reader?: Reader;
  sessionToken?: string;
}
const visitors = new WeakMap<Request, Visitor>();

type C = Context<WebEnv>;

/** The signed-in reader of a request that went through the accounts' middleware, if any. */
export function readerOf(c: Context): Reader | undefined {
  return visitors.get(c.req.raw)?.reader;
}

/**
 * What other per-reader parts of cached pages add (the star and hide buttons, docs/decisions/0040): a tag that changes
 * when their content does (it joins the reader's ETag suffix), and the filling of their slots in the HTML.
 */
export interface PageFiller {
  tag(reader: Reader): Promise<string>;
  fill(html: string, reader: Reader | undefined, csrf: () => string, path: string, ui: UiLang): Promise<string>;
}

/** The forms' helpers, for routes mounted beside the accounts' (decision 0040). */
export interface AccountForms {
  csrfFor(c: Context<WebEnv>): string;
  /** The form's fields when its CSRF token and origin are right, else undefined. */
  checkedForm(c: Context<WebEnv>): Promise<Record<string, string> | undefined>;
  /** The 403 page of a form without a valid token. */
  refused(c: Context<WebEnv>): Response;
}

/** Mounts the accounts on the site: the middleware that knows the reader (and shows them in the header), then the routes. */
export function mountAccounts(app: Hono<WebEnv>, deps: WebDeps, settings: AccountSettings, filler?: PageFiller): AccountService & AccountForms {
  const service = createAccountService(settings, deps.baseUrl);
  const { readers, secret, trustProxy } = settings;
  const limits = { perAddress: settings.perAddress ?? 5, perIp: settings.perIp ?? 20, windowMs: settings.rateWindowMs ?? 15 * 60_000 };

  const isHttps = (c: C): boolean =>
    new URL(c.req.url).protocol === 'https:' || (trustProxy && (c.req.header('x-forwarded-proto') ?? '').split(',')[0]?.trim() === 'https');
  const cookieOptions = (c: C, maxAge: number) => ({ path: '/', httpOnly: true, sameSite: 'Lax' as const, secure: isHttps(c), maxAge });
  const frame = (c: C) => ({ ui: c.get('ui') ?? chooseUi({ fallback: deps.lang }), path: pathOf(c) });
  const text = (c: C) => ACCOUNT_TEXT[frame(c).ui];
  const clientIp = (c: C): string => {
    if (trustProxy) {
      const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
      if (forwarded) return forwarded;
    }
    const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
    return incoming?.socket?.remoteAddress ?? 'unknown';
  };

  /** The browser's id (a random cookie), set when missing: what links and pre-sign-in CSRF tokens are bound to. */
  const browserOf = (c: C): string => {
    const current = getCookie(c, BROWSER_COOKIE);
    if (current && /^[A-Za-z0-9_-]{43}$/.test(current)) return current;
    const fresh = randomToken();
    setCookie(c, BROWSER_COOKIE, fresh, cookieOptions(c, BROWSER_TTL_S));
    return fresh;
  };
  const csrfFor = (c: C): string => {
    const visitor = visitors.get(c.req.raw);
    return keyedTag(secret, 'csrf', visitor?.sessionToken ? `session:${visitor.sessionToken}` : `browser:${browserOf(c)}`);
  };
  const sameOrigin = (c: C): boolean => {
    // Browsers say where a request comes from in Sec-Fetch-Site; under the site's Referrer-Policy: no-referrer they
    // send `Origin: null` on form posts, so Origin is checked only when it names one.
    const site = c.req.header('sec-fetch-site');
    if (site) return site === 'same-origin' || site === 'none';
    const origin = c.req.header('origin');
    if (!origin || origin === 'null') return true;
    const allowed = new Set([new URL(c.req.url).origin, new URL(deps.baseUrl).origin]);
    const forwardedHost = c.req.header('x-forwarded-host') ?? c.req.header('host');
    if (trustProxy && forwardedHost) allowed.add(`${isHttps(c) ? 'https' : 'http'}://${forwardedHost}`);
    return allowed.has(origin);
  };
  /** The form's fields when its CSRF token and origin are right, else undefined. */
  const checkedForm = async (c: C): Promise<Record<string, string> | undefined> => {
    const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const fields = Object.fromEntries(Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
    const visitor = visitors.get(c.req.raw);
    const subject = visitor?.sessionToken
      ? `session:${visitor.sessionToken}`
      : (() => {
          const browser = getCookie(c, BROWSER_COOKIE);
          return browser ? `browser:${browser}` : undefined;
        })();
    if (!subject || !sameOrigin(c) || typeof fields._csrf !== 'string') return undefined;
    return sameText(fields._csrf, keyedTag(secret, 'csrf', subject)) ? fields : undefined;
  };
  const refused = (c: C) => {
    c.header('Cache-Control', 'no-store');
    const t = text(c);
    return c.html(messagePage(frame(c), t.formExpiredTitle, [t.formExpired]), 403);
  };
  const privatePage = (c: C, html: string, status: 200 | 400 | 403 | 429 = 200) => {
    c.header('Cache-Control', 'no-store');
    return c.html(html, status);
  };

  // Who is asking, the reader's links in the header, and ETags that differ per reader (pages are cached for all).
  app.use('*', async (c, next) => {
    // Stylesheets and fonts are the same for everyone: no session lookup for them.
    if (new URL(c.req.url).pathname.startsWith(urls.asset(''))) return next();
    const visitor: Visitor = {};
    const token = getCookie(c, SESSION_COOKIE);
    if (token) {
      const found = await readers.getSession(hashToken(token), service.now());
      if (found) {
        visitor.sessionToken = token;
        // The config names the admins: a change there applies at the next request, not the next sign-in.
        visitor.reader = { ...found.reader, role: service.roleOf(found.reader.email) };
      }
    }
    visitors.set(c.req.raw, visitor);
    const extra = visitor.reader && filler ? await filler.tag(visitor.reader) : '';
    const tag = visitor.reader ? hashToken(`${visitor.reader.id}:${visitor.reader.role}:${extra}`).slice(0, 12) : 'anon';
    const match = c.req.header('if-none-match');
    if (match) {
      const mine = match
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part.endsWith(`~${tag}"`))
        .map((part) => part.replace(`~${tag}"`, '"'));
      try {
        if (mine.length > 0) c.req.raw.headers.set('if-none-match', mine.join(', '));
        else c.req.raw.headers.delete('if-none-match');
      } catch {
        // Immutable headers: the page is sent in full instead of a 304, never another reader's.
      }
    }
    await next();
    const etag = c.res.headers.get('etag');
    if (etag) c.res.headers.set('ETag', etag.replace(/"$/, `~${tag}"`));
    if (visitor.reader) c.res.headers.set('Cache-Control', (c.res.headers.get('cache-control') ?? 'no-cache').replace(/^(?!private)/, 'private, '));
    if ((c.res.headers.get('content-type') ?? '').startsWith('text/html') && c.res.status !== 304 && c.res.body) {
      // Cached pages may come gzipped (sendPage): the slot is filled in the HTML and the page gzipped again.
      const gzipped = /\bgzip\b/.test(c.res.headers.get('content-encoding') ?? '');
      const bytes = Buffer.from(await c.res.arrayBuffer());
      let html = (gzipped ? gunzipSync(bytes) : bytes).toString('utf8').replace(ACCOUNT_SLOT, accountNav(visitor.reader, c.get('ui')));
      if (filler) html = await filler.fill(html, visitor.reader, () => csrfFor(c), pathOf(c), c.get('ui') ?? chooseUi({ fallback: deps.lang }));
      const headers = new Headers(c.res.headers);
      headers.delete('content-length');
      c.res = new Response(gzipped ? gzipSync(html) : html, { status: c.res.status, headers });
    }
  });

  app.get('/signin', (c) => {
    if (readerOf(c)) return c.redirect('/account', 303);
    return privatePage(c, signInPage(frame(c), csrfFor(c)));
  });

  app.post('/signin', async (c) => {
    const form = await checkedForm(c);
    if (!form) return refused(c);
    const email = (form.email ?? '').trim();
    if (!isEmail(email)) return privatePage(c, signInPage(frame(c), csrfFor(c), { email, note: text(c).notAnEmail(email) }), 400);
    const now = service.now();
    const address = readers.normalizeEmail(email);
    const byIp = await readers.hit(`signin:ip:${clientIp(c)}`, limits.windowMs, now);
    const byAddress = await readers.hit(`signin:email:${hashToken(address)}`, limits.windowMs, now);
    if (byIp > limits.perIp || byAddress > limits.perAddress) {
      c.header('Retry-After', String(Math.ceil(limits.windowMs / 1000)));
      return privatePage(c, messagePage(frame(c), text(c).tooManyTitle, [text(c).tooMany(Math.round(limits.windowMs / 60_000))]), 429);
    }
    const browserHash = hashToken(browserOf(c));
    // Expired links and sessions, and counters a day old, are forgotten as new links are asked for.
    await readers.prune(new Date(now.getTime() - 24 * 3600_000));
    // The answer is the same whether or not the address may join; the email goes out after it.
    const { ui } = frame(c);
    void (async () => {
      if (await service.mayJoin(address)) await service.sendLink(address, { browserHash, ui });
    })().catch((error: unknown) =>
      console.error(`xivdigest web: the sign-in email could not be sent: ${redact(error instanceof Error ? error.message : String(error))}`),
    );
    return privatePage(c, linkSentPage(frame(c), address));
  });

  const linkRefused = (c: C, reason: 'unknown' | 'used' | 'expired' | 'missing') => {
    const t = text(c);
    return privatePage(c, messagePage(frame(c), t.linkRefusedTitle, [t.linkRefused[reason]], `<p><a href="/signin">${escapeHtml(t.askNewLink)}</a></p>`), 400);
  };

  /** Uses the link (once) and starts a session for its reader. */
  const signIn = async (c: C, tokenHash: string) => {
    const now = service.now();
    const use = await readers.useSignInToken(tokenHash, now);
    if (!use.ok) return linkRefused(c, use.reason);
    const email = use.token.email;
    if (!(await service.mayJoin(email))) {
      return privatePage(c, messagePage(frame(c), text(c).mayNotTitle, [text(c).mayNot(email)]), 403);
    }
    const invitation = await readers.getInvitation(email);
    const reader = await readers.ensureReader(email, { role: service.roleOf(email), ...(invitation ? { invitedBy: invitation.invitedBy } : {}), now });
    // A new session on every sign-in; the one this browser had (another reader's, perhaps) ends.
    const previous = visitors.get(c.req.raw)?.sessionToken;
    if (previous) await readers.removeSession(hashToken(previous));
    const session = randomToken();
    await readers.addSession({
      sessionHash: hashToken(session),
      readerId: reader.id,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + (settings.sessionTtlMs ?? SESSION_TTL_MS)).toISOString(),
      ...(c.req.header('user-agent') ? { userAgent: c.req.header('user-agent')!.slice(0, 300) } : {}),
    });
    setCookie(c, SESSION_COOKIE, session, cookieOptions(c, Math.floor((settings.sessionTtlMs ?? SESSION_TTL_MS) / 1000)));
    return c.redirect('/account', 303);
  };

  app.get('/signin/verify', async (c) => {
    const token = c.req.query('token');
    if (!token) return linkRefused(c, 'missing');
    const tokenHash = hashToken(token);
    const stored = await readers.getSignInToken(tokenHash);
    if (!stored) return linkRefused(c, 'unknown');
    if (stored.usedAt) return linkRefused(c, 'used');
    if (stored.expiresAt <= service.now().toISOString()) return linkRefused(c, 'expired');
    if (!stored.browserHash) return privatePage(c, confirmPage(frame(c), csrfFor(c), token, stored.email));
    const browser = getCookie(c, BROWSER_COOKIE);
    if (!browser || !sameText(hashToken(browser), stored.browserHash)) {
      return privatePage(c, otherBrowserPage(frame(c), csrfFor(c), stored.email), 403);
    }
    return signIn(c, tokenHash);
  });

  app.post('/signin/verify', async (c) => {
    const form = await checkedForm(c);
    if (!form) return refused(c);
    const token = form.token ?? '';
    if (!token) return linkRefused(c, 'missing');
    const tokenHash = hashToken(token);
    const stored = await readers.getSignInToken(tokenHash);
    if (!stored) return linkRefused(c, 'unknown');
    // A link bound to a browser signs in only there, by GET; the confirm form is for invitations.
    if (stored.browserHash) {
      const browser = getCookie(c, BROWSER_COOKIE);
      if (!browser || !sameText(hashToken(browser), stored.browserHash)) return privatePage(c, otherBrowserPage(frame(c), csrfFor(c), stored.email), 403);
    }
    return signIn(c, tokenHash);
  });

  app.post('/signout', async (c) => {
    const form = await checkedForm(c);
    if (!form) return refused(c);
    const token = visitors.get(c.req.raw)?.sessionToken;
    if (token) await readers.removeSession(hashToken(token));
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: isHttps(c) });
    return c.redirect('/', 303);
  });

  const signedIn = (c: C): Reader | undefined => readerOf(c);
  /** Removes the reader with everything about them; their digests stay theirs, never public (docs/decisions/0045). */
  const forgetReader = (email: string): Promise<boolean> => removeReaderKeepingDigestsPrivate(deps.store, readers, email);
  const toSignIn = (c: C) => c.redirect('/signin', 303);

  app.get('/account', (c) => {
    const reader = signedIn(c);
    if (!reader) return toSignIn(c);
    return privatePage(c, accountPage(frame(c), csrfFor(c), reader));
  });

  app.get('/account/export.json', async (c) => {
    const reader = signedIn(c);
    if (!reader) return toSignIn(c);
    const exported = await readers.exportReader(reader.id);
    // Their subscriptions made on the web (docs/decisions/0039), secrets left out (they stay encrypted, never shown).
    const own = deps.readerSubscriptions ? await deps.readerSubscriptions.subscriptions.list({ readerId: reader.id }) : [];
    const subscriptions = own.map(({ secrets, readerId: _owner, ...rest }) => ({ ...rest, hasSecrets: secrets !== undefined }));
    // Their stars and hides (docs/decisions/0040), theirs alone.
    const marks = await marksStoreOf(deps.store).getMarks(reader.id);
    c.header('Cache-Control', 'no-store');
    c.header('Content-Disposition', 'attachment; filename="xivdigest-account.json"');
    return c.json({ exportedAt: service.now().toISOString(), ...exported, subscriptions, marks });
  });

  app.post('/account/delete', async (c) => {
    const reader = signedIn(c);
    if (!reader) return toSignIn(c);
    const form = await checkedForm(c);
    if (!form) return refused(c);
    if (form.confirm !== 'yes') {
      const t = text(c);
      return privatePage(
        c,
        messagePage(frame(c), t.nothingDeletedTitle, [t.nothingDeleted], `<p><a href="/account">${escapeHtml(t.backToAccount)}</a></p>`),
        400,
      );
    }
    await forgetReader(reader.email);
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: isHttps(c) });
    return privatePage(c, messagePage(frame(c), text(c).deletedTitle, [text(c).deleted(reader.email)]));
  });

  const adminOnly = (c: C): Reader | Response => {
    const reader = signedIn(c);
    if (!reader) return toSignIn(c);
    if (reader.role !== 'admin') return privatePage(c, messagePage(frame(c), text(c).adminsOnlyTitle, [text(c).adminsOnly]), 403);
    return reader;
  };
  const adminPage = async (c: C, note?: string, status: 200 | 400 = 200) =>
    privatePage(c, adminReadersPage(frame(c), csrfFor(c), await readers.listReaders(), await readers.listInvitations(), note), status);

  app.get('/admin/readers', async (c) => {
    const admin = adminOnly(c);
    if (admin instanceof Response) return admin;
    return adminPage(c);
  });

  app.post('/admin/readers/invite', async (c) => {
    const admin = adminOnly(c);
    if (admin instanceof Response) return admin;
    const form = await checkedForm(c);
    if (!form) return refused(c);
    const email = (form.email ?? '').trim();
    if (!isEmail(email)) return adminPage(c, text(c).notAnEmail(email), 400);
    await service.invite(email, admin.email, frame(c).ui);
    return adminPage(c, text(c).invited(readers.normalizeEmail(email)));
  });

  app.post('/admin/readers/remove', async (c) => {
    const admin = adminOnly(c);
    if (admin instanceof Response) return admin;
    const form = await checkedForm(c);
    if (!form) return refused(c);
    const email = readers.normalizeEmail(form.email ?? '');
    const removed = await forgetReader(email);
    return adminPage(c, removed ? text(c).removed(email) : text(c).withdrew(email));
  });

  return { ...service, csrfFor, checkedForm, refused };
}
