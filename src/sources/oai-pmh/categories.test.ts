/** Tests for the subject-name → category-code table used for OAI-PMH `oai_dc`. */
import { describe, expect, it } from 'vitest';
import { CATEGORY_SUBJECTS, categoryForSubject } from './categories.js';

describe('categoryForSubject', () => {
  it.each([
    ['Computer Science - Data Structures and Algorithms', 'cs.DS'],
    ['Computer Science - Information Theory', 'cs.IT'],
    ['Mathematics - Information Theory', 'math.IT'],
    ['Mathematics - Numerical Analysis', 'math.NA'],
    ['Computer Science - Computer Vision and Pattern Recognition', 'cs.CV'],
    ['Computer Science - Computation and Language', 'cs.CL'],
    ['Astrophysics - Astrophysics of Galaxies', 'astro-ph.GA'],
    ['Astrophysics', 'astro-ph'],
    ['Quantum Physics', 'quant-ph'],
    ['High Energy Physics - Theory', 'hep-th'],
    ['High Energy Physics - Phenomenology', 'hep-ph'],
    ['General Relativity and Quantum Cosmology', 'gr-qc'],
    ['Mathematical Physics', 'math-ph'],
    ['Mathematics - Mathematical Physics', 'math.MP'],
    ['Condensed Matter - Strongly Correlated Electrons', 'cond-mat.str-el'],
    ['Condensed Matter - Superconductivity', 'cond-mat.supr-con'],
    ['Physics - Optics', 'physics.optics'],
    ['Physics - Data Analysis, Statistics and Probability', 'physics.data-an'],
    ['Nonlinear Sciences - Chaotic Dynamics', 'nlin.CD'],
    ['Quantitative Biology - Neurons and Cognition', 'q-bio.NC'],
    ['Quantitative Finance - Statistical Finance', 'q-fin.ST'],
    ['Statistics - Machine Learning', 'stat.ML'],
    ['Statistics - Statistics Theory', 'stat.TH'],
    ['Electrical Engineering and Systems Science - Signal Processing', 'eess.SP'],
    ['Economics - Econometrics', 'econ.EM'],
    ['Computer Science - Computational Engineering, Finance, and Science', 'cs.CE'],
  ])('%s → %s', (subject, code) => {
    expect(categoryForSubject(subject)).toBe(code);
  });

  it('tolerates wrapped or padded names', () => {
    expect(categoryForSubject('  Computer Science -\n  Information Theory ')).toBe('cs.IT');
  });

  it('returns undefined for names outside the taxonomy', () => {
    expect(categoryForSubject('Household Science - Socks')).toBeUndefined();
    expect(categoryForSubject('cs.IT')).toBeUndefined();
    expect(categoryForSubject('')).toBeUndefined();
  });

  it('covers the whole active taxonomy, one name per code and one code per name', () => {
    const codes = [...CATEGORY_SUBJECTS.keys()];
    const names = [...CATEGORY_SUBJECTS.values()];
    expect(new Set(names).size).toBe(names.length);
    for (const code of ['cs.AI', 'cs.SY', 'eess.SY', 'eess.AS', 'eess.IV', 'econ.GN', 'econ.TH', 'math.GM', 'q-fin.EC', 'stat.OT', 'nucl-ex', 'hep-lat']) {
      expect(codes).toContain(code);
    }
    expect(codes.filter((code) => code.startsWith('cs.'))).toHaveLength(40);
    expect(codes.filter((code) => code.startsWith('math.'))).toHaveLength(32);
    expect(codes.filter((code) => code.startsWith('physics.'))).toHaveLength(22);
    for (const [code, name] of CATEGORY_SUBJECTS) expect(categoryForSubject(name)).toBe(code);
  });
});
