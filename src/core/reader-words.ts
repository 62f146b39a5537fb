/** The few sentences readers see about an entry (translation not available, why it was selected), in their language. */
import type { DigestEntry } from './digest.js';

/** Why an entry was selected, as facts a reader understands (no ranker id, no query syntax). */
export interface SelectionWhy {
  /** Title of the library item the paper is most similar to. */
  nearest?: string;
  /** Keywords of the subscription that matched, cleaned of query syntax (`ti:llm*` → `llm`). */
  keywords?: string[];
  /** Followed authors of the paper. */
  authors?: string[];
  /** A newer version whose abstract changed since the one the reader received. */
  updated?: boolean;
  /** A reader-facing sentence from an LLM rating, when a rubric ranked the paper. */
  note?: string;
  /** Title of the starred paper it is most similar to (in place of `nearest` when that item is a starred paper). */
  starred?: string;
  /** Title of the hidden paper that pulled it down, when noticeably similar (decision 0051). */
  hidden?: string;
}

interface Words {
  untranslated: string;
  library: string;
  starred: string;
  hidden: string;
  keywords: string;
  authors: string;
  updated: string;
  /** Between a label and its value, and between parts. */
  colon: string;
  separator: string;
  list: string;
}

// One row per language the quality gate knows (src/llm/validate/languages.ts); English for any other.
const WORDS: Record<string, Words> = {
  en: {
    untranslated: 'Translation not available',
    library: 'Similar to your library',
    starred: 'Like a paper you starred',
    hidden: 'Ranked lower: like a paper you hid',
    keywords: 'Matches your keywords',
    authors: 'By authors you follow',
    updated: 'New version with a changed abstract',
    colon: ': ',
    separator: '; ',
    list: ', ',
  },
  zh: {
    untranslated: '翻译暂不可用',
    library: '与你的文献库相似',
    starred: '与你收藏的论文相似',
    hidden: '排名靠后：与你隐藏的论文相似',
    keywords: '匹配你的关键词',
    authors: '你关注的作者',
    updated: '新版本，摘要有更新',
    colon: '：',
    separator: '；',
    list: '、',
  },
  ja: {
    untranslated: '翻訳は利用できません',
    library: 'あなたのライブラリに近い',
    starred: 'スターを付けた論文に近い',
    hidden: '順位を下げました：非表示にした論文に近い',
    keywords: 'キーワードに一致',
    authors: 'フォロー中の著者',
    updated: '新しい版（要旨が更新）',
    colon: '：',
    separator: '；',
    list: '、',
  },
  ko: {
    untranslated: '번역을 사용할 수 없습니다',
    library: '내 라이브러리와 유사',
    starred: '별표한 논문과 유사',
    hidden: '순위 낮춤: 숨긴 논문과 유사',
    keywords: '키워드 일치',
    authors: '팔로우한 저자',
    updated: '초록이 바뀐 새 버전',
    colon: ': ',
    separator: '; ',
    list: ', ',
  },
  fr: {
    untranslated: 'Traduction non disponible',
    library: 'Proche de votre bibliothèque',
    starred: "Proche d'un article que vous avez mis en favori",
    hidden: "Classé plus bas : proche d'un article que vous avez masqué",
    keywords: 'Correspond à vos mots-clés',
    authors: 'Auteurs que vous suivez',
    updated: 'Nouvelle version, résumé modifié',
    colon: ' : ',
    separator: ' ; ',
    list: ', ',
  },
  de: {
    untranslated: 'Übersetzung nicht verfügbar',
    library: 'Ähnlich zu Ihrer Bibliothek',
    starred: 'Ähnlich zu einem Artikel, den Sie markiert haben',
    hidden: 'Weiter unten: ähnlich zu einem Artikel, den Sie ausgeblendet haben',
    keywords: 'Passt zu Ihren Stichwörtern',
    authors: 'Von Autoren, denen Sie folgen',
    updated: 'Neue Version mit geänderter Zusammenfassung',
    colon: ': ',
    separator: '; ',
    list: ', ',
  },
  es: {
    untranslated: 'Traducción no disponible',
    library: 'Similar a tu biblioteca',
    starred: 'Similar a un artículo que marcaste',
    hidden: 'Más abajo: similar a un artículo que ocultaste',
    keywords: 'Coincide con tus palabras clave',
    authors: 'De autores que sigues',
    updated: 'Nueva versión con el resumen cambiado',
    colon: ': ',
    separator: '; ',
    list: ', ',
  },
  it: {
    untranslated: 'Traduzione non disponibile',
    library: 'Simile alla tua biblioteca',
    starred: 'Simile a un articolo che hai segnato',
    hidden: 'Più in basso: simile a un articolo che hai nascosto',
    keywords: 'Corrisponde alle tue parole chiave',
    authors: 'Di autori che segui',
    updated: 'Nuova versione con il riassunto cambiato',
    colon: ': ',
    separator: '; ',
    list: ', ',
  },
  pt: {
    untranslated: 'Tradução não disponível',
    library: 'Semelhante à sua biblioteca',
    starred: 'Semelhante a um artigo que você marcou',
    hidden: 'Mais abaixo: semelhante a um artigo que você ocultou',
    keywords: 'Corresponde às suas palavras-chave',
    authors: 'De autores que você segue',
    updated: 'Nova versão com o resumo alterado',
    colon: ': ',
    separator: '; ',
    list: ', ',
  },
  ru: {
    untranslated: 'Перевод недоступен',
    library: 'Похоже на вашу библиотеку',
    starred: 'Похоже на статью, которую вы отметили',
    hidden: 'Ниже в списке: похоже на статью, которую вы скрыли',
    keywords: 'Совпадает с вашими ключевыми словами',
    authors: 'Авторы, за которыми вы следите',
    updated: 'Новая версия с изменённой аннотацией',
    colon: ': ',
    separator: '; ',
    list: ', ',
  },
};

