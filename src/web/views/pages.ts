/** The pages as pure functions of data: home, digest, archive (categories, calendar, day), paper, search, error. */
import type { Digest } from '../../core/digest.js';
import type { StoredPaper } from '../../core/paper.js';
import type { ArchiveCategory, ArchiveDay, SearchResponse } from '../../core/search.js';
import type { StoredTexts } from '../../core/texts.js';
import { marksSlot } from '../feedback/slot.js';
import { cleanLine, escapeHtml, readableEntry, safeHttpUrl } from '../../render/html/escape.js';
import { digestTitle, renderEntryHtml } from '../../render/html/index.js';
import { resolveLabels } from '../../render/html/labels.js';
import { textWithMath } from '../../render/html/math.js';
import type { StoredVersion } from '../../store/store.js';
import { UI_TEXT, type UiLang } from '../i18n.js';
import { urls, type SearchParams } from '../urls.js';
import { attr, page, type PageFeeds } from './layout.js';
import { hitHtml, pagerHtml, wordDiffHtml } from './parts.js';

export interface Rendered {
  title: string;
  html: string;
}

const hasMath = (html: string): boolean => html.includes('class="katex');

/** The anchor of a paper's entry on a digest page (the same one the HTML renderer gives its `<li>`). */
export const entryAnchor = (paperId: string): string => `paper-${cleanLine(paperId).replace(/[^A-Za-z0-9._-]/g, '-')}`;

/** A stored digest as the home page lists it. */
export interface DigestSummary {
  name: string;
  entries: number;
  createdAt: string;
}

export interface HomeData {
  /** Per subscription (or, for digests no subscription claims, per name prefix): its latest digest. */
  latest: Array<{ subject: string; digest?: DigestSummary; older: number }>;
  categories: ArchiveCategory[];
}

export function homePage(data: HomeData, ui: UiLang, path: string): string {
  const t = UI_TEXT[ui];
  const digests =
    data.latest.length === 0
      ? `<p>${escapeHtml(t.noDigests)}</p>`
      : `<ul class="plain">${data.latest
          .map(({ subject, digest, older }) =>
            digest
              ? `<li><a href="${attr(urls.digest(digest.name))}">${escapeHtml(cleanLine(subject))} · ${escapeHtml(cleanLine(digest.name))}</a> <span class="meta">${escapeHtml(t.papers(digest.entries))} · <time datetime="${attr(digest.createdAt)}">${escapeHtml(digest.createdAt.slice(0, 10))}</time>${older > 0 ? ` · ${escapeHtml(t.earlierCount(older))}` : ''}</span></li>`
              : `<li>${escapeHtml(cleanLine(subject))} <span class="meta">${escapeHtml(t.noDigestYet)}</span></li>`,
          )
          .join('')}</ul>`;
  const withDays = data.categories.filter((category) => category.latestDay !== undefined);
  const categories =
    withDays.length === 0
      ? `<p>${escapeHtml(t.noPapers)}</p>`
      : `<ul class="plain">${withDays
          .map(
            (category) =>
              `<li><a href="${attr(urls.archiveDay(category.category, category.latestDay!))}">${escapeHtml(cleanLine(category.category))} · ${escapeHtml(category.latestDay!)}</a> <span class="meta">${escapeHtml(t.papers(category.papers))} · <a href="${attr(urls.archiveCalendar(category.category))}">${escapeHtml(t.archive)}</a></span></li>`,
          )
          .join('')}</ul>`;
  const body =
    `<h1>xivdigest</h1>\n<section aria-labelledby="latest-digests"><h2 id="latest-digests">${escapeHtml(t.latestDigests)}</h2>${digests}</section>\n` +
    `<section aria-labelledby="latest-days"><h2 id="latest-days">${escapeHtml(t.latestAnnouncements)}</h2>${categories}</section>`;
  const feeds: PageFeeds = { title: 'xivdigest', atom: urls.searchFeed({}, 'atom'), json: urls.searchFeed({}, 'json') };
  return page({ ui, title: t.home, body, feeds, path });
}

/** The digests before and after this one in its series (by creation time). */
export interface DigestNeighbours {
  earlier?: string;
  later?: string;
}

