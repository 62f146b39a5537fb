/**
 * The static edition's tokenizer. It runs twice: in Node when `export-site` builds the index, and in the reader's
 * browser on the query, from the same source (`tokenizerSource` embeds this function's text in the client script), so
 * both sides always cut text the same way. CJK runs become overlapping character bigrams (模型 matches 大模型 and
 * 语言模型; a single-character run is kept as is), other letters and digits become lower-case words with diacritics
 * folded: the rules of the served search (core/search-text.ts), in one self-contained function, because its source is
 * what the browser runs. Deterministic everywhere: no dictionary, no Intl.Segmenter (whose ICU differs between Node
 * and browsers).
 */
export function staticTokens(text: string): string[] {
  const tokens: string[] = [];
  const pattern = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+|[\p{L}\p{M}\p{N}]+/gu;
  for (const match of text.normalize('NFKC').toLowerCase().matchAll(pattern)) {
    let run = match[0];
    if (/^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u.test(run)) {
      const characters = Array.from(run);
      if (characters.length === 1) tokens.push(run);
      for (let index = 0; index + 1 < characters.length; index += 1) tokens.push(characters[index]! + characters[index + 1]!);
      continue;
    }
    run = run.normalize('NFKD').replace(/\p{M}+/gu, '');
    if (run === '') continue;
    tokens.push(run);
  }
  return tokens;
}

/** The function's source, for the client script (compiled JavaScript: the type annotations are gone at run time). */
export function tokenizerSource(): string {
  return staticTokens.toString();
}
