/** Parsers for arXiv's announcement feeds: RSS 2.0 and Atom (rss.arxiv.org, 2024+) and RSS 1.0/RDF (before 2024). */
import { easternDay } from '../../core/arxiv-calendar.js';
import { absLink, findArxivId, parseArxivId, versionedId, type ParsedArxivId } from '../../core/arxiv-id.js';
import { XivdigestError } from '../../core/errors.js';
import type { AnnounceType, Author, LegacyFlag, Paper } from '../../core/paper.js';
import type { DocumentInput, DocumentParser, FeedInfo, SourceEvent } from '../../core/source.js';
import { parseLegacyTitle } from '../../core/legacy-format/text.js';
import { collapseWhitespace, joinWrappedLines } from '../../core/whitespace.js';
import { localDay, stripHtml, toIsoTime } from '../shared/text.js';
import { streamXml, type XmlHandler } from '../shared/xml-reader.js';

/** The feed formats this module reads; each is also the `source` of the papers it yields. */
export type ArxivFeedFormat = 'arxiv-rss' | 'arxiv-atom' | 'arxiv-rdf';

/** Reads an rss.arxiv.org RSS 2.0 feed (`<rss>`). Throws ARXIV_FEED_ERROR for arXiv's "Feed error for query" documents. */
export const parseArxivRss: DocumentParser = (input, options) => parseFeed(input, options, 'arxiv-rss');

/** Reads an rss.arxiv.org Atom feed (`<feed>`, rss.arxiv.org/atom/<category>). */
export const parseArxivAtom: DocumentParser = (input, options) => parseFeed(input, options, 'arxiv-atom');

/** Reads an export.arxiv.org RSS 1.0/RDF feed (`<rdf:RDF>`, the format before 2024). */
export const parseArxivRdf: DocumentParser = (input, options) => parseFeed(input, options, 'arxiv-rdf');

/** Reads any of the three, telling them apart by the root element: `rss`, Atom `feed` or `rdf:RDF`. */
export const parseArxivFeed: DocumentParser = (input, options) => parseFeed(input, options, undefined);

// Namespaces: RSS 2.0 elements have none; RSS 1.0 (https://web.resource.org/rss/1.0/spec) and Atom (RFC 4287) do.
const RSS1_NS = 'http://purl.org/rss/1.0/';
const RDF_NS = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';
const ATOM_NS = 'http://www.w3.org/2005/Atom';
const DC_NS = 'http://purl.org/dc/elements/1.1/';
const ARXIV_NS = 'http://arxiv.org/schemas/atom';

// Fields of an item (or entry) and of the channel header, as small integers so that dispatch is a switch.
const NONE = 0;
const TITLE = 1;
const LINK = 2;
const DESCRIPTION = 3;
const GUID = 4;
const CATEGORY = 5;
const PUB_DATE = 6;
const ANNOUNCE_TYPE = 7;
const RIGHTS = 8;
const CREATOR = 9;
const DOI = 10;
const JOURNAL_REF = 11;
const ID = 12;
const PUBLISHED = 13;
const UPDATED = 14;
const AUTHOR = 15;
const AUTHOR_NAME = 16;
const DC_DATE = 17;
const SKIP_DAYS = 18;
const DAY = 19;
const COMMENT = 20;

type FieldTable = Map<string, Map<string, number>>;

function table(entries: Array<[string, string, number]>): FieldTable {
  const result: FieldTable = new Map();
  for (const [ns, local, field] of entries) {
    let byLocal = result.get(ns);
    if (!byLocal) result.set(ns, (byLocal = new Map()));
    byLocal.set(local, field);
  }
  return result;
}

// The arXiv extension elements of rss.arxiv.org (info.arxiv.org/help/rss_specifications.html, atom_specifications.html).
const ARXIV_ITEM_FIELDS: Array<[string, string, number]> = [
  [ARXIV_NS, 'announce_type', ANNOUNCE_TYPE],
  [ARXIV_NS, 'DOI', DOI],
  [ARXIV_NS, 'doi', DOI],
  [ARXIV_NS, 'journal_reference', JOURNAL_REF],
  [ARXIV_NS, 'journal_ref', JOURNAL_REF],
  [ARXIV_NS, 'comment', COMMENT],
  [DC_NS, 'rights', RIGHTS],
  [DC_NS, 'creator', CREATOR],
];

