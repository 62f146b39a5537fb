/**
 * The browser half of the static edition's search: one script, `search/search.js`, built from the same functions the
 * index builder runs (`staticTokens`, `shardOf`), so a query is cut exactly as the text was. It reads `?q=` and
 * `?page=`, fetches the term shards and document chunks it needs, ranks by BM25 and writes the results with DOM text
 * nodes only (a hostile title stays text).
 */
import { shardOf } from './static-search.js';
import { staticTokens } from './tokenize.js';

// The browser globals this script uses, typed just enough: the project compiles without the DOM library (it clashes
// with Node's stream types), and this function only ever runs in a browser, through its source text.
interface BrowserNode {
  textContent: string | null;
  className: string;
  href: string;
  value: string;
  src: string;
  childNodes: { length: number };
  lastElementChild: BrowserNode | null;
  append(...nodes: Array<BrowserNode | string>): void;
  replaceChildren(...nodes: Array<BrowserNode | string>): void;
  setAttribute(name: string, value: string): void;
}
declare const document: {
  currentScript: BrowserNode;
  getElementById(id: string): BrowserNode | null;
  querySelectorAll(selector: string): Iterable<BrowserNode & { hidden: boolean }>;
  createElement(tag: string): BrowserNode;
};
declare const location: { search: string };

/** Interface text for the results, in the export's interface language. */
export interface StaticSearchLabels {
  results: string;
  none: string;
  previous: string;
  next: string;
  loading: string;
}

export const STATIC_SEARCH_LABELS: Record<'zh' | 'en', StaticSearchLabels> = {
  en: { results: '{n} papers match', none: 'No paper matches.', previous: 'Previous', next: 'Next', loading: 'Searching…' },
  zh: { results: '找到 {n} 篇论文', none: '没有找到匹配的论文。', previous: '上一页', next: '下一页', loading: '正在搜索…' },
};

/** The results container's id in the search page. */
export const STATIC_RESULTS_ID = 'xivdigest-static-results';

