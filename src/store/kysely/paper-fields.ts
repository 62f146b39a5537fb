/**
 * Paper records as one flat array of plain values, for handing a batch to the store's writer thread (ADR 0009): the
 * thread that parsed them only copies references, which costs a fraction of preparing the rows there, and structured
 * cloning a flat array costs a fraction of cloning the records (objects carry their keys, value after value).
 */
import type { Author, Paper, PaperVersion } from '../../core/paper.js';

/** The record (or a field of it) is not of the expected shape: the batch is prepared here instead. */
const UNUSUAL = new Error('unusual paper record');

/** A text, or undefined; anything else is unusual. */
function optionalText(value: unknown): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  throw UNUSUAL;
}

function texts(values: unknown): string[] | undefined {
  if (values === undefined) return undefined;
  if (!Array.isArray(values)) throw UNUSUAL;
  for (let index = 0; index < values.length; index += 1) if (typeof values[index] !== 'string') throw UNUSUAL;
  return values as string[];
}

/**
 * The records as flat values, or undefined when one is not the plain record the store expects (a field of another
 * type, a link of another name): the caller then prepares the batch itself, which handles anything as the store in
 * this thread would. Only what the store reads crosses (see rows.ts `paperToRow` and `versionRecords`): not the OAI
 * header. A feed description that ends with the abstract crosses as its prefix, so that the abstract crosses once.
 */
export function paperFields(papers: readonly Paper[]): unknown[] | undefined {
  const out: unknown[] = [];
  try {
    for (let index = 0; index < papers.length; index += 1) pushFields(papers[index]!, out);
  } catch {
    return undefined;
  }
  return out;
}

function pushFields(paper: Paper, out: unknown[]): void {
  if (typeof paper.id !== 'string' || typeof paper.source !== 'string') throw UNUSUAL;
  const version = paper.version;
  if (version !== null && version !== undefined && typeof version !== 'number') throw UNUSUAL;
  const abstract = optionalText(paper.abstract);
  out.push(paper.id, version ?? null, optionalText(paper.title), abstract, paper.abstractTruncated === true);
  if (paper.abstractTruncated !== undefined && typeof paper.abstractTruncated !== 'boolean') throw UNUSUAL;
  const authors = paper.authors;
  if (authors === undefined) {
    out.push(0);
  } else {
    if (!Array.isArray(authors)) throw UNUSUAL;
    out.push(authors.length);
    for (let index = 0; index < authors.length; index += 1) {
      const author = authors[index]!;
      if (typeof author.name !== 'string') throw UNUSUAL;
      out.push(author.name, texts(author.affiliations));
    }
  }
  out.push(
    texts(paper.categories),
    optionalText(paper.doi),
    optionalText(paper.journalRef),
    optionalText(paper.comments),
    optionalText(paper.license),
    optionalText(paper.reportNo),
    optionalText(paper.submitter),
    optionalText(paper.submitted),
    optionalText(paper.updated),
    optionalText(paper.announced),
    optionalText(paper.announceType),
    texts(paper.legacyFlags),
  );
  // The four links the store knows (it keeps the non-empty ones); a record with others is unusual.
  const links = paper.links;
  if (links === undefined) {
    out.push(undefined, undefined, undefined, undefined);
  } else {
    for (const key in links) {
      if (Object.hasOwn(links, key) && key !== 'abs' && key !== 'pdf' && key !== 'html' && key !== 'doi') throw UNUSUAL;
    }
    out.push(optionalText(links.abs), optionalText(links.pdf), optionalText(links.html), optionalText(links.doi));
  }
  const feed = paper.feed;
  if (feed === undefined) {
    out.push(0);
  } else {
    if (typeof feed.title !== 'string' || typeof feed.description !== 'string' || typeof feed.link !== 'string') throw UNUSUAL;
    const description = feed.description;
    const prefixLength = abstract === undefined ? -1 : description.length - abstract.length;
    // slice and ===, not endsWith: V8 compares the two as blocks of memory, where endsWith goes character by character.
    if (abstract !== undefined && abstract.length > 0 && prefixLength >= 0 && description.slice(prefixLength) === abstract) {
      out.push(2, feed.title, description.slice(0, prefixLength), feed.link);
    } else {
      out.push(1, feed.title, description, feed.link);
    }
  }
  const versions = paper.versions;
  if (versions === undefined) {
    out.push(0);
  } else {
    if (!Array.isArray(versions)) throw UNUSUAL;
    out.push(versions.length);
    for (let index = 0; index < versions.length; index += 1) {
      const entry = versions[index]!;
      if (typeof entry.version !== 'number') throw UNUSUAL;
      out.push(entry.version, optionalText(entry.submitted), optionalText(entry.size), optionalText(entry.sourceType));
    }
  }
  out.push(paper.source);
}