const RSS_ITEM = table([
  ['', 'title', TITLE],
  ['', 'link', LINK],
  ['', 'description', DESCRIPTION],
  ['', 'guid', GUID],
  ['', 'category', CATEGORY],
  ['', 'pubDate', PUB_DATE],
  ...ARXIV_ITEM_FIELDS,
]);
const RSS_CHANNEL = table([
  ['', 'title', TITLE],
  ['', 'link', LINK],
  ['', 'description', DESCRIPTION],
  ['', 'pubDate', PUB_DATE],
  ['', 'skipDays', SKIP_DAYS],
  [DC_NS, 'date', DC_DATE],
]);
const ATOM_ENTRY = table([
  [ATOM_NS, 'id', ID],
  [ATOM_NS, 'title', TITLE],
  [ATOM_NS, 'link', LINK],
  [ATOM_NS, 'summary', DESCRIPTION],
  [ATOM_NS, 'category', CATEGORY],
  [ATOM_NS, 'published', PUBLISHED],
  [ATOM_NS, 'updated', UPDATED],
  [ATOM_NS, 'rights', RIGHTS],
  [ATOM_NS, 'author', AUTHOR],
  ...ARXIV_ITEM_FIELDS,
]);
const ATOM_FEED = table([
  [ATOM_NS, 'id', ID],
  [ATOM_NS, 'title', TITLE],
  [ATOM_NS, 'subtitle', DESCRIPTION],
  [ATOM_NS, 'link', LINK],
  [ATOM_NS, 'updated', UPDATED],
]);
const RDF_ITEM = table([
  [RSS1_NS, 'title', TITLE],
  [RSS1_NS, 'link', LINK],
  [RSS1_NS, 'description', DESCRIPTION],
  [DC_NS, 'creator', CREATOR],
  [DC_NS, 'date', DC_DATE],
  [DC_NS, 'rights', RIGHTS],
]);
const RDF_CHANNEL = table([
  [RSS1_NS, 'title', TITLE],
  [RSS1_NS, 'link', LINK],
  [RSS1_NS, 'description', DESCRIPTION],
  [DC_NS, 'date', DC_DATE],
]);

/** Where a format keeps its header and its items. */
interface Layout {
  format: ArxivFeedFormat;
  /** Depth of the element whose children are the header fields (RSS/RDF `channel`, Atom `feed`). */
  headerDepth: number;
  headerNs: string;
  headerLocal: string;
  headerFields: FieldTable;
  /** Depth of the item elements. */
  itemDepth: number;
  itemNs: string;
  itemLocal: string;
  itemFields: FieldTable;
}

const LAYOUTS: Record<ArxivFeedFormat, Layout> = {
  'arxiv-rss': {
    format: 'arxiv-rss',
    headerDepth: 2,
    headerNs: '',
    headerLocal: 'channel',
    headerFields: RSS_CHANNEL,
    itemDepth: 3,
    itemNs: '',
    itemLocal: 'item',
    itemFields: RSS_ITEM,
  },
  'arxiv-atom': {
    format: 'arxiv-atom',
    headerDepth: 1,
    headerNs: ATOM_NS,
    headerLocal: 'feed',
    headerFields: ATOM_FEED,
    itemDepth: 2,
    itemNs: ATOM_NS,
    itemLocal: 'entry',
    itemFields: ATOM_ENTRY,
  },
  'arxiv-rdf': {
    format: 'arxiv-rdf',
    headerDepth: 2,
    headerNs: RSS1_NS,
    headerLocal: 'channel',
    headerFields: RDF_CHANNEL,
    itemDepth: 2,
    itemNs: RSS1_NS,
    itemLocal: 'item',
    itemFields: RDF_ITEM,
  },
};

const ROOT_NAMES: Record<ArxivFeedFormat, string> = { 'arxiv-rss': '<rss>', 'arxiv-atom': 'Atom <feed>', 'arxiv-rdf': '<rdf:RDF>' };

