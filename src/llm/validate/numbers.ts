/** Numbers in text for the quality gate: Arabic digits with separators, Chinese numerals, English number words. */

/** One number as written, with the values it may stand for (`7B` is both 7 and 7,000,000,000). */
export interface NumberMention {
  /** The number as written, e.g. `10,000`, `3.5%`, `十万`, `7B`. */
  text: string;
  /** Candidate values, canonical (see `canonical`). */
  values: string[];
}

/** A value as a canonical string, rounded to 12 significant digits so that 0.1 + 0.2 style noise disappears. */
export function canonical(value: number): string {
  return String(Number(value.toPrecision(12)));
}

const MULTIPLIERS = new Map<string, number>(
  Object.entries({
    k: 1e3,
    thousand: 1e3,
    m: 1e6,
    million: 1e6,
    b: 1e9,
    bn: 1e9,
    billion: 1e9,
    t: 1e12,
    trillion: 1e12,
    百: 1e2,
    千: 1e3,
    万: 1e4,
    十万: 1e5,
    百万: 1e6,
    千万: 1e7,
    亿: 1e8,
    十亿: 1e9,
    百亿: 1e10,
    千亿: 1e11,
    万亿: 1e12,
  }),
);

/**
 * Arabic numbers: digits with separators (`10,000`, `3.5`, `4,1`, `12 000`), then an optional multiplier (`10k`,
 * `1.5M`, `7B`, `3 million`, `1.5万`). Whether a comma or a dot groups thousands or marks decimals depends on the
 * language, so every reading that fits is kept (`12.000` is 12 or 12,000); digits that fit no reading (`1,2,3`,
 * `1.5.3`) are separate numbers.
 */
const ARABIC = /\d+(?:[,.\u00a0\u202f ]\d+)*(?:\s?(thousand|million|billion|trillion|bn|[kKMBT](?![a-zA-Z])|十亿|百亿|千亿|万亿|十万|百万|千万|[百千万亿]))?/g;

/** The readings of a run of digits and separators, or an empty list when none fits. */
function readings(digits: string): number[] {
  const parts = digits.split(/[,.\u00a0\u202f ]/);
  const separators = digits.match(/[,.\u00a0\u202f ]/g) ?? [];
  if (separators.length === 0) return [Number(digits)];
  const found: number[] = [];
  // Thousands separator `group`, decimal mark `decimal`: English 10,000.5; continental 10.000,5 or 10 000,5.
  for (const [groups, decimal] of [
    [',', '.'],
    ['. \u00a0\u202f', ','],
  ] as const) {
    const last = separators[separators.length - 1] ?? '';
    const hasFraction = last === decimal;
    const groupSeparators = hasFraction ? separators.slice(0, -1) : separators;
    const groupParts = hasFraction ? parts.slice(0, -1) : parts;
    if (!groupSeparators.every((separator) => groups.includes(separator) && separator === groupSeparators[0])) continue;
    if (groupSeparators.length > 0 && !((groupParts[0]?.length ?? 0) <= 3 && groupParts.slice(1).every((part) => part.length === 3))) continue;
    const whole = groupParts.join('');
    found.push(Number(hasFraction ? `${whole}.${parts[parts.length - 1]}` : whole));
  }
  return found;
}

/** Arabic numbers of a text, with multiplied values. Full-width digits are folded first (NFKC). */
export function arabicNumbers(text: string): NumberMention[] {
  const mentions: NumberMention[] = [];
  for (const match of text.normalize('NFKC').matchAll(ARABIC)) {
    const suffix = match[1];
    const digits = suffix ? match[0].slice(0, match[0].length - suffix.length).trimEnd() : match[0];
    const read = readings(digits);
    if (read.length === 0) {
      // No reading fits: the digits are several numbers (a list, a version), each stated on its own.
      for (const part of digits.split(/[,.\u00a0\u202f ]/)) mentions.push({ text: part, values: [canonical(Number(part))] });
      continue;
    }
    const multiplier = suffix ? (MULTIPLIERS.get(suffix.toLowerCase()) ?? MULTIPLIERS.get(suffix)) : undefined;
    const values = read.map(canonical);
    if (multiplier) values.push(...read.map((value) => canonical(value * multiplier)));
    mentions.push({ text: match[0], values: [...new Set(values)] });
  }
  return mentions;
}

const CHINESE_DIGITS: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
const CHINESE_UNITS: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };
const CHINESE_BIG_UNITS: Record<string, number> = { 万: 1e4, 亿: 1e8 };

/** Parses a run of Chinese numerals (`三十五`, `十万`, `两千`, `一亿五千万`); undefined when it is not a number. */
export function parseChineseNumeral(run: string): number | undefined {
  let total = 0;
  let section = 0;
  let digit: number | undefined;
  for (const char of run) {
    if (char in CHINESE_DIGITS) {
      digit = CHINESE_DIGITS[char];
    } else if (char in CHINESE_UNITS) {
      section += (digit ?? 1) * (CHINESE_UNITS[char] ?? 0);
      digit = undefined;
    } else if (char in CHINESE_BIG_UNITS) {
      const big = CHINESE_BIG_UNITS[char] ?? 0;
      const value = section + (digit ?? 0) || 1;
      // 一亿五千万: 亿 multiplies everything so far, 万 only the section since the last 亿.
      total = big === 1e8 ? (total + value) * big : total + value * big;
      section = 0;
      digit = undefined;
    } else {
      return undefined;
    }
  }
  return total + section + (digit ?? 0);
}

