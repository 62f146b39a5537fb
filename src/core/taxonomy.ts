/** arXiv's category taxonomy (https://arxiv.org/category_taxonomy): the archives and the categories rss.arxiv.org serves. */
import { closestName } from './config/issues.js';
import { XivdigestError } from './errors.js';

/**
 * Subject classes of each archive; an empty list means the archive is itself the category (`hep-th`, `quant-ph`).
 * The codes stay packed as arXiv lists them (prettier-ignore), not one per line.
 */
// prettier-ignore
export const ARXIV_TAXONOMY: Readonly<Record<string, readonly string[]>> = {
  'astro-ph': ['CO', 'EP', 'GA', 'HE', 'IM', 'SR'],
  'cond-mat': ['dis-nn', 'mes-hall', 'mtrl-sci', 'other', 'quant-gas', 'soft', 'stat-mech', 'str-el', 'supr-con'],
  cs: [
    'AI', 'AR', 'CC', 'CE', 'CG', 'CL', 'CR', 'CV', 'CY', 'DB', 'DC', 'DL', 'DM', 'DS', 'ET', 'FL', 'GL', 'GR', 'GT', 'HC',
    'IR', 'IT', 'LG', 'LO', 'MA', 'MM', 'MS', 'NA', 'NE', 'NI', 'OH', 'OS', 'PF', 'PL', 'RO', 'SC', 'SD', 'SE', 'SI', 'SY',
  ],
  econ: ['EM', 'GN', 'TH'],
  eess: ['AS', 'IV', 'SP', 'SY'],
  'gr-qc': [],
  'hep-ex': [],
  'hep-lat': [],
  'hep-ph': [],
  'hep-th': [],
  math: [
    'AC', 'AG', 'AP', 'AT', 'CA', 'CO', 'CT', 'CV', 'DG', 'DS', 'FA', 'GM', 'GN', 'GR', 'GT', 'HO', 'IT', 'KT', 'LO', 'MG',
    'MP', 'NA', 'NT', 'OA', 'OC', 'PR', 'QA', 'RA', 'RT', 'SG', 'SP', 'ST',
  ],
  'math-ph': [],
  nlin: ['AO', 'CD', 'CG', 'PS', 'SI'],
  'nucl-ex': [],
  'nucl-th': [],
  physics: [
    'acc-ph', 'ao-ph', 'app-ph', 'atm-clus', 'atom-ph', 'bio-ph', 'chem-ph', 'class-ph', 'comp-ph', 'data-an', 'ed-ph',
    'flu-dyn', 'gen-ph', 'geo-ph', 'hist-ph', 'ins-det', 'med-ph', 'optics', 'plasm-ph', 'pop-ph', 'soc-ph', 'space-ph',
  ],
  'q-bio': ['BM', 'CB', 'GN', 'MN', 'NC', 'OT', 'PE', 'QM', 'SC', 'TO'],
  'q-fin': ['CP', 'EC', 'GN', 'MF', 'PM', 'PR', 'RM', 'ST', 'TR'],
  'quant-ph': [],
  stat: ['AP', 'CO', 'ME', 'ML', 'OT', 'TH'],
};

/** Every valid name: each archive (`cs`, `astro-ph`) and each category (`cs.CL`, `cond-mat.str-el`). */
export const ARXIV_CATEGORY_NAMES: ReadonlySet<string> = new Set(
  Object.entries(ARXIV_TAXONOMY).flatMap(([archive, subjects]) => [archive, ...subjects.map((subject) => `${archive}.${subject}`)]),
);

/**
 * The category or archive a mistyped name most likely meant (`cs.Cl` → `cs.CL`, `cs.CLL` → `cs.CL`), or undefined when
 * none is close. Case is tried first: arXiv names are case-sensitive and a wrong case is the common slip.
 */
export function suggestCategory(name: string): string | undefined {
  const folded = name.toLowerCase().replace(/-/g, '');
  for (const known of ARXIV_CATEGORY_NAMES) if (known.toLowerCase().replace(/-/g, '') === folded) return known;
  return closestName(name, ARXIV_CATEGORY_NAMES);
}

/**
 * Checks names given on the command line (`--category cs.CL+cs.AI`) against the taxonomy, before any request is made:
 * throws USAGE with `unknown category "cs.Cl"; did you mean cs.CL?`.
 */
export function checkCategoryNames(names: readonly string[], option = '--category'): void {
  for (const name of names) {
    if (ARXIV_CATEGORY_NAMES.has(name)) continue;
    const suggestion = suggestCategory(name);
    throw new XivdigestError({
      code: 'USAGE',
      message: `${option}: unknown category ${JSON.stringify(name)}${suggestion ? `; did you mean ${suggestion}?` : ''}`,
      hint: suggestion
        ? `arXiv category names are case-sensitive; use ${suggestion}`
        : 'Use an arXiv category such as cs.CL, math.AP or astro-ph.GA, or an archive such as cs (https://arxiv.org/category_taxonomy)',
      details: { category: name, ...(suggestion ? { suggestion } : {}) },
    });
  }
}