function layoutForRoot(ns: string, local: string): Layout | undefined {
  if (ns === '' && local === 'rss') return LAYOUTS['arxiv-rss'];
  if (ns === ATOM_NS && local === 'feed') return LAYOUTS['arxiv-atom'];
  if (ns === RDF_NS && local === 'RDF') return LAYOUTS['arxiv-rdf'];
  return undefined;
}

/** The text of one item, as the feed gave it (entity-decoded, otherwise raw). */
interface RawItem {
  title: string;
  link: string;
  description: string;
  guid: string;
  /** RDF `rdf:about`, Atom `<id>`. */
  about: string;
  categories: string[];
  pubDate: string;
  announceType: string;
  rights: string;
  creators: string[];
  authorNames: string[];
  doi: string;
  journalRef: string;
  comment: string;
  published: string;
}

function emptyItem(): RawItem {
  return {
    title: '',
    link: '',
    description: '',
    guid: '',
    about: '',
    categories: [],
    pubDate: '',
    announceType: '',
    rights: '',
    creators: [],
    authorNames: [],
    doi: '',
    journalRef: '',
    comment: '',
    published: '',
  };
}

/** The channel header as the feed gave it. */
interface RawHeader {
  title: string;
  link: string;
  description: string;
  pubDate: string;
  dcDate: string;
  updated: string;
  skipDays: string[];
}

function parseFeed(input: DocumentInput, options: { origin: string }, expected: ArxivFeedFormat | undefined): AsyncIterable<SourceEvent> {
  return streamXml(input, options, (emit) => new FeedHandler(emit, options.origin, expected));
}

/** Routes the XML events of a feed into its header and items, and emits FeedInfo and papers as they complete. */
class FeedHandler implements XmlHandler {
  private readonly emit: (event: SourceEvent) => void;
  private readonly origin: string;
  private readonly expected: ArxivFeedFormat | undefined;
  private layout: Layout | undefined;
  private depth = 0;
  private inHeader = false;
  private headerEmitted = false;
  private readonly header: RawHeader = { title: '', link: '', description: '', pubDate: '', dcDate: '', updated: '', skipDays: [] };
  private item: RawItem | undefined;
  private itemCount = 0;
  /** The announcement day the header gives (see beforeFirstItem). */
  private headerDay: string | undefined;
  /** Atom only: the feed event, held back until the first entry gives the announcement day. */
  private feedInfo: FeedInfo | undefined;
  /** The field whose text is being collected, and the depth of its element. */
  private field = NONE;
  private fieldDepth = 0;
  private text = '';
  /** Inside an Atom `<author>` or RSS `<skipDays>`: the depth of that element. */
  private groupDepth = 0;

  constructor(emit: (event: SourceEvent) => void, origin: string, expected: ArxivFeedFormat | undefined) {
    this.emit = emit;
    this.origin = origin;
    this.expected = expected;
  }

  onOpen(ns: string, local: string, attributes: Record<string, string>): void {
    const depth = ++this.depth;
    const layout = this.layout;
    if (layout === undefined) {
      this.layout = this.rootLayout(ns, local);
      // Atom's header fields are children of the root itself.
      this.inHeader = this.layout.headerDepth === 1;
      return;
    }
    if (this.field !== NONE) return; // markup inside a text field (never in arXiv's feeds): its text still counts
    const item = this.item;
    if (item !== undefined) {
      if (depth === layout.itemDepth + 1) {
        const field = layout.itemFields.get(ns)?.get(local) ?? NONE;
        if (field === CATEGORY && layout.format === 'arxiv-atom') {
          // Atom categories are `<category term="cs.CL"/>` (RFC 4287 §4.2.2).
          const term = attributes.term;
          if (term) item.categories.push(term.trim());
        } else if (field === LINK && layout.format === 'arxiv-atom') {
          const rel = attributes.rel ?? 'alternate';
          if (rel === 'alternate' && attributes.href) item.link = attributes.href;
        } else if (field === AUTHOR) {
          this.groupDepth = depth;
        } else if (field !== NONE) {
          this.startField(field, depth);
        }
      } else if (this.groupDepth !== 0 && depth === this.groupDepth + 1 && ns === ATOM_NS && local === 'name') {
        this.startField(AUTHOR_NAME, depth);
      }
      return;
    }
    if (depth === layout.itemDepth && local === layout.itemLocal && ns === layout.itemNs) {
      this.beforeFirstItem();
      this.item = emptyItem();
      if (layout.format === 'arxiv-rdf') this.item.about = attributes['rdf:about'] ?? '';
      return;
    }
    if (depth === layout.headerDepth && local === layout.headerLocal && ns === layout.headerNs) {
      this.inHeader = true;
      return;
    }
    if (!this.inHeader) return;
    if (depth === layout.headerDepth + 1) {
      const field = layout.headerFields.get(ns)?.get(local) ?? NONE;
      if (field === LINK && layout.format === 'arxiv-atom') {
        if ((attributes.rel ?? 'alternate') === 'self' && attributes.href && !this.header.link) this.header.link = attributes.href;
      } else if (field === SKIP_DAYS) {
        this.groupDepth = depth;
      } else if (field !== NONE) {
        this.startField(field, depth);
      }
    } else if (this.groupDepth !== 0 && depth === this.groupDepth + 1 && local === 'day') {
      this.startField(DAY, depth);
    }
  }

