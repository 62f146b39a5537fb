/** The accounts' pages (docs/decisions/0038): plain forms, each with its CSRF token, in the site's frame. */
import { escapeHtml } from '../../render/html/escape.js';
import type { Invitation, Reader } from '../../store/reader-store.js';
import type { UiLang } from '../i18n.js';
import { attr, page } from '../views/layout.js';

const h = escapeHtml;
const csrfField = (csrf: string): string => `<input type="hidden" name="_csrf" value="${attr(csrf)}">`;

export interface FrameOptions {
  ui: UiLang;
  path: string;
}

export function messagePage(frame: FrameOptions, title: string, paragraphs: string[], extra = ''): string {
  return page({ ...frame, title, body: `<h1>${h(title)}</h1>\n${paragraphs.map((text) => `<p>${h(text)}</p>`).join('\n')}\n${extra}` });
}

export function signInPage(frame: FrameOptions, csrf: string, options: { email?: string; note?: string } = {}): string {
  const body =
    `<h1>Sign in</h1>\n` +
    (options.note ? `<p class="note">${h(options.note)}</p>\n` : '') +
    `<p>Give your email address; we send you a link that signs you in, in this browser, for 15 minutes.</p>\n` +
    `<form method="post" action="/signin" class="account-form">${csrfField(csrf)}` +
    `<label for="signin-email">Email</label> ` +
    `<input id="signin-email" type="email" name="email" required autocomplete="email" value="${attr(options.email ?? '')}"> ` +
    `<button type="submit">Email me a link</button></form>`;
  return page({ ...frame, title: 'Sign in', body });
}

export function linkSentPage(frame: FrameOptions, email: string): string {
  return messagePage(frame, 'Check your email', [
    `If ${email} may sign in here, a sign-in link is on its way to it.`,
    'Open it in this browser within 15 minutes. It works once.',
  ]);
}

/** A link opened in another browser than the one that asked for it: ask for a new one here instead. */
export function otherBrowserPage(frame: FrameOptions, csrf: string, email: string): string {
  return messagePage(
    frame,
    'Open the link where you asked for it',
    ['This sign-in link was asked for in another browser, so it does not sign you in here. Open it in that browser, or ask for a new link for this one.'],
    `<form method="post" action="/signin" class="account-form">${csrfField(csrf)}<input type="hidden" name="email" value="${attr(email)}"><button type="submit">Email a link for this browser</button></form>`,
  );
}

/** An invitation's link (bound to no browser): one more click, so that a mail scanner opening links signs nobody in. */
export function confirmPage(frame: FrameOptions, csrf: string, token: string, email: string): string {
  return messagePage(
    frame,
    'Sign in to xivdigest',
    [`Sign in as ${email}?`],
    `<form method="post" action="/signin/verify" class="account-form">${csrfField(csrf)}<input type="hidden" name="token" value="${attr(token)}"><button type="submit">Sign in</button></form>`,
  );
}

const when = (iso: string | undefined): string => (iso ? iso.replace('T', ' ').slice(0, 16) + ' UTC' : '—');

export function accountPage(frame: FrameOptions, csrf: string, reader: Reader): string {
  const body =
    `<h1>Your account</h1>\n<dl class="account">` +
    `<dt>Email</dt><dd>${h(reader.email)}</dd>` +
    `<dt>Role</dt><dd>${reader.role === 'admin' ? 'admin' : 'reader'}</dd>` +
    `<dt>Since</dt><dd>${h(when(reader.createdAt))}</dd>` +
    `<dt>Last sign-in</dt><dd>${h(when(reader.lastSignInAt))}</dd></dl>\n` +
    (reader.role === 'admin' ? `<p><a href="/admin/readers">Readers (admin)</a></p>\n` : '') +
    `<h2>Your data</h2>\n<p><a href="/account/export.json" download>Download everything held about you (JSON)</a></p>\n` +
    `<form method="post" action="/signout" class="account-form">${csrfField(csrf)}<button type="submit">Sign out</button></form>\n` +
    `<h2>Delete your account</h2>\n<p>This removes your account, your sessions and your sign-in links. It cannot be undone.</p>\n` +
    `<form method="post" action="/account/delete" class="account-form">${csrfField(csrf)}` +
    `<label><input type="checkbox" name="confirm" value="yes" required> I want my account deleted</label> ` +
    `<button type="submit">Delete my account</button></form>`;
  return page({ ...frame, title: 'Your account', body });
}

export function adminReadersPage(frame: FrameOptions, csrf: string, readers: Reader[], invitations: Invitation[], note?: string): string {
  const readerEmails = new Set(readers.map((reader) => reader.email));
  const rows = readers
    .map(
      (reader) =>
        `<tr><td>${h(reader.email)}</td><td>${reader.role}</td><td>${h(when(reader.createdAt))}</td><td>${h(when(reader.lastSignInAt))}</td><td>${h(reader.invitedBy ?? '—')}</td>` +
        `<td><form method="post" action="/admin/readers/remove">${csrfField(csrf)}<input type="hidden" name="email" value="${attr(reader.email)}"><button type="submit">Remove</button></form></td></tr>`,
    )
    .join('\n');
  const pending = invitations
    .filter((invitation) => !readerEmails.has(invitation.email))
    .map(
      (invitation) =>
        `<tr><td>${h(invitation.email)}</td><td>${h(invitation.invitedBy)}</td><td>${h(when(invitation.createdAt))}</td>` +
        `<td><form method="post" action="/admin/readers/remove">${csrfField(csrf)}<input type="hidden" name="email" value="${attr(invitation.email)}"><button type="submit">Withdraw</button></form></td></tr>`,
    )
    .join('\n');
  const body =
    `<h1>Readers</h1>\n` +
    (note ? `<p class="note" role="status">${h(note)}</p>\n` : '') +
    `<form method="post" action="/admin/readers/invite" class="account-form">${csrfField(csrf)}` +
    `<label for="invite-email">Invite by email</label> <input id="invite-email" type="email" name="email" required> <button type="submit">Invite</button></form>\n` +
    `<table><thead><tr><th>Email</th><th>Role</th><th>Since</th><th>Last sign-in</th><th>Invited by</th><th></th></tr></thead><tbody>\n${rows}\n</tbody></table>\n` +
    `<h2>Invited, not yet signed in</h2>\n` +
    (pending ? `<table><thead><tr><th>Email</th><th>Invited by</th><th>When</th><th></th></tr></thead><tbody>\n${pending}\n</tbody></table>` : '<p>None.</p>');
  return page({ ...frame, title: 'Readers', body });
}

/** What the header shows: the signed-in reader (and the admin page), or the sign-in link. */
export function accountNav(reader: Reader | undefined, ui: UiLang = 'en'): string {
  if (!reader) return `<li><a href="/signin">${ui === 'zh' ? '登录' : 'Sign in'}</a></li>`;
  return (reader.role === 'admin' ? `<li><a href="/admin/readers">${ui === 'zh' ? '读者管理' : 'Readers'}</a></li>` : '') + `<li><a href="/account" class="reader">${h(reader.email)}</a></li>`;
}
