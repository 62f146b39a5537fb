/**
 * The signed one-click links of delivered digests (docs/decisions/0040), with no sign-in:
 * - `/feedback/link?s&p&a&r&x&t`: GET shows the paper and a button that POSTs (a tiny script, allowed by its hash,
 *   presses it, so a real click is one click; a mail scanner that only fetches changes nothing); POST records the
 *   feedback for the subscription with `store.setFeedback`, as `xivdigest feedback` does, and offers to undo it.
 * - `/unsubscribe?s&r&x&t`: GET shows a confirm button; POST (the button, or a mail provider's RFC 8058
 *   `List-Unsubscribe=One-Click`, which carries no token and no cookie) records the unsubscription.
 * Replays change nothing more (setting a verdict twice is one verdict); altered, expired and malformed links are
 * refused with a page that says why (403, 410, 400).
 */
import { createHash } from 'node:crypto';
import type { Context, Hono } from 'hono';
import type { LinkCheck, LinkClaims, LinkSigner } from '../../core/signed-links.js';
import { escapeHtml } from '../../render/html/escape.js';
import { marksStoreOf } from '../../store/index.js';
import type { WebDeps } from '../deps.js';
import { chooseUi } from '../i18n.js';
import { CONTENT_SECURITY_POLICY } from '../csp.js';
import { pathOf, type WebEnv } from '../routes/context.js';
import { urls } from '../urls.js';
import { page } from '../views/layout.js';

type C = Context<WebEnv>;
const h = escapeHtml;

/** Submits the page's one form: the only script the site serves, allowed on this page alone by its hash. */
const AUTO_SUBMIT = "document.getElementById('xd-act').submit();";
const AUTO_SUBMIT_HASH = `'sha256-${createHash('sha256').update(AUTO_SUBMIT, 'utf8').digest('base64')}'`;

const REFUSALS: Record<Exclude<LinkCheck, { ok: true }>['reason'] | 'unknown-subscription', { status: 400 | 403 | 404 | 410; title: string; text: string }> = {
  malformed: {
    status: 400,
    title: 'This link is incomplete',
    text: 'Part of the link is missing. Open it again from the email, whole (some mail programs cut long links).',
  },
  altered: {
    status: 403,
    title: 'This link is not valid',
    text: 'The link was changed after it was sent, or it was made for another subscription, reader or paper. Nothing was recorded. Use the link in your own email.',
  },
  expired: { status: 410, title: 'This link has expired', text: 'Links in digests work for a limited time. Use the links in a newer digest.' },
  'unknown-subscription': {
    status: 404,
    title: 'No such subscription',
    text: 'The subscription this link was made for no longer exists. Nothing was recorded.',
  },
};