  onText(text: string): void {
    if (this.field !== NONE) this.text += text;
  }

  onClose(): void {
    const depth = this.depth--;
    const layout = this.layout!;
    if (this.field !== NONE) {
      if (depth !== this.fieldDepth) return;
      const field = this.field;
      const text = this.text;
      this.field = NONE;
      this.text = '';
      if (this.item !== undefined) this.setItemField(this.item, field, text);
      else this.setHeaderField(field, text);
      return;
    }
    if (depth === this.groupDepth) {
      this.groupDepth = 0;
      return;
    }
    if (this.item !== undefined) {
      if (depth === layout.itemDepth) {
        const item = this.item;
        this.item = undefined;
        this.itemCount += 1;
        const paper = buildPaper(item, this.headerDay, layout.format, this.origin, this.itemCount);
        if (this.feedInfo !== undefined) this.emitFeed(paper);
        this.emit({ type: 'paper', paper });
      }
      return;
    }
    if (this.inHeader && depth === layout.headerDepth) {
      this.inHeader = false;
      // RSS 2.0 puts its items inside the channel; RDF closes the channel first, so wait for the items or the root.
      if (layout.format === 'arxiv-rss') this.beforeFirstItem();
    }
    if (depth === 1) {
      this.beforeFirstItem();
      if (this.feedInfo !== undefined) this.emitFeed(undefined);
    }
  }

  private rootLayout(ns: string, local: string): Layout {
    const layout = layoutForRoot(ns, local);
    if (layout === undefined || (this.expected !== undefined && layout.format !== this.expected)) {
      const wanted = this.expected ? `an arXiv ${ROOT_NAMES[this.expected]} feed` : 'an arXiv feed (<rss>, Atom <feed> or <rdf:RDF>)';
      throw new XivdigestError({
        code: 'FORMAT_UNKNOWN',
        message: `${this.origin} is not ${wanted}: its root element is <${local}>${ns ? ` in namespace ${ns}` : ''}`,
        hint: 'Check the URL or file; arXiv feeds live at https://rss.arxiv.org/rss/<category>',
        details: { origin: this.origin, root: local, namespace: ns },
      });
    }
    return layout;
  }

  private startField(field: number, depth: number): void {
    this.field = field;
    this.fieldDepth = depth;
    this.text = '';
  }

  private setHeaderField(field: number, text: string): void {
    const header = this.header;
    switch (field) {
      case TITLE:
        header.title = text;
        break;
      case LINK:
        header.link = text.trim();
        break;
      case DESCRIPTION:
        header.description = text;
        break;
      case PUB_DATE:
        header.pubDate = text.trim();
        break;
      case DC_DATE:
        header.dcDate = text.trim();
        break;
      case UPDATED:
        header.updated = text.trim();
        break;
      case DAY:
        header.skipDays.push(text.trim());
        break;
      default:
        break;
    }
  }

