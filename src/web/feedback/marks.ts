/**
 * Star and hide on the web for signed-in readers (docs/decisions/0040). Pages that list papers leave a slot
 * `<!--marks:ID-->` by each paper; for a reader the accounts' middleware fills it with two small forms (with the CSRF
 * token), for anyone else with nothing, so pages stay cached for everyone. A mark is the reader's own (`/starred`,
 * exported as BibTeX and RIS) and feeds the ranking of every subscription of theirs (`subscriptionsOfReader`), with
 * `store.setFeedback` as `xivdigest feedback` does.
 */
import type { Context, Hono } from 'hono';
import { parseArxivId } from '../../core/arxiv-id.js';
import { escapeHtml } from '../../render/html/escape.js';
import { marksStoreOf } from '../../store/index.js';
import type { MarkKind, MarksStore } from '../../store/marks-store.js';
import type { Reader } from '../../store/reader-store.js';
import type { AccountForms, PageFiller } from '../accounts/routes.js';
import { readerOf } from '../accounts/routes.js';
import type { WebDeps } from '../deps.js';
import { chooseUi, type UiLang } from '../i18n.js';
import { FEEDBACK_TEXT } from './text.js';
import { pathOf, type WebEnv } from '../routes/context.js';
import { urls } from '../urls.js';
import { page } from '../views/layout.js';
import { toBibtex, toRis } from './export.js';
import { MARKS_SLOT } from './slot.js';

type C = Context<WebEnv>;
const h = escapeHtml;
const SLOT = MARKS_SLOT;

function buttons(paperId: string, kind: MarkKind | undefined, csrf: string, back: string, ui: UiLang): string {
  const t = FEEDBACK_TEXT[ui];
  const hidden = `<input type="hidden" name="_csrf" value="${h(csrf)}"><input type="hidden" name="paper" value="${h(paperId)}"><input type="hidden" name="back" value="${h(back)}">`;
  const star =
    kind === 'star'
      ? `<button type="submit" name="kind" value="clear" aria-pressed="true" title="${h(t.unstar)}">${h(t.starredButton)}</button>`
      : `<button type="submit" name="kind" value="star" aria-pressed="false" title="${h(t.moreLikeThis)}">${h(t.star)}</button>`;
  const hide =
    kind === 'hide'
      ? `<button type="submit" name="kind" value="clear" aria-pressed="true" title="${h(t.showAgain)}">${h(t.hiddenButton)}</button>`
      : `<button type="submit" name="kind" value="hide" aria-pressed="false" title="${h(t.lessLikeThis)}">${h(t.hide)}</button>`;
  return `<form method="post" action="/marks" class="marks" data-paper="${h(paperId)}">${hidden}${star} ${hide}</form>`;
}

/** Fills the slots of a page for a reader (or empties them), and tags the reader's marks for the ETag. */
export function marksFiller(marksOf: () => MarksStore): PageFiller {
  return {
    async tag(reader) {
      const marks = await marksOf().getMarks(reader.id);
      return `${marks.length}:${marks[0]?.at ?? ''}`;
    },
    async fill(html, reader, csrf, path, ui) {
      const ids = [...new Set([...html.matchAll(SLOT)].map((match) => match[1]!))];
      if (ids.length === 0) return html;
      if (!reader) return html.replace(SLOT, '');
      const kinds = new Map((await marksOf().getMarks(reader.id, { paperIds: ids })).map((mark) => [mark.paperId, mark.kind]));
      const token = csrf();
      return html.replace(SLOT, (_, id: string) => buttons(id, kinds.get(id), token, path, ui));
    },
  };
}