export function mountFeedbackLinks(app: Hono<WebEnv>, deps: WebDeps, signer: LinkSigner): void {
  const frame = (c: C) => ({ ui: c.get('ui') ?? chooseUi({ fallback: deps.lang }), path: pathOf(c) });
  const send = (c: C, title: string, body: string, status: 200 | 400 | 403 | 404 | 410 = 200, script = false) => {
    c.header('Cache-Control', 'no-store');
    c.header('X-Robots-Tag', 'noindex');
    if (script) c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY.replace("script-src 'none'", `script-src ${AUTO_SUBMIT_HASH}`));
    return c.html(page({ ...frame(c), title, body: `<h1>${h(title)}</h1>\n${body}` }), status);
  };
  const refuse = (c: C, reason: keyof typeof REFUSALS) => {
    const refusal = REFUSALS[reason];
    return send(c, refusal.title, `<p>${h(refusal.text)}</p>`, refusal.status);
  };
  const query = (c: C) => Object.fromEntries(new URL(c.req.url).searchParams) as Record<string, string>;
  const selfUrl = (c: C) => {
    const url = new URL(c.req.url);
    return `${url.pathname}${url.search}`;
  };
  /** The link's claims when it verifies and names a subscription this site knows, else the refusal to send. */
  /** A config subscription, or a reader's own on the web (docs/decisions/0039): their digests carry links too. */
  const known = async (name: string): Promise<boolean> =>
    deps.subscriptions.some((subscription) => subscription.name === name) ||
    (deps.readerSubscriptions ? (await deps.readerSubscriptions.subscriptions.get({ name })) !== undefined : false);
  const check = async (c: C, action: 'feedback' | 'unsubscribe'): Promise<LinkClaims | Response> => {
    const checked = signer.verify(query(c));
    if (!checked.ok) return refuse(c, checked.reason);
    const { claims } = checked;
    if ((action === 'unsubscribe') !== (claims.action === 'unsubscribe') || (action === 'unsubscribe' && !claims.recipient.includes('@')))
      return refuse(c, 'altered');
    if (!(await known(claims.subscription))) return refuse(c, 'unknown-subscription');
    return claims;
  };
  const paperLine = async (paperId: string) => {
    const [paper] = await deps.store.getPapers({ ids: [paperId] });
    return `<p class="paper"><a href="${h(urls.paper(paperId))}">${h(paper ? paper.title.replace(/\s+/g, ' ') : paperId)}</a> <span class="meta">${h(paperId)}</span></p>`;
  };
  const verb = (kind: string) => (kind === 'star' ? 'Star this paper (more like this)' : 'Hide this paper (less like this)');

  app.get('/feedback/link', async (c) => {
    const claims = await check(c, 'feedback');
    if (claims instanceof Response) return claims;
    const body =
      `${await paperLine(claims.paperId)}\n<p>For the digest <strong>${h(claims.subscription)}</strong>.</p>\n` +
      `<form method="post" action="${h(selfUrl(c))}" id="xd-act" class="account-form"><button type="submit">${h(verb(claims.action))}</button></form>\n` +
      `<script>${AUTO_SUBMIT}</script>`;
    return send(c, claims.action === 'star' ? 'More like this' : 'Hide this paper', body, 200, true);
  });

  app.post('/feedback/link', async (c) => {
    const claims = await check(c, 'feedback');
    if (claims instanceof Response) return claims;
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const wanted = typeof form.set === 'string' && ['star', 'hide', 'clear'].includes(form.set) ? (form.set as 'star' | 'hide' | 'clear') : claims.action;
    if (wanted !== 'star' && wanted !== 'hide' && wanted !== 'clear') return refuse(c, 'malformed');
    const before = (await deps.store.getFeedback(claims.subscription)).find((item) => item.paperId === claims.paperId)?.kind ?? 'clear';
    await deps.store.setFeedback({ subscription: claims.subscription, paperId: claims.paperId, kind: wanted, at: new Date().toISOString() });
    const done =
      wanted === 'star'
        ? `Starred for ${claims.subscription}: papers like it rank higher in its next digests.`
        : wanted === 'hide'
          ? `Hidden for ${claims.subscription}: papers like it rank lower in its next digests.`
          : `Your feedback on this paper for ${claims.subscription} is undone.`;
    const undo =
      before !== wanted
        ? `<form method="post" action="${h(selfUrl(c))}" class="account-form"><input type="hidden" name="set" value="${h(before)}"><button type="submit">Undo</button></form>`
        : '';
    return send(c, wanted === 'clear' ? 'Undone' : 'Thank you', `${await paperLine(claims.paperId)}\n<p role="status">${h(done)}</p>\n${undo}`);
  });

  app.get('/unsubscribe', async (c) => {
    const claims = await check(c, 'unsubscribe');
    if (claims instanceof Response) return claims;
    const body =
      `<p>Stop sending the digest <strong>${h(claims.subscription)}</strong> to ${h(claims.recipient)}?</p>\n` +
      `<form method="post" action="${h(selfUrl(c))}" class="account-form"><button type="submit">Unsubscribe</button></form>`;
    return send(c, 'Unsubscribe', body);
  });

  app.post('/unsubscribe', async (c) => {
    const claims = await check(c, 'unsubscribe');
    if (claims instanceof Response) return claims;
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const marks = marksStoreOf(deps.store);
    if (form.undo === '1') {
      await marks.resubscribe(claims.subscription, claims.recipient);
      return send(c, 'Subscribed again', `<p role="status">${h(`${claims.recipient} gets the digest ${claims.subscription} again.`)}</p>`);
    }
    const oneClick = form['List-Unsubscribe'] === 'One-Click';
    await marks.unsubscribe(claims.subscription, claims.recipient, oneClick ? 'one-click' : 'link');
    return send(
      c,
      'Unsubscribed',
      `<p role="status">${h(`${claims.recipient} no longer gets the digest ${claims.subscription}.`)}</p>\n` +
        `<form method="post" action="${h(selfUrl(c))}" class="account-form"><input type="hidden" name="undo" value="1"><button type="submit">Subscribe again</button></form>`,
    );
  });
}