  private setItemField(item: RawItem, field: number, text: string): void {
    switch (field) {
      case TITLE:
        item.title = text;
        break;
      case LINK:
        item.link = text.trim();
        break;
      case DESCRIPTION:
        item.description = text;
        break;
      case GUID:
        item.guid = text.trim();
        break;
      case ID:
        item.about = text.trim();
        break;
      case CATEGORY:
        item.categories.push(text.trim());
        break;
      case PUB_DATE:
        item.pubDate = text.trim();
        break;
      case ANNOUNCE_TYPE:
        item.announceType = text.trim();
        break;
      case RIGHTS:
        item.rights = text.trim();
        break;
      case CREATOR:
        item.creators.push(text);
        break;
      case AUTHOR_NAME:
        item.authorNames.push(collapseWhitespace(text));
        break;
      case DOI:
        item.doi = collapseWhitespace(text);
        break;
      case JOURNAL_REF:
        item.journalRef = collapseWhitespace(text);
        break;
      case COMMENT:
        item.comment = collapseWhitespace(text);
        break;
      case PUBLISHED:
        item.published = text.trim();
        break;
      default:
        break;
    }
  }

  /** The header is complete once the first item starts (or the channel ends): check it, then announce the feed. */
  private beforeFirstItem(): void {
    if (this.headerEmitted) return;
    this.headerEmitted = true;
    const header = this.header;
    const layout = this.layout!;
    if (FEED_ERROR_TITLE.test(header.title)) throw feedError(header, this.origin);
    const stamp = layout.format === 'arxiv-rss' ? header.pubDate || header.dcDate : layout.format === 'arxiv-rdf' ? header.dcDate : header.updated;
    const info: FeedInfo = { format: layout.format, origin: this.origin };
    const title = collapseWhitespace(header.title);
    if (title) info.title = title;
    const published = toIsoTime(stamp);
    if (published) info.published = published;
    // The day every item is announced on, worked out once: RSS pubDate / RDF dc:date in arXiv's (Eastern) time; for
    // Atom, whose `<updated>` is in UTC, only the fallback when an entry has no `<published>`.
    this.headerDay = layout.format === 'arxiv-atom' ? easternDayOf(stamp) : localDay(stamp);
    if (layout.format === 'arxiv-atom') {
      // Atom's `<updated>` is a UTC generation time; the announcement day is in each entry's `<published>`, so the
      // feed event waits for the first entry (or the end of the feed).
      this.feedInfo = info;
      return;
    }
    if (this.headerDay) info.announced = this.headerDay;
    if (header.skipDays.length > 0) info.skipDays = header.skipDays;
    this.emit({ type: 'feed', feed: info });
  }

  private emitFeed(first: Paper | undefined): void {
    const info = this.feedInfo!;
    this.feedInfo = undefined;
    const announced = first?.announced ?? this.headerDay;
    if (announced) info.announced = announced;
    this.emit({ type: 'feed', feed: info });
  }
}

// rss.arxiv.org answers a bad category with HTTP 200 and a channel titled `Feed error for query: <url>`.
const FEED_ERROR_TITLE = /^\s*Feed error for query/i;
const FEED_ERROR_QUERY = /^\s*Feed error for query:?\s*/i;
const FIRST_SENTENCE = /^(.*?[.!?])(?:\s|$)/s;

function feedError(header: RawHeader, origin: string): XivdigestError {
  const query = collapseWhitespace(header.title.replace(FEED_ERROR_QUERY, '')) || header.link;
  const description = collapseWhitespace(header.description);
  // "Bad archive 'astroph'. Valid archive names are: astro-ph, cond-mat, …": the first sentence says what is wrong.
  const firstSentence = FIRST_SENTENCE.exec(description)?.[1] ?? description;
  const reason = firstSentence.length > 160 ? `${firstSentence.slice(0, 160)}…` : firstSentence;
  return new XivdigestError({
    code: 'ARXIV_FEED_ERROR',
    message: `arXiv returned a feed error for ${query} (${origin}): ${reason || 'no reason given'}`,
    hint: 'Check the category names (e.g. cs.CL, astro-ph)',
    details: { origin, query, reason: description },
  });
}

