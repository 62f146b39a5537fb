/** Zotero RDF importer: the "Zotero RDF" export (File → Export Library…), an RDF/XML file of items, notes and attachments. */
import { XivdigestError } from '../core/errors.js';
import type { LibraryItem, LibraryParseResult, LibraryProblem } from '../core/library.js';
import { createXmlReader } from '../sources/shared/xml-reader.js';
import { arxivIdFrom, collapse, isoDateFrom, joinName, normalizeDoi, withoutBom, yearFrom } from './fields.js';

// Namespaces of the Zotero RDF translator (zotero/translators, "Zotero RDF.js").
const RDF = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';
const Z = 'http://www.zotero.org/namespaces/export#';
const DC = 'http://purl.org/dc/elements/1.1/';
const DCTERMS = 'http://purl.org/dc/terms/';
const BIB = 'http://purl.org/net/biblio#';
const FOAF = 'http://xmlns.com/foaf/0.1/';
const PRISM = 'http://prismstandard.org/namespaces/1.2/basic/';

// Item types that are not papers: Zotero exports notes and attachments as resources of their own.
const SKIPPED_TYPES = new Set(['attachment', 'note', 'annotation']);

interface Resource {
  line: number;
  itemType?: string;
  title?: string;
  abstract?: string;
  date?: string;
  dateAdded?: string;
  dateSubmitted?: string;
  identifiers: string[];
  extra: string[];
  authors: string[];
}

/**
 * Parses a Zotero RDF export. Every top-level resource with a `z:itemType` other than attachment or note is an item:
 * `dc:title`, `dcterms:abstract`, `bib:authors` (`foaf:surname` + `foaf:givenName`/`givenname`), `dc:date`, DOIs
 * (`dc:identifier` "DOI …", also on the journal), URLs (`dcterms:URI`), `prism:number` and `dc:description` (Zotero's
 * Extra, where `arXiv: …` lives). The added date is `z:dateAdded` when present, else `dcterms:dateSubmitted` (the
 * access date, which the Zotero connector sets when it saves a paper). Malformed XML ends the import with one problem
 * at its line; the items before it are kept.
 */
export function parseZoteroRdf(input: string, origin: string): LibraryParseResult {
  const items: LibraryItem[] = [];
  const problems: LibraryProblem[] = [];
  // Element path below the root; [ns, local] pairs.
  const path: Array<[string, string]> = [];
  let current: Resource | undefined;
  let text = '';
  let person: { surname?: string; given?: string } | undefined;
  let line = 1;

  const reader = createXmlReader(
    {
      onOpen(ns, local) {
        path.push([ns, local]);
        text = '';
        if (path.length === 2) current = { line, identifiers: [], extra: [], authors: [] };
        else if (current && ns === FOAF && local === 'Person' && inside(BIB, 'authors')) person = {};
      },
      onText(chunk) {
        text += chunk;
      },
      onClose(ns, local) {
        const value = collapse(text);
        text = '';
        if (current && path.length === 3) {
          if (ns === Z && local === 'itemType') current.itemType = value;
          else if (ns === DC && local === 'title') current.title = value;
          else if (ns === DCTERMS && local === 'abstract') current.abstract = value;
          else if (ns === DC && local === 'date') current.date = value;
          else if (ns === Z && local === 'dateAdded') current.dateAdded = value;
          else if (ns === DCTERMS && local === 'dateSubmitted') current.dateSubmitted = value;
          else if (ns === PRISM && local === 'number') current.identifiers.push(value);
          else if (ns === DC && local === 'description') current.extra.push(value);
        }
        if (current && value && ns === DC && local === 'identifier') current.identifiers.push(value);
        if (current && value && ns === RDF && local === 'value' && inside(DCTERMS, 'URI')) current.identifiers.push(value);
        if (person && ns === FOAF && (local === 'surname' || local === 'lastName')) person.surname = value;
        if (person && ns === FOAF && (local === 'givenName' || local === 'givenname' || local === 'firstName')) person.given = value;
        if (person && current && ns === FOAF && local === 'Person') {
          const name = joinName(person.given, person.surname);
          if (name) current.authors.push(name);
          person = undefined;
        }
        if (current && path.length === 2) {
          const resource = current;
          current = undefined;
          if (resource.itemType && !SKIPPED_TYPES.has(resource.itemType)) {
            const item = itemFromResource(resource, `${origin}:${resource.line}`);
            if (typeof item === 'string') problems.push({ line: resource.line, message: item });
            else items.push(item);
          }
        }
        path.pop();
      },
    },
    { origin },
  );

  function inside(ns: string, local: string): boolean {
    return path.some(([elementNs, elementLocal]) => elementNs === ns && elementLocal === local);
  }

  const lines = withoutBom(input).split(/(?<=\n)/);
  try {
    for (const piece of lines) {
      reader.write(piece);
      line += 1;
    }
    reader.end();
  } catch (error) {
    if (!XivdigestError.isInstance(error)) throw error;
    const at = typeof error.details.line === 'number' ? error.details.line : line;
    problems.push({ line: at, message: `malformed XML, import stopped here: ${error.message}` });
  }
  return { items, problems };
}

function itemFromResource(resource: Resource, source: string): LibraryItem | string {
  const doi = resource.identifiers.map((value) => (/^DOI\s+/i.test(value) ? normalizeDoi(value) : undefined)).find(Boolean);
  const arxivId = [...resource.identifiers, ...resource.extra].map(arxivIdFrom).find(Boolean);
  const title = resource.title ?? '';
  if (!title && !arxivId && !doi) return `${resource.itemType} item has no title, arXiv id or DOI; skipped`;
  const item: LibraryItem = { title, authors: resource.authors, source };
  if (resource.abstract) item.abstract = resource.abstract;
  if (arxivId) item.arxivId = arxivId;
  if (doi) item.doi = doi;
  const year = yearFrom(resource.date);
  if (year !== undefined) item.year = year;
  const added = isoDateFrom(resource.dateAdded) ?? isoDateFrom(resource.dateSubmitted);
  if (added) item.added = added;
  return item;
}
