/** Builds a native digest from stored papers and their texts: translated where texts are ok, marked untranslated otherwise. */
import type { Digest, DigestEntry } from '../core/digest.js';
import type { StoredPaper } from '../core/paper.js';
import { chooseTexts } from '../core/texts-choice.js';
import type { StoredTexts } from '../core/texts.js';

export interface BuildDigestOptions {
  name: string;
  papers: readonly StoredPaper[];
  texts: readonly StoredTexts[];
  lang: string;
  now?: Date;
}

/** Entries keep the order of `papers`. A paper without ok texts is kept, with the English text and its status. */
export function buildDigest(options: BuildDigestOptions): Digest {
  const entries: DigestEntry[] = options.papers.map((paper) => {
    const choice = chooseTexts(paper, options.texts, options.lang);
    const ok = choice.status === 'ok' && choice.texts;
    return {
      paperId: paper.id,
      version: paper.version,
      link: paper.links.abs,
      title: paper.title,
      abstract: paper.abstract,
      texts: ok
        ? {
            lang: options.lang,
            title: choice.texts!.title,
            tldr: choice.texts!.tldr,
            tldrEn: choice.texts!.tldrEn,
            abstract: choice.texts!.abstract,
            ...(choice.texts!.summary ? { summary: choice.texts!.summary } : {}),
          }
        : { lang: options.lang, title: '', tldr: '', tldrEn: '', abstract: '' },
      // The technical reason (an endpoint, an excerpt of a rejected answer) stays with the texts, for `runs show` and
      // `papers --json`; the digest only says that the texts are missing, and readers see `untranslatedNote(lang)`.
      textStatus: choice.status,
    };
  });
  return { name: options.name, style: 'native', lang: options.lang, createdAt: (options.now ?? new Date()).toISOString(), entries };
}