// `arXiv:2504.17830v1 Announce Type: new \nAbstract: …` (rss.arxiv.org descriptions and Atom summaries).
const ANNOUNCE_PREFIX = /^\s*arXiv:(\S+)\s+Announce Type:\s*([A-Za-z-]+)\s*Abstract:\s*/;
const ANNOUNCE_TYPES: ReadonlySet<string> = new Set<AnnounceType>(['new', 'cross', 'replace', 'replace-cross']);
const OAI_PREFIX = 'oai:arXiv.org:';

function buildPaper(item: RawItem, headerDay: string | undefined, format: ArxivFeedFormat, origin: string, index: number): Paper {
  return format === 'arxiv-rdf' ? buildRdfPaper(item, headerDay, origin, index) : buildNewPaper(item, headerDay, format, origin, index);
}

/** An item of the 2024+ feeds (RSS 2.0 or Atom): plain-text abstract after the announce prefix. */
function buildNewPaper(item: RawItem, headerDay: string | undefined, format: ArxivFeedFormat, origin: string, index: number): Paper {
  const prefix = ANNOUNCE_PREFIX.exec(item.description);
  const identifier = item.guid || item.about;
  const parsed = fromIdentifier(identifier) ?? (prefix ? parseArxivId(prefix[1]!) : undefined) ?? findArxivId(item.link);
  if (!parsed) throw itemWithoutId(item, origin, index);
  const { id } = parsed;
  let version = parsed.version;
  if (version === null && prefix) {
    const fromPrefix = parseArxivId(prefix[1]!);
    if (fromPrefix?.id === id) version = fromPrefix.version;
  }
  const declaredType = item.announceType || (prefix ? prefix[2]! : '');
  const paper: Paper = {
    id,
    version,
    title: collapseWhitespace(item.title),
    authors: item.creators.length > 0 ? item.creators.flatMap(parseAuthorList) : item.authorNames.map((name) => ({ name })),
    abstract: collapseWhitespace(prefix ? item.description.slice(prefix[0].length) : item.description),
    categories: unique(item.categories),
    links: documentLinks(id, version, true),
    versions: version === null ? [] : [{ version }],
    source: format,
    feed: { title: item.title, description: item.description, link: item.link },
  };
  if (ANNOUNCE_TYPES.has(declaredType)) paper.announceType = declaredType as AnnounceType;
  addOptional(paper, item);
  // Atom entries carry their announcement day in `<published>`; RSS items share the channel's.
  const announced = format === 'arxiv-atom' ? (localDay(item.published) ?? headerDay) : (headerDay ?? localDay(item.pubDate));
  if (announced) paper.announced = announced;
  return paper;
}

/** An item of the pre-2024 RDF feed: `Title. (arXiv:ID vN [cat] FLAGS)`, escaped-HTML abstract and authors. */
function buildRdfPaper(item: RawItem, headerDay: string | undefined, origin: string, index: number): Paper {
  const title = parseLegacyTitle(item.title);
  const fromLink = findArxivId(item.link) ?? findArxivId(item.about);
  const id = fromLink?.id ?? title.id;
  if (!id) throw itemWithoutId(item, origin, index);
  const version = (title.id === id ? title.version : undefined) ?? fromLink?.version ?? null;
  const categories = title.primaryCategory ? [title.primaryCategory] : [];
  const paper: Paper = {
    id,
    version,
    title: title.title,
    authors: item.creators.flatMap((creator) => parseAuthorList(stripHtml(creator))),
    abstract: joinWrappedLines(stripHtml(item.description)),
    categories: unique(categories.concat(item.categories)),
    links: documentLinks(id, version, false),
    versions: version === null ? [] : [{ version }],
    source: 'arxiv-rdf',
    feed: { title: item.title, description: item.description, link: item.link },
    announceType: legacyAnnounceType(title.flags),
  };
  if (title.flags.length > 0) paper.legacyFlags = title.flags;
  addOptional(paper, item);
  if (headerDay) paper.announced = headerDay;
  return paper;
}

function fromIdentifier(identifier: string): ParsedArxivId | undefined {
  if (!identifier) return undefined;
  // Fast path for the usual `oai:arXiv.org:2504.17830v1`.
  if (identifier.startsWith(OAI_PREFIX)) return parseArxivId(identifier.slice(OAI_PREFIX.length)) ?? findArxivId(identifier);
  return findArxivId(identifier);
}

