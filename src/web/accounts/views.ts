/** The accounts' pages (docs/decisions/0038): plain forms, each with its CSRF token, in the site's frame and language. */
import { escapeHtml } from '../../render/html/escape.js';
import type { Invitation, Reader } from '../../store/reader-store.js';
import type { UiLang } from '../i18n.js';
import { attr, page } from '../views/layout.js';
import { ACCOUNT_TEXT } from './text.js';

const h = escapeHtml;
const csrfField = (csrf: string): string => `<input type="hidden" name="_csrf" value="${attr(csrf)}">`;

export interface FrameOptions {
  ui: UiLang;
  path: string;
}

/** A page of a heading, paragraphs (escaped) and optional markup after them. */
export function messagePage(frame: FrameOptions, title: string, paragraphs: string[], extra = ''): string {
  return page({ ...frame, title, body: `<h1>${h(title)}</h1>\n${paragraphs.map((text) => `<p>${h(text)}</p>`).join('\n')}\n${extra}` });
}

export function signInPage(frame: FrameOptions, csrf: string, options: { email?: string; note?: string } = {}): string {
  const t = ACCOUNT_TEXT[frame.ui];
  const body =
    `<h1>${h(t.signIn)}</h1>\n` +
    (options.note ? `<p class="note">${h(options.note)}</p>\n` : '') +
    `<p>${h(t.signInIntro)}</p>\n` +
    `<form method="post" action="/signin" class="account-form">${csrfField(csrf)}` +
    `<label for="signin-email">${h(t.email)}</label> ` +
    `<input id="signin-email" type="email" name="email" required autocomplete="email" value="${attr(options.email ?? '')}"> ` +
    `<button type="submit">${h(t.emailMeALink)}</button></form>`;
  return page({ ...frame, title: t.signIn, body });
}

export function linkSentPage(frame: FrameOptions, email: string): string {
  const t = ACCOUNT_TEXT[frame.ui];
  return messagePage(frame, t.checkEmail, [t.linkOnItsWay(email), t.openWithin]);
}

/** A link opened in another browser than the one that asked for it: ask for a new one here instead. */
export function otherBrowserPage(frame: FrameOptions, csrf: string, email: string): string {
  const t = ACCOUNT_TEXT[frame.ui];
  return messagePage(
    frame,
    t.otherBrowserTitle,
    [t.otherBrowser],
    `<form method="post" action="/signin" class="account-form">${csrfField(csrf)}<input type="hidden" name="email" value="${attr(email)}"><button type="submit">${h(t.linkForThisBrowser)}</button></form>`,
  );
}

/** An invitation's link (bound to no browser): one more click, so that a mail scanner opening links signs nobody in. */
export function confirmPage(frame: FrameOptions, csrf: string, token: string, email: string): string {
  const t = ACCOUNT_TEXT[frame.ui];
  return messagePage(
    frame,
    t.confirmTitle,
    [t.signInAs(email)],
    `<form method="post" action="/signin/verify" class="account-form">${csrfField(csrf)}<input type="hidden" name="token" value="${attr(token)}"><button type="submit">${h(t.signIn)}</button></form>`,
  );
}

const when = (iso: string | undefined): string => (iso ? iso.replace('T', ' ').slice(0, 16) + ' UTC' : '—');

