/** English text to index terms for lexical ranking: tokens, stop words, a light (Porter step 1) stemmer. */

// English function words plus the boilerplate of abstracts ("we propose a novel method"), which says nothing about the topic.
const STOP_WORDS = new Set(
  `a about above after again against all also although am among an and any are as at be because been before being below
  between both but by can could did do does doing down during each either et etc few for from further had has have having
  he her here hers herself him himself his how however i if in into is it its itself just let may me might more most much
  must my myself neither no nor not now of off on once only or other our ours ourselves out over own per same she should
  since so some such than that the their theirs them themselves then there therefore these they this those through thus
  to too under until up upon us very via was we were what when where whether which while who whom whose why will with
  within without would yet you your yours yourself yourselves
  paper papers propose proposes proposed present presents presented show shows shown showing demonstrate demonstrates
  demonstrated novel new approach approaches method methods result results work works study studies based using use used
  uses existing furthermore moreover well first second third one two three several various many further recent recently
  provide provides provided introduce introduces introduced achieve achieves achieved effective effectively significant
  significantly outperform outperforms state art extensive experiments experimental code available github com https http
  www org abs arxiv`.split(/\s+/),
);

/** Lower-cases, strips accents, splits on anything but letters and digits; drops stop words, one-letter tokens and pure numbers. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const flat = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
  for (const match of flat.matchAll(/[a-z0-9]+/g)) {
    const token = match[0];
    if (token.length < 2 || STOP_WORDS.has(token) || /^\d+$/.test(token)) continue;
    tokens.push(token);
  }
  return tokens;
}

/** Tokens and their stems: `[stem, surface]` pairs, so that reasons can show a readable word for a stem. */
export function terms(text: string): Array<[string, string]> {
  return tokenize(text).map((token) => [stem(token), token]);
}

const VOWEL = /[aeiouy]/;

/**
 * Porter's step 1 (plurals, -ed, -ing, final -y; M. F. Porter, "An algorithm for suffix stripping", 1980): enough to
 * join "transformers"/"transformer" and "attention"/"attentions" without the over-stemming of the full algorithm.
 */
export function stem(word: string): string {
  if (word.length <= 3 || /\d/.test(word)) return word;
  let w = word;
  // Step 1a.
  if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('ies')) w = w.slice(0, -2);
  else if (w.endsWith('ss') || w.endsWith('us') || w.endsWith('is')) {
    // "loss", "corpus", "analysis" keep their s.
  } else if (w.endsWith('s')) w = w.slice(0, -1);
  // Step 1b.
  let stripped = false;
  if (w.endsWith('eed')) {
    if (measure(w.slice(0, -3)) > 0) w = w.slice(0, -1);
  } else if (w.endsWith('ed') && VOWEL.test(w.slice(0, -2))) {
    w = w.slice(0, -2);
    stripped = true;
  } else if (w.endsWith('ing') && VOWEL.test(w.slice(0, -3)) && w.length > 5) {
    w = w.slice(0, -3);
    stripped = true;
  }
  if (stripped) {
    if (w.endsWith('at') || w.endsWith('bl') || w.endsWith('iz')) w += 'e';
    else if (/([^aeiouylsz])\1$/.test(w)) w = w.slice(0, -1);
    else if (measure(w) === 1 && /[^aeiou][aeiouy][^aeiouwxy]$/.test(w)) w += 'e';
  }
  // Step 1c.
  if (w.endsWith('y') && VOWEL.test(w.slice(0, -1))) w = `${w.slice(0, -1)}i`;
  return w;
}

/** Porter's m: the number of vowel-consonant sequences. */
function measure(word: string): number {
  const form = word
    .replace(/[^aeiou]/g, 'C')
    .replace(/[aeiou]/g, 'V')
    .replace(/C+/g, 'C')
    .replace(/V+/g, 'V');
  return (form.match(/VC/g) ?? []).length;
}
