/** Followed authors: matches names as arXiv prints them despite diacritics, initials, name order, hyphens and case. */
import type { Author } from '../core/paper.js';
import { XivdigestError } from '../core/errors.js';
import { foldCase } from './normalize.js';

/** One given name: its initial, and the full name's spellings when the name is not just an initial. */
export interface GivenName {
  initial: string;
  /** Folded spellings (`jurgen`, `juergen`), absent for an initial such as `J.`. */
  full?: readonly string[];
}

/** A personal name taken apart for matching. */
export interface ParsedName {
  /** Folded spellings of the family name without particles and spaces: `Del Maestro` → `maestro`, `Müller` → `muller`, `mueller`. */
  family: readonly string[];
  /** Folded spellings of the family name's last word (`maestro`; `muller`, `mueller`): every matching author name contains one. */
  tail: readonly string[];
  given: readonly GivenName[];
}

// Name particles that belong to the family name but are left out of its key (`van der Waals` ≈ `Waals`).
const PARTICLES = new Set([
  'van',
  'von',
  'der',
  'den',
  'de',
  'del',
  'della',
  'dei',
  'di',
  'da',
  'la',
  'le',
  'du',
  'dos',
  'das',
  'do',
  'ter',
  'ten',
  'vander',
  'vanden',
  'bin',
  'ibn',
  'al',
  'el',
]);
const SUFFIXES = new Set(['jr', 'sr', 'ii', 'iii', 'iv', 'phd']);
// German umlauts may be written out (Müller = Mueller); NFD alone gives Muller.
const UMLAUTS: Record<string, string> = { ä: 'ae', ö: 'oe', ü: 'ue' };

const ASCII_ONLY = /^[\x00-\x7f]*$/;

/** Folded and without anything but letters and digits. */
function bare(word: string): string {
  const folded = foldCase(word);
  return ASCII_ONLY.test(folded) ? folded.replace(/[^a-z0-9]+/g, '') : folded.replace(/[^\p{L}\p{N}]+/gu, '');
}

/** Folded spellings of one name word: always the diacritics-free form, plus the umlaut-expanded form when different. */
function spellings(word: string): string[] {
  const plain = bare(word);
  const lower = word.toLowerCase();
  if (!/[äöü]/.test(lower)) return [plain];
  return [plain, bare(lower.replace(/[äöü]/g, (letter) => UMLAUTS[letter] ?? letter))];
}

function isSuffix(word: string): boolean {
  return SUFFIXES.has(bare(word));
}

function parseGiven(text: string): GivenName[] {
  const given: GivenName[] = [];
  // Periods, hyphens and spaces separate given names: `J.R.R.`, `Jean-Pierre`, `J.-P.`.
  for (const piece of text.split(/[\s.\-‐‑]+/)) {
    if (!/[\p{L}\p{N}]/u.test(piece)) continue;
    // `JP` or `JRR` written without periods: initials, not a name (only when all capitals).
    if (/^\p{Lu}{2,3}$/u.test(piece) && piece.length <= 3) {
      for (const letter of piece) given.push({ initial: bare(letter) });
      continue;
    }
    const forms = spellings(piece);
    const first = forms[0] ?? '';
    if (first.length === 0) continue;
    if (first.length === 1) given.push({ initial: first });
    else given.push({ initial: first.charAt(0), full: forms });
  }
  return given;
}

function familyKeys(text: string): { keys: string[]; tail: string[] } {
  const words = text.split(/[\s\-‐‑]+/).filter((word) => /[\p{L}\p{N}]/u.test(word));
  const core = words.filter((word) => !PARTICLES.has(bare(word)));
  const kept = core.length > 0 ? core : words;
  const variants = new Set<string>();
  // Spellings of each word combine: `Müller-Schäfer` → muller schafer, mueller schaefer (and the mixes are not needed).
  const plain = kept.map((word) => spellings(word)[0] ?? '').join('');
  const expanded = kept.map((word) => spellings(word).at(-1) ?? '').join('');
  if (plain) variants.add(plain);
  if (expanded) variants.add(expanded);
  return { keys: [...variants], tail: spellings(kept.at(-1) ?? '').filter((spelling) => spelling !== '') };
}

/**
 * Takes a name apart: `Smith, John` and `John Smith` give the same result; `J.R.R. Tolkien` has three initials;
 * `Adrian Del Maestro` has the family name `maestro`; suffixes (`Jr.`, `III`) and parenthesised affiliations are dropped.
 */
export function parseAuthorName(name: string): ParsedName {
  const cleaned = name
    .replace(/\([^)]*\)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (cleaned.includes('_') && !cleaned.includes(' ')) {
    // arXiv's search form: `Bengio_Y`, `del_maestro`, `Del_Maestro_A`: family name parts, then initials.
    const parts = cleaned.split('_').filter((part) => part !== '');
    let split = parts.length;
    while (split > 1 && /^\p{L}{1,2}$/u.test(parts[split - 1] ?? '') && !PARTICLES.has(bare(parts[split - 1] ?? ''))) split -= 1;
    const initials = parts.slice(split).join('');
    const { keys, tail } = familyKeys(parts.slice(0, split).join(' '));
    return { family: keys, tail, given: [...initials].map((letter) => ({ initial: bare(letter) })) };
  }
  if (cleaned.includes(',')) {
    const [familyPart = '', ...rest] = cleaned.split(',').map((part) => part.trim());
    const givenText = rest.filter((part) => part !== '' && !isSuffix(part)).join(' ');
    // `Beethoven, Ludwig van`: the particle sits after the given name.
    const givenWords = givenText.split(' ').filter((word) => word !== '');
    while (givenWords.length > 1 && PARTICLES.has(bare(givenWords.at(-1) ?? ''))) givenWords.pop();
    const { keys, tail } = familyKeys(familyPart);
    return { family: keys, tail, given: parseGiven(givenWords.join(' ')) };
  }
  const words = cleaned.split(' ').filter((word) => word !== '');
  while (words.length > 1 && isSuffix(words.at(-1) ?? '')) words.pop();
  let start = words.length - 1;
  // Particles before the last word belong to the family name, but the first word is always a given name (`Da Wang`).
  while (start > 1 && PARTICLES.has(bare(words[start - 1] ?? ''))) start -= 1;
  const { keys: family, tail } = familyKeys(words.slice(start).join(' '));
  if (start >= 2 && bare(words[start - 1] ?? '').length > 1) {
    // `Anne Smith Jones` may be Anne Smith-Jones: the word before the family name may belong to it.
    for (const key of familyKeys(words.slice(start - 1).join(' ')).keys) if (!family.includes(key)) family.push(key);
  }
  return { family, tail, given: parseGiven(words.slice(0, start).join(' ')) };
}