export function digestPage(digest: Digest, ui: UiLang, path: string, neighbours: DigestNeighbours = {}): string {
  const t = UI_TEXT[ui];
  const title = digestTitle(digest);
  const labels = resolveLabels(digest.lang);
  const lang = cleanLine(digest.lang).replace(/[^A-Za-z0-9-]/g, '') || 'und';
  const readable = digest.entries.map((entry) => readableEntry(entry, digest.style));
  const overview = readable
    .map((entry) => {
      const ok = (entry.textStatus ?? 'ok') === 'ok';
      const heading = ok && entry.texts.title.trim() !== '' ? entry.texts.title : entry.title;
      const tldr = ok && entry.texts.tldr.trim() !== '' ? `<span class="tl">${textWithMath(entry.texts.tldr)}</span>` : '';
      return `<li><a href="#${attr(entryAnchor(entry.paperId))}">${textWithMath(heading)}</a>${tldr}</li>`;
    })
    .join('\n');
  const entries = readable
    .map((entry, index) =>
      renderEntryHtml(entry, index + 1, labels)
        .replace('<h2>', '<h3>')
        .replace('</h2>', '</h3>')
        .replace(
          '<p class="links">',
          `${marksSlot(cleanLine(entry.paperId))}<p class="links"><a href="${attr(urls.paper(cleanLine(entry.paperId)))}">${escapeHtml(t.paperPage)}</a> `,
        ),
    )
    .join('\n');
  const meta = [t.papers(digest.entries.length), digest.day ?? '', digest.createdAt.slice(0, 10)].filter((part) => part !== '');
  const series =
    neighbours.earlier || neighbours.later
      ? `<nav class="pager" aria-label="${attr(t.latestDigests)}">${neighbours.earlier ? `<a href="${attr(urls.digest(neighbours.earlier))}" rel="prev">${escapeHtml(t.earlierDigest)}</a>` : '<span></span>'}${
          neighbours.later ? `<a href="${attr(urls.digest(neighbours.later))}" rel="next">${escapeHtml(t.laterDigest)}</a>` : '<span></span>'
        }</nav>\n`
      : '';
  const body =
    `<h1>${escapeHtml(title)}</h1>\n<p class="meta">${escapeHtml(meta.join(' · '))}</p>\n${series}` +
    (digest.entries.length === 0
      ? `<p>${escapeHtml(labels.empty)}</p>`
      : `<section aria-labelledby="overview"><h2 id="overview">${escapeHtml(t.overview)}</h2>\n<ol class="overview" lang="${lang}">\n${overview}\n</ol></section>\n` +
        `<section aria-labelledby="entries"><h2 id="entries">${escapeHtml(t.entries)}</h2>\n<ol class="entries" lang="${lang}">\n${entries}\n</ol></section>`);
  const feeds: PageFeeds = { title, atom: urls.digestFeed(digest.name, 'atom'), json: urls.digestFeed(digest.name, 'json') };
  return page({ ui, title, body, feeds, path, math: hasMath(body) });
}

export function archiveIndexPage(categories: ArchiveCategory[], ui: UiLang, path: string): string {
  const t = UI_TEXT[ui];
  const rows = categories
    .map(
      (category) =>
        `<tr><th scope="row"><a href="${attr(urls.archiveCalendar(category.category))}">${escapeHtml(cleanLine(category.category))}</a></th><td>${escapeHtml(t.papers(category.papers))}</td><td>${
          category.latestDay ? `<a href="${attr(urls.archiveDay(category.category, category.latestDay))}">${escapeHtml(category.latestDay)}</a>` : ''
        }</td></tr>`,
    )
    .join('');
  const body =
    `<h1>${escapeHtml(t.archive)}</h1>\n<p>${escapeHtml(t.categoryHelp)}</p>\n` +
    (categories.length === 0
      ? `<p>${escapeHtml(t.noPapers)}</p>`
      : `<table><caption class="visually-hidden">${escapeHtml(t.categories)}</caption><thead><tr><th scope="col">${escapeHtml(t.categories)}</th><th scope="col">#</th><th scope="col">${escapeHtml(t.announced)}</th></tr></thead><tbody>${rows}</tbody></table>`);
  return page({ ui, title: t.archive, body, feeds: { title: 'xivdigest', atom: urls.searchFeed({}, 'atom'), json: urls.searchFeed({}, 'json') }, path });
}