// Runs in the browser from its source text: it may use only its parameters and browser globals, no import.
function client(tokenize: typeof staticTokens, shard: typeof shardOf, labels: StaticSearchLabels, resultsId: string, pageSize: number): void {
  const script = document.currentScript;
  const base = new URL('./', script.src);
  const siteRoot = new URL('../', base);
  const output = document.getElementById(resultsId);
  if (!output) return;
  const params = new URLSearchParams(location.search);
  const query = (params.get('q') ?? '').trim();
  const page = Math.max(1, Number.parseInt(params.get('page') ?? '1', 10) || 1);
  for (const input of document.querySelectorAll('input[name="q"]')) input.value = query;
  // Filters, sorting and search feeds need the server; the static page shows what it can do.
  for (const part of document.querySelectorAll('[data-server-only]')) part.hidden = true;
  if (query === '') return;
  const cache = new Map<string, Promise<unknown>>();
  const load = <T>(path: string): Promise<T> => {
    if (!cache.has(path))
      cache.set(
        path,
        fetch(new URL(path, base)).then((response) => (response.ok ? response.json() : Promise.reject(new Error(`${path}: ${response.status}`)))),
      );
    return cache.get(path) as Promise<T>;
  };
  const element = (tag: string, text?: string, className?: string): BrowserNode => {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  };
  const words = query
    .toLowerCase()
    .split(/[\s"]+/)
    .filter((word) => word !== '');
  const marked = (tag: string, text: string, className?: string): BrowserNode => {
    const node = element(tag, undefined, className);
    const lower = text.toLowerCase();
    let at = 0;
    while (at < text.length) {
      let next = -1;
      let length = 0;
      for (const word of words) {
        const found = lower.indexOf(word, at);
        if (found !== -1 && (next === -1 || found < next)) {
          next = found;
          length = word.length;
        }
      }
      if (next === -1) break;
      node.append(text.slice(at, next), element('mark', text.slice(next, next + length)));
      at = next + length;
    }
    node.append(text.slice(at));
    return node;
  };
  output.replaceChildren(element('p', labels.loading));
  // `data-state` tells scripts and tests that the results are final: `done` or `error`.
  void (async () => {
    const meta = await load<{ documents: number; averageLength: number; shards: number; chunk: number }>('index/meta.json');
    const terms = [...new Set(tokenize(query))];
    let matches: Map<number, number> | undefined;
    if (terms.length > 0) {
      const lengths = await load<number[]>('index/lengths.json');
      for (const term of terms) {
        const file = await load<Record<string, number[]>>(`index/t/${shard(term, meta.shards)}.json`);
        const list = Object.prototype.hasOwnProperty.call(file, term) ? file[term]! : [];
        const frequency = list.length / 2;
        const idf = Math.log(1 + (meta.documents - frequency + 0.5) / (frequency + 0.5));
        const scored = new Map<number, number>();
        for (let index = 0; index < list.length; index += 2) {
          const documentNumber = list[index]!;
          if (matches && !matches.has(documentNumber)) continue;
          const count = list[index + 1]!;
          const norm = 1.2 * (1 - 0.75 + (0.75 * lengths[documentNumber]!) / (meta.averageLength || 1));
          scored.set(documentNumber, (matches?.get(documentNumber) ?? 0) + (idf * count * 2.2) / (count + norm));
        }
        matches = scored;
        if (matches.size === 0) break;
      }
    }
    const ranked = [...(matches ?? new Map<number, number>())].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    output.replaceChildren();
    if (ranked.length === 0) {
      output.append(element('p', labels.none));
      output.setAttribute('data-state', 'done');
      return;
    }
    output.append(element('p', labels.results.replace('{n}', String(ranked.length)), 'search-count'));
    const list = element('ol', undefined, 'search-results');
    list.setAttribute('start', String((page - 1) * pageSize + 1));
    for (const [documentNumber] of ranked.slice((page - 1) * pageSize, page * pageSize)) {
      const rows = await load<string[][]>(`index/d/${Math.floor(documentNumber / meta.chunk)}.json`);
      const [id, url, title, translatedTitle, tldr, day, authors] = rows[documentNumber % meta.chunk]!;
      const item = element('li');
      const link = element('a');
      link.href = new URL(url!, siteRoot).href;
      link.append(marked('span', translatedTitle || title!));
      item.append(element('h3'));
      item.lastElementChild!.append(link);
      if (translatedTitle) item.append(marked('p', title!, 'search-original'));
      if (tldr) item.append(marked('p', tldr, 'search-tldr'));
      item.append(element('p', [id, day, authors].filter(Boolean).join(' · '), 'search-meta'));
      list.append(item);
    }
    output.append(list);
    const nav = element('nav');
    nav.setAttribute('aria-label', 'pages');
    const pageLink = (label: string, target: number) => {
      const link = element('a', label);
      const next = new URLSearchParams({ q: query, page: String(target) });
      link.href = `?${next.toString()}`;
      nav.append(link, ' ');
    };
    if (page > 1) pageLink(labels.previous, page - 1);
    if (page * pageSize < ranked.length) pageLink(labels.next, page + 1);
    if (nav.childNodes.length > 0) output.append(nav);
    output.setAttribute('data-state', 'done');
  })().catch((error: unknown) => {
    output.replaceChildren(element('p', String(error)));
    output.setAttribute('data-state', 'error');
  });
}

/** The text of `search/search.js`. */
export function staticSearchScript(labels: StaticSearchLabels, pageSize = 20): string {
  return [
    '"use strict";',
    `(${client.toString()})(${staticTokens.toString()}, ${shardOf.toString()}, ${JSON.stringify(labels)}, ${JSON.stringify(STATIC_RESULTS_ID)}, ${pageSize});`,
    '',
  ].join('\n');
}