/**
 * Feed texts whose description is known to be this prefix followed by the record's abstract (they crossed so): the
 * store writes the prefix without comparing the two again (see rows.ts `preparePapers`).
 */
export const feedPrefixes = new WeakMap<object, string>();

/** The records `paperFields` flattened, as the store reads them. */
export function papersFromFields(values: readonly unknown[]): Paper[] {
  const papers: Paper[] = [];
  let at = 0;
  const text = () => values[at++] as string | undefined;
  while (at < values.length) {
    const id = values[at++] as string;
    const version = values[at++] as number | null;
    const title = text();
    const abstract = text();
    const truncated = values[at++] as boolean;
    const authorCount = values[at++] as number;
    const authors: Author[] = new Array(authorCount);
    for (let index = 0; index < authorCount; index += 1) {
      const name = values[at++] as string;
      const affiliations = values[at++] as string[] | undefined;
      authors[index] = affiliations === undefined ? { name } : { name, affiliations };
    }
    const paper = {
      id,
      version,
      title,
      authors,
      abstract,
      categories: values[at++],
      doi: text(),
      journalRef: text(),
      comments: text(),
      license: text(),
      reportNo: text(),
      submitter: text(),
      submitted: text(),
      updated: text(),
      announced: text(),
      announceType: text(),
      legacyFlags: values[at++],
      links: undefined,
      feed: undefined,
      versions: undefined,
      source: undefined,
    } as unknown as Record<string, unknown>;
    if (truncated) paper.abstractTruncated = true;
    const links: Record<string, string> = {};
    if (values[at] !== undefined) links.abs = values[at] as string;
    if (values[at + 1] !== undefined) links.pdf = values[at + 1] as string;
    if (values[at + 2] !== undefined) links.html = values[at + 2] as string;
    if (values[at + 3] !== undefined) links.doi = values[at + 3] as string;
    paper.links = links;
    at += 4;
    const feed = values[at++] as number;
    if (feed !== 0) {
      const feedTitle = values[at] as string;
      const prefix = values[at + 1] as string;
      const description = feed === 2 ? prefix + (abstract as string) : prefix;
      const feedText = { title: feedTitle, description, link: values[at + 2] as string };
      if (feed === 2) feedPrefixes.set(feedText, prefix);
      paper.feed = feedText;
      at += 3;
    }
    const versionCount = values[at++] as number;
    const entries: PaperVersion[] = new Array(versionCount);
    for (let index = 0; index < versionCount; index += 1) {
      const entry: PaperVersion = { version: values[at] as number };
      if (values[at + 1] !== undefined) entry.submitted = values[at + 1] as string;
      if (values[at + 2] !== undefined) entry.size = values[at + 2] as string;
      if (values[at + 3] !== undefined) entry.sourceType = values[at + 3] as string;
      entries[index] = entry;
      at += 4;
    }
    paper.versions = entries;
    paper.source = values[at++];
    papers.push(paper as unknown as Paper);
  }
  return papers;
}