function wordsFor(lang: string): Words {
  const base = lang.trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return WORDS[base] ?? WORDS.en!;
}

/** Languages with their own reader words; any other gets English. */
export const readerLanguages: readonly string[] = Object.keys(WORDS);

/**
 * What a reader sees in place of a missing translation, e.g. `翻译暂不可用`. The technical reason (an endpoint, an
 * excerpt of a rejected answer) is never part of it: it stays in `runs show` and `papers --json`.
 */
export function untranslatedNote(lang: string): string {
  return wordsFor(lang).untranslated;
}

/** Drops query syntax from a matched term's label: `ti:"large model"` → `large model`, `llm*` → `llm`. */
export function readerKeyword(label: string): string {
  return label
    .replace(/^-?(?:ti|abs|au|cat|all|co|jr|rn|id):/i, '')
    .replace(/^["'“”]+|["'“”]+$/g, '')
    .replace(/\*+$/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Why an entry was selected, for a reader: `与你的文献库相似：<title>；匹配你的关键词：llm`, or `Matches your keywords:
 * llm`. No score, ranker id or query syntax. Empty when there is nothing to say beyond the subscription's categories
 * (or for digests made before the facts were kept): renderers then print no line.
 */
export function selectionLine(selection: NonNullable<DigestEntry['selection']>, lang: string): string {
  const words = wordsFor(lang);
  const why: SelectionWhy = selection.why ?? {};
  const parts: string[] = [];
  const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();
  if (why.updated) parts.push(words.updated);
  const authors = (why.authors ?? []).map(oneLine).filter((name) => name !== '');
  if (authors.length > 0) parts.push(`${words.authors}${words.colon}${authors.join(words.list)}`);
  const keywords = [...new Set((why.keywords ?? []).map(readerKeyword).filter((word) => word !== ''))];
  if (keywords.length > 0) parts.push(`${words.keywords}${words.colon}${keywords.join(words.list)}`);
  if (why.nearest !== undefined && oneLine(why.nearest) !== '') parts.push(`${words.library}${words.colon}${oneLine(why.nearest)}`);
  if (why.starred !== undefined && oneLine(why.starred) !== '') parts.push(`${words.starred}${words.colon}${oneLine(why.starred)}`);
  if (why.hidden !== undefined && oneLine(why.hidden) !== '') parts.push(`${words.hidden}${words.colon}${oneLine(why.hidden)}`);
  if (why.note !== undefined && oneLine(why.note) !== '') parts.push(oneLine(why.note));
  return parts.join(words.separator);
}