/**
 * Classifiers after which a lone Chinese numeral is a count (`三个`, `两种`, `五倍`). Without one, numerals are words:
 * 一种 (a kind of), 统一 (unified), 十分 (very), 二次 (quadratic), 三角 (triangle), 千万 (by all means).
 */
const CLASSIFIER = /^(?:个|种|项|类|倍|层|篇|组|位|名|轮|款|套|份|阶段|大类|方面|部分|步)/;

/** Numeral words that are not quantities: 二项 (binomial), 二元 (binary), 三元组 (triple), 一体 (integrated). */
const NOT_QUANTITY = /^(?:二项|二元|二值|二次|二阶|三元|三角|四元|两者|两端)/;

/** Chinese numerals that are clearly numbers: runs with a unit (`三十`, `十万`, `两千`) or a numeral before a classifier. */
export function chineseNumbers(text: string): NumberMention[] {
  const mentions: NumberMention[] = [];
  for (const match of text.matchAll(/(百分之)?([零〇一二两三四五六七八九十百千万亿]+)/g)) {
    const run = match[2] ?? '';
    const start = match.index ?? 0;
    const at = start + match[0].length;
    const previous = text[start - 1] ?? '';
    // 1.5万 is read by arabicNumbers; 数十/几百 are vague amounts; a run that starts with 百/千/万/亿 continues an
    // Arabic number (`26 亿`) or is a word (万物, 千万不要).
    if (/[\d.数几多]/.test(previous) || (!match[1] && /^[百千万亿]/.test(run))) continue;
    if (NOT_QUANTITY.test(text.slice(start + (match[1]?.length ?? 0), start + (match[1]?.length ?? 0) + 2))) continue;
    const hasUnit = /[十百千万亿]/.test(run);
    const counted = CLASSIFIER.test(text.slice(at, at + 2));
    if (/^一+$/.test(run)) continue;
    if (!match[1] && !(hasUnit && run.length >= 2) && !counted) continue;
    const value = parseChineseNumeral(run);
    if (value === undefined) continue;
    mentions.push({ text: match[0], values: [canonical(value)] });
  }
  return mentions;
}

/** English cardinals: what a TL;DR states as a quantity. */
const ENGLISH_CARDINALS = new Map<string, number[]>(
  Object.entries({
    two: [2],
    three: [3],
    four: [4],
    five: [5],
    six: [6],
    seven: [7],
    eight: [8],
    nine: [9],
    ten: [10],
    eleven: [11],
    twelve: [12],
    thirteen: [13],
    fourteen: [14],
    fifteen: [15],
    sixteen: [16],
    seventeen: [17],
    eighteen: [18],
    nineteen: [19],
    twenty: [20],
    thirty: [30],
    forty: [40],
    fifty: [50],
    sixty: [60],
    seventy: [70],
    eighty: [80],
    ninety: [90],
    hundreds: [100],
    thousands: [1e3],
    millions: [1e6],
    billions: [1e9],
  }),
);

/**
 * Every English word a source may express a number with: the cardinals, and words a summary turns into digits
 * (both → 2, twice → 2, first → 1, dozens → 10/12, half → 50 %). A TL;DR's own `one`, `first`, `both` or `zero-shot`
 * state no quantity, so only cardinals are read there.
 */
const ENGLISH_NUMBER_WORDS = new Map<string, number[]>([
  ...ENGLISH_CARDINALS,
  ...Object.entries({
    zero: [0],
    one: [1],
    single: [1],
    first: [1],
    once: [1],
    both: [2],
    pair: [2],
    pairs: [2],
    dual: [2],
    twice: [2],
    double: [2],
    second: [2],
    twofold: [2],
    third: [3],
    triple: [3],
    threefold: [3],
    fourth: [4],
    fourfold: [4],
    quadruple: [4],
    fifth: [5],
    sixth: [6],
    seventh: [7],
    eighth: [8],
    ninth: [9],
    tenth: [10],
    tenfold: [10],
    tens: [10],
    dozen: [12],
    dozens: [10, 12],
    hundred: [100],
    thousand: [1e3],
    million: [1e6],
    billion: [1e9],
    trillion: [1e12],
    half: [0.5, 50],
    quarter: [0.25, 25],
    // Roman numerals as names use them: Red Dead Redemption II, Llama III, phase IV.
    II: [2],
    III: [3],
    IV: [4],
    VI: [6],
    VII: [7],
    VIII: [8],
    IX: [9],
    XI: [11],
    XII: [12],
  }),
]);

function wordPattern(words: Map<string, number[]>, flags: string): RegExp {
  return new RegExp(`\\b(?:${[...words.keys()].join('|')})\\b`, flags);
}

