/** Clean-up of arXiv metadata text shared by the API, OAI-PMH and Kaggle parsers: whitespace, dates, categories, DOIs. */
import { collapseWhitespace } from '../../core/whitespace.js';
import { toIsoTime } from './text.js';

const WHITESPACE = /\s+/;

/** Space-separated categories, primary first, duplicates dropped. */
export function splitCategories(text: string): string[] {
  const categories: string[] = [];
  const cleaned = collapseWhitespace(text);
  if (cleaned === '') return categories;
  for (const category of cleaned.split(' ')) {
    if (category && !categories.includes(category)) categories.push(category);
  }
  return categories;
}

/**
 * The first DOI of a DOI field. arXiv keeps every DOI a paper has in one field, separated by spaces (e.g. a paper and
 * its erratum: `10.1103/PhysRevC.76.024606 10.1103/PhysRevC.76.039902`); Paper has room for one, and the first is the
 * paper's own.
 */
export function firstDoi(text: string): string | undefined {
  const first = text.trim().split(WHITESPACE)[0];
  return first ? first : undefined;
}

const MONTHS: Record<string, string> = {
  Jan: '01',
  Feb: '02',
  Mar: '03',
  Apr: '04',
  May: '05',
  Jun: '06',
  Jul: '07',
  Aug: '08',
  Sep: '09',
  Oct: '10',
  Nov: '11',
  Dec: '12',
};
const RFC822_GMT = /^(?:[A-Z][a-z]{2}, )?(\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) ((?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d) GMT$/;

/** `Wed, 23 Jan 2008 21:06:41 GMT` (arXivRaw and Kaggle version dates) → ISO 8601 UTC, as `toIsoTime` gives it. */
export function rfc822ToIso(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  const match = RFC822_GMT.exec(trimmed);
  const month = match ? MONTHS[match[2]!] : undefined;
  if (match === null || month === undefined) return toIsoTime(trimmed);
  const day = match[1]!.length === 1 ? `0${match[1]}` : match[1]!;
  // A day past the month's end (31 Feb) goes through Date, which decides what it means; every other date is exact.
  if (Number(day) > 28 && Number(day) > monthLength(Number(month), Number(match[3]))) return toIsoTime(trimmed);
  return `${match[3]}-${month}-${day}T${match[4]}.000Z`;
}

function monthLength(month: number, year: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
