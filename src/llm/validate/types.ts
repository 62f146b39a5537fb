/** Types of the output quality gate: its input, its findings and their codes. */

/** The English source the texts were generated from. */
export interface GateInput {
  /** English title, without the old `(arXiv:… [cs.CL])` suffix. */
  title: string;
  /** English abstract as the model saw it (possibly cut short; see `GateOptions.abstractTruncated`). */
  abstract: string;
}

/** Options of one gate run. */
export interface GateOptions {
  /** Target language of the translated fields, BCP 47-ish: `zh`, `zh-TW`, `ja`, `ko`, `fr`, `de`, `es`, … */
  lang: string;
  /**
   * True when the source abstract was cut short (the original system kept 1,000 characters), so a translation may
   * stop mid-sentence.
   */
  abstractTruncated?: boolean;
}

/** The fields the gate reads: `GeneratedTexts` minus `lang`. `*` is the output as a whole. */
export type GateField = 'title' | 'tldr' | 'tldrEn' | 'abstract' | '*';

/** One code per check, so that callers and repair prompts can act on findings without reading messages. */
export type GateIssueCode =
  /** The output is not an object. */
  | 'not-an-object'
  /** A field is absent or not a string. */
  | 'field-missing'
  /** A field is an empty or blank string. */
  | 'field-empty'
  /**
   * A translated field is not in the target language (script share or stopword profile), or `tldrEn` is not English.
   */
  | 'wrong-language'
  /** A translated field holds a long untranslated English passage, though the rest is translated. */
  | 'untranslated-passage'
  /** A translated field is the English source copied back. */
  | 'source-echoed'
  /** The translated abstract stops part-way (short and ending mid-sentence). */
  | 'abstract-cut-short'
  /** The translated abstract is much shorter than a translation of the source would be (an abridged summary). */
  | 'abstract-too-short'
  /** The translated abstract is much longer than a translation of the source would be. */
  | 'abstract-too-long'
  /** A TL;DR is longer than the abstract, or is several sentences. */
  | 'tldr-too-long'
  /** The same phrase repeats over and over (a generation loop). */
  | 'repetition'
  /** Math segments of the source (`$…$`, `\(…\)`, `\[…\]`, `$$…$$`) are missing from the translation. */
  | 'latex-missing'
  /** A field opens math it never closes (an odd `$`, `$$`, `\(` without `\)`), which the source does not do. */
  | 'latex-unbalanced'
  /** A TL;DR states a number that the source title and abstract do not contain. */
  | 'number-unsupported'
  /** The model refused or apologised instead of answering. */
  | 'refusal'
  /** The output repeats the prompt, its labels or its JSON keys. */
  | 'prompt-echo'
  /** Placeholder text: TODO, lorem ipsum, an ellipsis, N/A. */
  | 'placeholder'
  /** The texts belong to another paper: the source's names, numbers and formulas are absent and others are present. */
  | 'source-mismatch';

/** One finding of the gate. */
export interface GateIssue {
  code: GateIssueCode;
  field: GateField;
  /** What is wrong, in one sentence, with the evidence (a ratio, a number, an excerpt). */
  message: string;
  /** `error` rejects the output; `warning` lets it be stored with a flag. */
  severity: 'error' | 'warning';
}

/** What the gate decided. */
export interface GateResult {
  /** True when no issue has severity `error`. */
  ok: boolean;
  issues: GateIssue[];
}