const CARDINAL_WORD = wordPattern(ENGLISH_CARDINALS, 'gi');
const SOURCE_NUMBER_WORD = wordPattern(ENGLISH_NUMBER_WORDS, 'g');

function wordMentions(text: string, pattern: RegExp, words: Map<string, number[]>): NumberMention[] {
  const mentions: NumberMention[] = [];
  for (const match of text.matchAll(pattern)) {
    // Roman numerals only in capitals; words in any case.
    const values = words.get(match[0]) ?? (/^[IVX]+$/i.test(match[0]) ? undefined : words.get(match[0].toLowerCase()));
    if (values) mentions.push({ text: match[0], values: values.map(canonical) });
  }
  return mentions;
}

/** List markers (`1）`, `(2)`, `（3）`): they number items, they state nothing. arXiv ids are identifiers. */
const NOT_CLAIMS = /(^|[\s:：;；，,。、(（])[（(]?\d{1,2}[)）](?!\d)|\barXiv[:：]\s*\d{4}\.\d{4,5}(?:v\d+)?(?:\s*\[[^\]]*\])?/gi;

/** Counts of listed things (两种方法：A 和 B; three algorithms: A, B and C) that summaries make up by counting. */
const SMALL_COUNT_WORD = /^(?:两|二|三|two|three)$/i;

/**
 * The numbers a TL;DR states: Arabic (with multipliers), Chinese numerals that are quantities, English cardinals.
 * Small counts in words (两种, three) are left out: a summary counts the items a source lists without naming the
 * number, and such a count is rarely wrong in a way that matters.
 */
export function claimedNumbers(text: string): NumberMention[] {
  const claims = text.replace(NOT_CLAIMS, '$1 ');
  return [
    ...arabicNumbers(claims),
    ...chineseNumbers(claims).filter((mention) => !SMALL_COUNT_WORD.test(mention.text)),
    ...wordMentions(claims, CARDINAL_WORD, ENGLISH_CARDINALS).filter((mention) => !SMALL_COUNT_WORD.test(mention.text)),
  ];
}

/** What a source supports, prepared once per gate run. */
export interface NumberSupport {
  /** Canonical values, each also ×100 and ÷100 (0.95 ↔ 95 %). */
  values: Set<string>;
  /** The source's numbers as written (without the ×100/÷100 variants), for rounding and differences. */
  numbers: number[];
}

/** The values a text supports: its numbers in every form, number words, Roman numerals. */
export function numberSupport(text: string): NumberSupport {
  const values = new Set<string>();
  const numbers: number[] = [];
  const mentions = [...arabicNumbers(text), ...chineseNumbers(text), ...wordMentions(text, SOURCE_NUMBER_WORD, ENGLISH_NUMBER_WORDS)];
  for (const mention of mentions) {
    for (const value of mention.values) {
      const number = Number(value);
      numbers.push(number);
      values.add(value);
      values.add(canonical(number * 100));
      values.add(canonical(number / 100));
    }
  }
  return { values, numbers: [...new Set(numbers)] };
}

/** Digits after the decimal mark of a value (`64.7` → 1). */
function decimalsOf(value: string): number {
  return value.split('.')[1]?.length ?? 0;
}

/** Keeps `digits` significant digits of a positive number, by truncation or by rounding. */
function toSignificant(value: number, digits: number): number[] {
  const scale = 10 ** (Math.floor(Math.log10(value)) - digits + 1);
  return [Math.floor(value / scale) * scale, Math.round(value / scale) * scale].map((found) => Number(found.toPrecision(12)));
}

/**
 * Is a stated number supported by the source? It is when the source has the value in any form, or when it is a
 * rounding of a source number (64.69 → 64.7 or 65; 5,594 → "over 5,000"), or the difference of two source numbers
 * (54.8 % → 61.8 % stated as "7 % better"), each to the precision the number is written with.
 */
export function isSupported(mention: NumberMention, support: NumberSupport): boolean {
  if (mention.values.some((value) => support.values.has(value))) return true;
  for (const written of mention.values) {
    const value = Number(written);
    const decimals = decimalsOf(written);
    const sameAtPrecision = (a: number, b: number): boolean => Math.abs(a - b) < 0.5 * 10 ** -decimals + 1e-9;
    if (support.numbers.some((number) => Number(number.toFixed(decimals)) === value)) return true;
    // A round number (5,000; 30) may truncate a precise one, at the same order of magnitude.
    const significant = String(value).replace(/0+$/, '').replace('.', '').length;
    if (value >= 10 && Number.isInteger(value) && value % 10 === 0) {
      for (const number of support.numbers) {
        if (number >= value && number < value * 2 && toSignificant(number, significant).includes(value)) return true;
      }
    }
    for (let first = 0; first < support.numbers.length; first++) {
      for (let second = first + 1; second < support.numbers.length; second++) {
        const a = support.numbers[first] ?? 0;
        const b = support.numbers[second] ?? 0;
        if (a !== b && sameAtPrecision(Math.abs(a - b), value)) return true;
      }
    }
  }
  return false;
}