export function accountPage(frame: FrameOptions, csrf: string, reader: Reader): string {
  const t = ACCOUNT_TEXT[frame.ui];
  const body =
    `<h1>${h(t.yourAccount)}</h1>\n<dl class="account">` +
    `<dt>${h(t.email)}</dt><dd>${h(reader.email)}</dd>` +
    `<dt>${h(t.role)}</dt><dd>${h(reader.role === 'admin' ? t.admin : t.reader)}</dd>` +
    `<dt>${h(t.since)}</dt><dd>${h(when(reader.createdAt))}</dd>` +
    `<dt>${h(t.lastSignIn)}</dt><dd>${h(when(reader.lastSignInAt))}</dd></dl>\n` +
    (reader.role === 'admin' ? `<p><a href="/admin/readers">${h(t.readersAdmin)}</a></p>\n` : '') +
    `<h2>${h(t.yourData)}</h2>\n<p><a href="/account/export.json" download>${h(t.download)}</a></p>\n` +
    `<form method="post" action="/signout" class="account-form">${csrfField(csrf)}<button type="submit">${h(t.signOut)}</button></form>\n` +
    `<h2>${h(t.deleteTitle)}</h2>\n<p>${h(t.deleteWarning)}</p>\n` +
    `<form method="post" action="/account/delete" class="account-form">${csrfField(csrf)}` +
    `<label><input type="checkbox" name="confirm" value="yes" required> ${h(t.deleteConfirm)}</label> ` +
    `<button type="submit">${h(t.deleteButton)}</button></form>`;
  return page({ ...frame, title: t.yourAccount, body });
}

export function adminReadersPage(frame: FrameOptions, csrf: string, readers: Reader[], invitations: Invitation[], note?: string): string {
  const t = ACCOUNT_TEXT[frame.ui];
  const readerEmails = new Set(readers.map((reader) => reader.email));
  const removeForm = (email: string, label: string) =>
    `<form method="post" action="/admin/readers/remove">${csrfField(csrf)}<input type="hidden" name="email" value="${attr(email)}"><button type="submit">${h(label)}</button></form>`;
  const rows = readers
    .map(
      (reader) =>
        `<tr><td>${h(reader.email)}</td><td>${h(reader.role === 'admin' ? t.admin : t.reader)}</td><td>${h(when(reader.createdAt))}</td><td>${h(when(reader.lastSignInAt))}</td>` +
        `<td>${h(reader.invitedBy ?? '—')}</td><td>${removeForm(reader.email, t.remove)}</td></tr>`,
    )
    .join('\n');
  const pending = invitations
    .filter((invitation) => !readerEmails.has(invitation.email))
    .map(
      (invitation) =>
        `<tr><td>${h(invitation.email)}</td><td>${h(invitation.invitedBy)}</td><td>${h(when(invitation.createdAt))}</td><td>${removeForm(invitation.email, t.withdraw)}</td></tr>`,
    )
    .join('\n');
  const body =
    `<h1>${h(t.readers)}</h1>\n` +
    (note ? `<p class="note" role="status">${h(note)}</p>\n` : '') +
    `<form method="post" action="/admin/readers/invite" class="account-form">${csrfField(csrf)}` +
    `<label for="invite-email">${h(t.inviteByEmail)}</label> <input id="invite-email" type="email" name="email" required> <button type="submit">${h(t.invite)}</button></form>\n` +
    `<table><thead><tr><th>${h(t.email)}</th><th>${h(t.role)}</th><th>${h(t.since)}</th><th>${h(t.lastSignIn)}</th><th>${h(t.invitedBy)}</th><th></th></tr></thead><tbody>\n${rows}\n</tbody></table>\n` +
    `<h2>${h(t.pending)}</h2>\n` +
    (pending
      ? `<table><thead><tr><th>${h(t.email)}</th><th>${h(t.invitedBy)}</th><th>${h(t.when)}</th><th></th></tr></thead><tbody>\n${pending}\n</tbody></table>`
      : `<p>${h(t.none)}</p>`);
  return page({ ...frame, title: t.readers, body });
}

/** What the header shows: the signed-in reader (and the admin page), or the sign-in link. */
export function accountNav(reader: Reader | undefined, ui: UiLang = 'en'): string {
  const t = ACCOUNT_TEXT[ui];
  if (!reader) return `<li><a href="/signin">${h(t.signIn)}</a></li>`;
  return (
    (reader.role === 'admin' ? `<li><a href="/admin/readers">${h(t.readersAdmin)}</a></li>` : '') +
    `<li><a href="/starred">${h(t.starred)}</a></li>` +
    `<li><a href="/account" class="reader">${h(reader.email)}</a></li>`
  );
}