function sameGiven(a: GivenName, b: GivenName): boolean {
  if (a.initial !== b.initial) return false;
  if (!a.full || !b.full) return true;
  return a.full.some((spelling) => b.full?.includes(spelling));
}

function joinedGiven(given: readonly GivenName[]): string | undefined {
  if (given.some((part) => !part.full)) return undefined;
  return given.map((part) => part.full?.[0] ?? '').join('');
}

/**
 * Whether the given names of a followed name fit an author's: position by position as far as both go, an initial fitting
 * any name that starts with it (`J. R.` ≈ `John Ronald Reuel`). A followed name with no given name fits every author of
 * that family; an author with no given name fits only such a followed name. `Xiao-Ming` ≈ `Xiaoming`.
 */
export function givenNamesFit(followed: readonly GivenName[], author: readonly GivenName[]): boolean {
  if (followed.length === 0) return true;
  if (author.length === 0) return false;
  const joinedFollowed = joinedGiven(followed);
  if (joinedFollowed !== undefined && joinedFollowed === joinedGiven(author)) return true;
  const shared = Math.min(followed.length, author.length);
  for (let index = 0; index < shared; index += 1) {
    const left = followed[index];
    const right = author[index];
    if (!left || !right || !sameGiven(left, right)) return false;
  }
  return true;
}

/** A paper's authors, parsed only when a followed name could fit them. */
export interface AuthorsView {
  readonly count: number;
  /** The name folded and without spaces or punctuation (`adriandelmaestro`), plus its umlaut-expanded form when it differs. */
  compact(index: number): readonly string[];
  parsed(index: number): ParsedName;
}

/** Wraps author names; each is folded and parsed at most once, on first use. */
export function createAuthorsView(authors: readonly Author[]): AuthorsView {
  const compacts: (readonly string[] | undefined)[] = new Array(authors.length);
  const parsed: (ParsedName | undefined)[] = new Array(authors.length);
  return {
    count: authors.length,
    compact(index) {
      return (compacts[index] ??= spellings(authors[index]?.name ?? ''));
    },
    parsed(index) {
      return (parsed[index] ??= parseAuthorName(authors[index]?.name ?? ''));
    },
  };
}

/** Followed names compiled for matching against a paper's authors. */
export interface AuthorPatterns {
  /** The followed names (as configured) that fit any of the authors, in the configured order. */
  match(authors: AuthorsView): string[];
}

/** Compiles followed names; throws `CONFIG_INVALID` for a name without letters. */
export function compileAuthorPatterns(followed: readonly string[]): AuthorPatterns {
  const byFamily = new Map<string, { name: string; index: number; given: readonly GivenName[] }[]>();
  const tails = new Set<string>();
  followed.forEach((name, index) => {
    const parsed = parseAuthorName(name);
    if (parsed.family.length === 0) {
      throw new XivdigestError({
        code: 'CONFIG_INVALID',
        message: `followed author ${JSON.stringify(name)} has no name in it`,
        hint: 'Write a name such as "Yoshua Bengio", "Bengio, Yoshua" or "Y. Bengio".',
        details: { author: name, index },
      });
    }
    for (const key of parsed.family) {
      const list = byFamily.get(key) ?? [];
      list.push({ name, index, given: parsed.given });
      byFamily.set(key, list);
    }
    for (const tail of parsed.tail) tails.add(tail);
  });
  const tailList = [...tails];
  return {
    match(authors) {
      if (byFamily.size === 0) return [];
      const hits = new Set<number>();
      for (let position = 0; position < authors.count; position += 1) {
        // Most authors share no family name with anyone followed: a substring test skips parsing them.
        const compact = authors.compact(position);
        if (!tailList.some((tail) => compact.some((form) => form.includes(tail)))) continue;
        for (const key of authors.parsed(position).family) {
          for (const candidate of byFamily.get(key) ?? []) {
            if (!hits.has(candidate.index) && givenNamesFit(candidate.given, authors.parsed(position).given)) hits.add(candidate.index);
          }
        }
      }
      return [...hits].sort((a, b) => a - b).map((index) => followed[index] ?? '');
    },
  };
}

/**
 * A matcher for followed authors: given a paper's authors, the followed names (as configured) that wrote it.
 * `J. Smith` matches `John Smith` and `Smith, J.` but not `Jane Smithson`; `John Smith` does not match `Jane Smith`.
 */
export function createAuthorMatcher(followed: readonly string[]): (authors: readonly Author[]) => string[] {
  const patterns = compileAuthorPatterns(followed);
  return (authors) => patterns.match(createAuthorsView(authors));
}