const WEEKDAYS: Record<UiLang, string[]> = { zh: ['一', '二', '三', '四', '五', '六', '日'], en: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] };

export function calendarPage(expression: string, days: ArchiveDay[], ui: UiLang, path: string): string {
  const t = UI_TEXT[ui];
  const byMonth = new Map<string, Map<string, number>>();
  for (const day of days) {
    const month = day.day.slice(0, 7);
    if (!byMonth.has(month)) byMonth.set(month, new Map());
    byMonth.get(month)!.set(day.day, day.papers);
  }
  const months = [...byMonth]
    .map(([month, counts]) => {
      const [year, monthNumber] = month.split('-').map(Number) as [number, number];
      const first = new Date(Date.UTC(year, monthNumber - 1, 1));
      const length = new Date(Date.UTC(year, monthNumber, 0)).getUTCDate();
      const pad = (first.getUTCDay() + 6) % 7;
      const cells = [
        ...WEEKDAYS[ui].map((name) => `<li class="pad" aria-hidden="true">${name}</li>`),
        ...Array.from({ length: pad }, () => '<li class="pad"></li>'),
      ];
      for (let date = 1; date <= length; date++) {
        const day = `${month}-${String(date).padStart(2, '0')}`;
        const count = counts.get(day);
        cells.push(
          count === undefined
            ? `<li><span aria-hidden="true">${date}</span></li>`
            : `<li><a href="${attr(urls.archiveDay(expression, day))}" aria-label="${attr(`${day}: ${t.papers(count)}`)}">${date}<span class="count">${count}</span></a></li>`,
        );
      }
      return `<section class="month" aria-labelledby="m-${month}"><h3 id="m-${month}">${month}</h3><ul class="days">${cells.join('')}</ul></section>`;
    })
    .join('\n');
  const title = t.calendarOf(expression);
  const body = `<h1>${escapeHtml(title)}</h1>\n<p class="meta">${escapeHtml(t.papers(days.reduce((sum, day) => sum + day.papers, 0)))}</p>\n<h2 class="visually-hidden">${escapeHtml(t.archive)}</h2>\n${days.length === 0 ? `<p>${escapeHtml(t.noPapers)}</p>` : months}`;
  return page({ ui, title, body, feeds: { title, atom: urls.archiveFeed(expression, 'atom'), json: urls.archiveFeed(expression, 'json') }, path });
}

export function dayPage(expression: string, day: string, response: SearchResponse, ui: UiLang, path: string): string {
  const t = UI_TEXT[ui];
  const title = t.dayOf(expression, day);
  const list =
    response.hits.length === 0 ? `<p>${escapeHtml(t.noPapers)}</p>` : `<ol class="plain hits">${response.hits.map((hit) => hitHtml(hit, ui)).join('\n')}</ol>`;
  const pager = pagerHtml(response.page, response.pageSize, response.total, ui, (n) => `${urls.archiveDay(expression, day)}?page=${n}`);
  const body =
    `<h1>${escapeHtml(title)}</h1>\n<p class="meta">${escapeHtml(t.browseCount(response.total))} · <a href="${attr(urls.archiveCalendar(expression))}">${escapeHtml(t.calendarOf(expression))}</a></p>\n` +
    `${list}\n${pager}`;
  return page({
    ui,
    title,
    body,
    feeds: { title: expression, atom: urls.archiveFeed(expression, 'atom'), json: urls.archiveFeed(expression, 'json') },
    path,
    math: hasMath(body),
  });
}

export interface PaperData {
  paper: StoredPaper;
  versions: StoredVersion[];
  texts: StoredTexts[];
}