function documentLinks(id: string, version: number | null, html: boolean): Paper['links'] {
  const versioned = versionedId(id, version);
  const links: Paper['links'] = { abs: absLink(id), pdf: `https://arxiv.org/pdf/${versioned}` };
  // arXiv renders HTML only for papers submitted since December 2023, so the pre-2024 RDF feeds get no HTML link.
  if (html) links.html = `https://arxiv.org/html/${versioned}`;
  return links;
}

function addOptional(paper: Paper, item: RawItem): void {
  if (item.doi) {
    paper.doi = item.doi;
    // Several DOIs come separated by spaces; the link follows the first.
    const first = item.doi.split(' ', 1)[0]!;
    paper.links.doi = `https://doi.org/${first}`;
  }
  if (item.journalRef) paper.journalRef = item.journalRef;
  if (item.comment) paper.comments = item.comment;
  if (item.rights) paper.license = item.rights;
}

// Old feeds flagged replacements and cross-lists in the title only.
function legacyAnnounceType(flags: LegacyFlag[]): AnnounceType {
  const updated = flags.includes('UPDATED');
  const cross = flags.includes('CROSS LISTED');
  if (updated) return cross ? 'replace-cross' : 'replace';
  return cross ? 'cross' : 'new';
}

function unique(values: string[]): string[] {
  const result: string[] = [];
  for (const value of values) if (value && !result.includes(value)) result.push(value);
  return result;
}

function itemWithoutId(item: RawItem, origin: string, index: number): XivdigestError {
  return new XivdigestError({
    code: 'INPUT_MALFORMED',
    message: `Item ${index} of ${origin} has no arXiv id in its guid, link or title (title: ${JSON.stringify(collapseWhitespace(item.title).slice(0, 80))})`,
    hint: 'The feed is not an arXiv feed or is damaged; fetch it again',
    details: { origin, item: index, link: item.link, guid: item.guid || item.about },
  });
}

/** The US Eastern calendar day of a timestamp (arXiv's clock): `2024-02-23T04:00:11+00:00` gives `2024-02-22`. */
function easternDayOf(text: string): string | undefined {
  const time = text ? Date.parse(text) : Number.NaN;
  return Number.isNaN(time) ? undefined : easternDay(new Date(time));
}

// Author lists. rss.arxiv.org writes `Name (Affiliation, More), Name, Name (Aff)`; the old RDF feed wrote linked names
// with affiliations either inline (`Name (Univ. X)`) or numbered (`A (1), B (2) ((1) Univ. X, (2) Univ. Y)`).
const NAME_SUFFIX = /^(?:Jr|Sr|Jnr|Snr|I{2,3}|IV|2nd|3rd)\.?$/i;
const AND_SPLIT = /\s+and\s+/;
const LEADING_THE = /^the\b/i;
const NOT_A_PERSON = /\b(?:collaboration|consortium|team|group|project|network|survey|members?)\b/i;
const TRAILING_SEPARATOR = /[,;]\s*$/;
const NUMBERED_AFFILIATION = /\((\d+)\)\s*/g;
const REFERENCE_LIST = /^\s*\d+(?:\s*(?:,|and|&)\s*\d+)*\s*$/;
const REFERENCE_SEPARATOR = /\s*(?:,|and|&)\s*/;
const LEGEND_START = /^\s*\(\d+\)/;