export function mountMarks(app: Hono<WebEnv>, deps: WebDeps, forms: AccountForms): void {
  const marks = () => marksStoreOf(deps.store);
  const frame = (c: C) => ({ ui: c.get('ui') ?? chooseUi({ fallback: deps.lang }), path: pathOf(c) });
  const signedIn = (c: C): Reader | undefined => readerOf(c);
  const subscriptionsOf = deps.subscriptionsOfReader ?? (async () => []);

  app.post('/marks', async (c) => {
    const reader = signedIn(c);
    if (!reader) return c.redirect('/signin', 303);
    const form = await forms.checkedForm(c);
    if (!form) return forms.refused(c);
    const parsed = parseArxivId(form.paper ?? '');
    const kind = form.kind;
    if (!parsed || (kind !== 'star' && kind !== 'hide' && kind !== 'clear')) {
      c.header('Cache-Control', 'no-store');
      return c.html(
        page({
          ...frame(c),
          title: FEEDBACK_TEXT[frame(c).ui].notMarkedTitle,
          body: `<h1>${h(FEEDBACK_TEXT[frame(c).ui].notMarkedTitle)}</h1><p>${h(FEEDBACK_TEXT[frame(c).ui].notMarked(form.paper ?? '', kind ?? ''))}</p>`,
        }),
        400,
      );
    }
    const at = new Date();
    await marks().setMark(reader.id, parsed.id, kind, at);
    // The reader's subscriptions learn from it, as from `xivdigest feedback`.
    for (const subscription of await subscriptionsOf(reader)) {
      await deps.store.setFeedback({ subscription, paperId: parsed.id, kind, at: at.toISOString() });
    }
    // A path on this site only: browsers read `/\host` as `//host`, another site.
    const local = (path: string) => path.startsWith('/') && !path.startsWith('//') && !path.includes('\\');
    const back = form.back && local(form.back) ? form.back : (c.req.header('referer') ?? '');
    const target = local(back) ? back : urls.paper(parsed.id);
    return c.redirect(`${target.replace(/#.*$/, '')}#paper-${parsed.id.replace(/[^A-Za-z0-9._-]/g, '-')}`, 303);
  });

  const starredPapers = async (reader: Reader) => {
    const starred = await marks().getMarks(reader.id, { kind: 'star' });
    const papers = new Map((await deps.store.getPapers({ ids: starred.map((mark) => mark.paperId) })).map((paper) => [paper.id, paper]));
    return starred.map((mark) => ({ mark, paper: papers.get(mark.paperId) }));
  };

  app.get('/starred', async (c) => {
    const reader = signedIn(c);
    if (!reader) return c.redirect('/signin', 303);
    const items = await starredPapers(reader);
    const csrf = forms.csrfFor(c);
    const { ui } = frame(c);
    const t = FEEDBACK_TEXT[ui];
    const list = items
      .map(
        ({ mark, paper }) =>
          `<li id="paper-${h(mark.paperId.replace(/[^A-Za-z0-9._-]/g, '-'))}"><a href="${h(urls.paper(mark.paperId))}">${h(paper ? paper.title : mark.paperId)}</a> ` +
          `<span class="meta">${h(mark.paperId)} · ${h(mark.at.slice(0, 10))}</span> ${buttons(mark.paperId, 'star', csrf, '/starred', ui)}</li>`,
      )
      .join('\n');
    const body =
      `<h1>${h(t.myStarred)}</h1>\n` +
      `<p>${h(t.exportLine)} <a href="/starred.bib" download>BibTeX</a> · <a href="/starred.ris" download>RIS</a> ${h(t.bothImport)}</p>\n` +
      (items.length === 0 ? `<p>${h(t.noStarred)}</p>` : `<ol class="starred">\n${list}\n</ol>`);
    c.header('Cache-Control', 'no-store');
    return c.html(page({ ...frame(c), title: t.myStarred, body }));
  });

  const exportAs = (format: 'bib' | 'ris') => async (c: C) => {
    const reader = signedIn(c);
    if (!reader) return c.redirect('/signin', 303);
    const papers = (await starredPapers(reader)).flatMap(({ paper }) => (paper ? [paper] : []));
    c.header('Cache-Control', 'no-store');
    c.header('Content-Disposition', `attachment; filename="xivdigest-starred.${format}"`);
    c.header('Content-Type', format === 'bib' ? 'application/x-bibtex; charset=utf-8' : 'application/x-research-info-systems; charset=utf-8');
    return c.body(format === 'bib' ? toBibtex(papers) : toRis(papers));
  };
  app.get('/starred.bib', exportAs('bib'));
  app.get('/starred.ris', exportAs('ris'));
}