export function paperPage(data: PaperData, ui: UiLang, path: string): string {
  const t = UI_TEXT[ui];
  const { paper } = data;
  const abs = safeHttpUrl(paper.links.abs) ?? `https://arxiv.org/abs/${paper.id}`;
  const pdf = safeHttpUrl(paper.links.pdf) ?? `https://arxiv.org/pdf/${paper.id}`;
  const html = safeHttpUrl(paper.links.html) ?? `https://arxiv.org/html/${paper.id}`;
  const link = (href: string, text: string) => `<a href="${attr(href)}" rel="noopener noreferrer">${escapeHtml(text)}</a>`;
  const parts: string[] = [];
  parts.push(`<h1 lang="en">${textWithMath(paper.title)}</h1>`);
  parts.push(`<p class="authors" lang="en">${escapeHtml(cleanLine(paper.authors.map((author) => author.name).join(', ')))}</p>`);
  const categories = paper.categories.map((category) => `<a href="${attr(urls.archiveCalendar(category))}">${escapeHtml(cleanLine(category))}</a>`).join(' ');
  const dates = [paper.announced ? `${t.announced} ${paper.announced}` : '', paper.submitted ? `${t.submitted} ${paper.submitted.slice(0, 10)}` : ''].filter(
    (d) => d !== '',
  );
  parts.push(
    `<p class="meta">${escapeHtml(paper.id)}${paper.version !== null ? `v${paper.version}` : ''} · ${categories}${dates.length ? ` · ${escapeHtml(dates.join(' · '))}` : ''}</p>`,
  );
  parts.push(marksSlot(paper.id));
  parts.push(`<nav aria-label="${attr(t.links)}" class="links">${link(abs, 'arXiv')} ${link(pdf, 'PDF')} ${link(html, 'HTML')}</nav>`);
  parts.push(`<section aria-labelledby="abstract"><h2 id="abstract">${escapeHtml(t.abstract)}</h2><p lang="en">${textWithMath(paper.abstract)}</p></section>`);
  // Texts: newest first per language (the store returns them newest first); the others stay listed with their provenance.
  const byLang = new Map<string, StoredTexts[]>();
  for (const text of data.texts) {
    if (!byLang.has(text.lang)) byLang.set(text.lang, []);
    byLang.get(text.lang)!.push(text);
  }
  const textSections = [...byLang]
    .map(([lang, texts]) => {
      const safeLang = cleanLine(lang).replace(/[^A-Za-z0-9-]/g, '') || 'und';
      const items = texts
        .map((text) => {
          const rows: string[] = [];
          const provenance = `<p class="meta">${escapeHtml(t.provenance(cleanLine(text.provider), cleanLine(text.model), cleanLine(text.promptVersion), text.createdAt.slice(0, 10)))}${text.version !== null ? ` · v${text.version}` : ''}${text.status !== 'ok' ? ` · ${escapeHtml(text.status)}` : ''}</p>`;
          if (text.status === 'ok') {
            if (text.title.trim()) rows.push(`<h4>${textWithMath(text.title)}</h4>`);
            if (text.tldr.trim()) rows.push(`<p class="tldr">${textWithMath(text.tldr)}</p>`);
            if (text.tldrEn.trim()) rows.push(`<p class="tldr-en" lang="en">${textWithMath(text.tldrEn)}</p>`);
            if (text.abstract.trim()) rows.push(`<p>${textWithMath(text.abstract)}</p>`);
          }
          return `<article class="entry" lang="${safeLang}">${rows.join('')}${provenance}</article>`;
        })
        .join('');
      return `<section aria-labelledby="texts-${safeLang}"><h3 id="texts-${safeLang}">${escapeHtml(safeLang)}</h3>${items}</section>`;
    })
    .join('');
  if (textSections) parts.push(`<section aria-labelledby="texts"><h2 id="texts">${escapeHtml(t.texts)}</h2>${textSections}</section>`);
  const versions = data.versions;
  if (versions.length > 0) {
    const items = versions.map((version, index) => {
      const facts = [
        `v${version.version}`,
        version.submitted ? version.submitted.slice(0, 10) : '',
        version.size ?? '',
        version.announced ? `${t.announced} ${version.announced}` : '',
      ].filter((f) => f !== '');
      let change = '';
      const before = versions
        .slice(0, index)
        .reverse()
        .find((earlier) => earlier.abstract);
      if (index > 0 && version.abstract && before?.abstract) {
        change =
          cleanLine(before.abstract) === cleanLine(version.abstract)
            ? `<p class="meta">${escapeHtml(t.noVersionChange)}</p>`
            : `<details><summary>${escapeHtml(t.versionChanges)} (v${before.version} → v${version.version})</summary><p class="diff" lang="en">${wordDiffHtml(before.abstract, version.abstract)}</p></details>`;
      }
      return `<li>${escapeHtml(cleanLine(facts.join(' · ')))} ${link(`https://arxiv.org/abs/${paper.id}v${version.version}`, 'arXiv')}${change}</li>`;
    });
    parts.push(`<section aria-labelledby="versions"><h2 id="versions">${escapeHtml(t.versions)}</h2><ol>${items.join('')}</ol></section>`);
  }
  const body = parts.join('\n');
  const primary = paper.categories[0] ?? 'cs';
  return page({
    ui,
    title: cleanLine(paper.title),
    body,
    feeds: { title: primary, atom: urls.archiveFeed(primary, 'atom'), json: urls.archiveFeed(primary, 'json') },
    path,
    math: hasMath(body),
  });
}

