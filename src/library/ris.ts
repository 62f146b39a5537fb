/** RIS importer (Research Information Systems tagged format: `TY  - JOUR` … `ER  - `), as Zotero, EndNote and Mendeley export it. */
import type { LibraryItem, LibraryParseResult, LibraryProblem } from '../core/library.js';
import { arxivIdFrom, collapse, isoDateFrom, normalizeDoi, personName, withoutBom, yearFrom } from './fields.js';

// The RIS tag line: two characters, two spaces, a hyphen, a space (exporters differ in the spaces, so any count is taken).
const TAG_LINE = /^([A-Z][A-Z0-9])\s{1,3}-(?:\s(.*))?$/;

/**
 * Parses RIS. Records run from `TY` to `ER`; `AU`/`A1` authors, `TI`/`T1` title, `AB`/`N2` abstract, `PY`/`Y1`/`DA`
 * date, `DO` DOI, `UR` links (arXiv ids are read from them), `Y2` access date (Zotero sets it when an item is saved:
 * the "added" date). A line without a tag continues the previous value. A record without `ER`, or without a title,
 * arXiv id or DOI, is reported with its `TY` line and skipped.
 */
export function parseRis(input: string, origin: string): LibraryParseResult {
  const lines = withoutBom(input).split(/\r\n|\r|\n/);
  const items: LibraryItem[] = [];
  const problems: LibraryProblem[] = [];
  let record: { line: number; tags: Array<[string, string]> } | undefined;
  let strayLine: number | undefined;

  const finish = (): void => {
    if (!record) return;
    const item = itemFromRecord(record.tags, `${origin}:${record.line}`);
    if (typeof item === 'string') problems.push({ line: record.line, message: item });
    else items.push(item);
    record = undefined;
  };

  lines.forEach((raw, index) => {
    const line = index + 1;
    const text = raw.replace(/\s+$/, '');
    if (text === '') return;
    const match = TAG_LINE.exec(text);
    if (!match) {
      const last = record?.tags[record.tags.length - 1];
      if (last) last[1] += ` ${text.trim()}`;
      else if (strayLine === undefined) strayLine = line;
      return;
    }
    const tag = match[1]!;
    const value = (match[2] ?? '').trim();
    if (tag === 'TY') {
      if (record) {
        problems.push({ line: record.line, message: `record has no "ER  - " before the next "TY" (line ${line}); skipped` });
        record = undefined;
      }
      record = { line, tags: [] };
      return;
    }
    if (!record) {
      if (strayLine === undefined) strayLine = line;
      return;
    }
    if (tag === 'ER') {
      finish();
      return;
    }
    record.tags.push([tag, value]);
  });
  if (record) problems.push({ line: record.line, message: 'record has no "ER  - " before the end of the file; skipped' });
  if (strayLine !== undefined) problems.push({ line: strayLine, message: 'text outside a "TY  - " … "ER  - " record; ignored' });
  problems.sort((a, b) => a.line - b.line);
  return { items, problems };
}

function itemFromRecord(tags: Array<[string, string]>, source: string): LibraryItem | string {
  const all = (...names: string[]): string[] =>
    tags
      .filter(([tag]) => names.includes(tag))
      .map(([, value]) => collapse(value))
      .filter(Boolean);
  const first = (...names: string[]): string | undefined => {
    for (const name of names) {
      const found = all(name)[0];
      if (found) return found;
    }
    return undefined;
  };
  const title = first('TI', 'T1', 'CT', 'BT') ?? '';
  const doiText = first('DO');
  const doi = normalizeDoi(doiText);
  const arxivId = [...all('UR', 'L1', 'L2', 'LK'), ...all('DO'), ...all('M1', 'M3', 'SN', 'N1', 'JO', 'T2', 'IS')].map(arxivIdFrom).find(Boolean);
  if (!title && !arxivId && !doi) return 'record has no title (TI/T1), arXiv id or DOI; skipped';
  const item: LibraryItem = { title, authors: all('AU', 'A1').map(personName).filter(Boolean), source };
  const abstract = first('AB', 'N2');
  if (abstract) item.abstract = abstract;
  if (arxivId) item.arxivId = arxivId;
  if (doi) item.doi = doi;
  const year = yearFrom(first('PY', 'Y1', 'DA'));
  if (year !== undefined) item.year = year;
  const added = isoDateFrom(first('Y2'));
  if (added) item.added = added;
  return item;
}