/** Parses an author list such as `A. Name (Univ. X), B. Name, C. Name and D. Name` into authors with affiliations. */
export function parseAuthorList(text: string): Author[] {
  const pieces = splitTopLevel(text);
  // A trailing group whose text starts with "(1)" is the legend of numbered affiliations.
  const legend = new Map<string, string>();
  const drafts: Array<{ name: string; groups: string[] }> = [];
  for (const piece of pieces) {
    const { name, groups } = splitGroups(piece);
    const kept: string[] = [];
    for (const group of groups) {
      if (LEGEND_START.test(group)) readLegend(group, legend);
      else kept.push(group);
    }
    if (name === '' && kept.length === 0) continue;
    if (name === '' || (NAME_SUFFIX.test(name) && kept.length === 0 && drafts.length > 0)) {
      // `Smith, Jr.` or a stray group: it belongs to the author before.
      const previous = drafts[drafts.length - 1];
      if (previous) {
        if (name) previous.name = `${previous.name}, ${name}`;
        previous.groups.push(...kept);
        continue;
      }
    }
    drafts.push({ name, groups: kept });
  }
  const authors: Author[] = [];
  for (const draft of drafts) {
    const affiliations: string[] = [];
    for (const group of draft.groups) {
      if (REFERENCE_LIST.test(group) && legend.size > 0) {
        for (const reference of group.split(REFERENCE_SEPARATOR)) {
          const resolved = legend.get(reference.trim());
          if (resolved && !affiliations.includes(resolved)) affiliations.push(resolved);
        }
      } else if (group && !affiliations.includes(group)) {
        affiliations.push(group);
      }
    }
    for (const name of splitAnd(draft.name)) {
      authors.push(affiliations.length > 0 ? { name, affiliations: [...affiliations] } : { name });
    }
  }
  return authors;
}

/** Splits at commas outside parentheses. */
function splitTopLevel(text: string): string[] {
  if (text.indexOf('(') < 0) return text.split(',');
  const pieces: string[] = [];
  let depth = 0;
  let start = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code === 40)
      depth += 1; // (
    else if (code === 41)
      depth = Math.max(0, depth - 1); // )
    else if (code === 44 && depth === 0) {
      pieces.push(text.slice(start, index));
      start = index + 1;
    }
  }
  pieces.push(text.slice(start));
  return pieces;
}

const NO_GROUPS: readonly string[] = Object.freeze([]);

/** `Name (A) (B)` → the name and the text of each top-level parenthesized group. */
function splitGroups(piece: string): { name: string; groups: readonly string[] } {
  const open = piece.indexOf('(');
  if (open < 0) return { name: collapseWhitespace(piece), groups: NO_GROUPS };
  const groups: string[] = [];
  let name = piece.slice(0, open);
  let depth = 0;
  let start = open;
  let outside = -1; // where the current stretch of text outside the groups starts
  for (let index = open; index < piece.length; index += 1) {
    const code = piece.charCodeAt(index);
    if (code === 40) {
      if (depth === 0) {
        if (outside >= 0) name += piece.slice(outside, index);
        start = index + 1;
      }
      depth += 1;
    } else if (code === 41 && depth > 0) {
      depth -= 1;
      if (depth === 0) {
        const group = collapseWhitespace(piece.slice(start, index));
        if (group) groups.push(group);
        outside = index + 1;
      }
    }
  }
  if (depth > 0) {
    const group = collapseWhitespace(piece.slice(start));
    if (group) groups.push(group);
  } else if (outside >= 0) {
    name += piece.slice(outside);
  }
  return { name: collapseWhitespace(name), groups };
}

/** `(1) Univ. X, Dept. Y, (2) Univ. Z` → 1 → `Univ. X, Dept. Y`, 2 → `Univ. Z`. */
function readLegend(group: string, legend: Map<string, string>): void {
  const marks = [...group.matchAll(NUMBERED_AFFILIATION)];
  for (let index = 0; index < marks.length; index += 1) {
    const mark = marks[index]!;
    const start = mark.index + mark[0].length;
    const end = index + 1 < marks.length ? marks[index + 1]!.index : group.length;
    const text = collapseWhitespace(group.slice(start, end)).replace(TRAILING_SEPARATOR, '');
    if (text) legend.set(mark[1]!, text);
  }
}

/**
 * `Alice Smith and Bob Lee` → two authors. arXiv's own lists use commas only, and " and " also occurs inside names
 * of collaborations, so the split happens only when both sides look like personal names (a few words each).
 */
function splitAnd(name: string): string[] {
  if (!name.includes(' and ')) return name ? [name] : [];
  const parts = name.split(AND_SPLIT).map((part) => part.trim());
  const personal = parts.every((part) => part !== '' && part.split(' ').length <= 4 && !NOT_A_PERSON.test(part) && !LEADING_THE.test(part));
  return personal ? parts : [name];
}