export function searchPage(params: SearchParams, response: SearchResponse | undefined, ui: UiLang, path: string): string {
  const t = UI_TEXT[ui];
  const q = params.q ?? '';
  const field = (name: string, label: string, value: string | undefined, type = 'text') =>
    `<label for="f-${name}">${escapeHtml(label)}<input id="f-${name}" name="${name}" type="${type}" value="${attr(value ?? '')}"></label>`;
  const form =
    `<form class="search-form" role="search" action="${attr(urls.search())}" method="get" aria-label="${attr(t.searchLabel)}">` +
    field('q', t.searchLabel, q, 'search') +
    field('category', t.category, params.category) +
    field('from', t.from, params.from, 'date') +
    field('until', t.until, params.until, 'date') +
    `<label for="f-sort">${escapeHtml(t.sort)}<select id="f-sort" name="sort"><option value="relevance"${params.sort !== 'date' ? ' selected' : ''}>${escapeHtml(t.relevance)}</option><option value="date"${params.sort === 'date' ? ' selected' : ''}>${escapeHtml(t.date)}</option></select></label>` +
    `<button type="submit">${escapeHtml(t.searchButton)}</button></form>`;
  let results = '';
  if (response) {
    const count =
      q.trim() === '' ? t.browseCount(response.total) : response.totalIsLowerBound ? t.resultsMoreThan(response.total, q) : t.resultsCount(response.total, q);
    results =
      `<p class="meta" role="status">${escapeHtml(count)}${response.rankedWithin !== undefined ? ` ${escapeHtml(t.rankedWithin(response.rankedWithin))}` : ''}</p>\n` +
      (response.hits.length === 0
        ? `<p>${escapeHtml(t.noPapers)}</p>`
        : `<ol class="plain hits">${response.hits.map((hit) => hitHtml(hit, ui)).join('\n')}</ol>`) +
      pagerHtml(response.page, response.pageSize, response.total, ui, (n) => urls.search({ ...params, page: n }), response.totalIsLowerBound === true);
  }
  const title = q.trim() === '' ? t.search : `${t.search}: ${q}`;
  const body = `<h1>${escapeHtml(title)}</h1>\n${form}\n<section aria-label="${attr(t.search)}">${results}</section>`;
  return page({
    ui,
    title,
    body,
    q,
    feeds: { title, atom: urls.searchFeed(params, 'atom'), json: urls.searchFeed(params, 'json') },
    path,
    math: hasMath(body),
  });
}

export function errorPage(status: number, message: string, ui: UiLang, path: string, suggestion?: { text: string; href: string }, q?: string): string {
  const t = UI_TEXT[ui];
  const title = status === 404 ? t.notFound : status === 400 ? t.badRequest : t.serverError;
  const body =
    `<h1>${escapeHtml(title)}</h1>\n<pre class="error-box">${escapeHtml(message)}</pre>\n` +
    (suggestion ? `<p>${escapeHtml(t.didYouMean)} <a href="${attr(suggestion.href)}">${escapeHtml(suggestion.text)}</a>?</p>\n` : '') +
    `<p><a href="${attr(urls.home())}">${escapeHtml(t.backHome)}</a></p>`;
  return page({ ui, title, body, path, ...(q !== undefined ? { q } : {}) });
}
