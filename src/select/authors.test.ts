/** Tests of followed-author matching: a table of names that must match and names that must not. */
import { describe, expect, it } from 'vitest';
import { XivdigestError } from '../core/errors.js';
import { createAuthorMatcher, parseAuthorName } from './authors.js';

function fits(followed: string, author: string): boolean {
  return createAuthorMatcher([followed])([{ name: author }]).length > 0;
}

describe('createAuthorMatcher', () => {
  const same: [followed: string, author: string][] = [
    ['John Smith', 'John Smith'],
    ['john smith', 'JOHN SMITH'],
    ['J. Smith', 'John Smith'],
    ['John Smith', 'J. Smith'],
    ['J Smith', 'John Smith'],
    ['Smith, John', 'John Smith'],
    ['John Smith', 'Smith, J.'],
    ['Smith', 'John Smith'],
    ['John Smith', 'John R. Smith'],
    ['John R. Smith', 'John Smith'],
    ['J. R. Smith', 'John Robert Smith'],
    ['J.R.R. Tolkien', 'John Ronald Reuel Tolkien'],
    ['J.R.R. Tolkien', 'J. R. R. Tolkien'],
    ['JRR Tolkien', 'J.R.R. Tolkien'],
    ['Tolkien, J.R.R.', 'John R. R. Tolkien'],
    ['José García', 'Jose Garcia'],
    ['Jose Garcia', 'José García'],
    ['Łukasz Kaiser', 'Lukasz Kaiser'],
    ['Lukasz Kaiser', 'Łukasz Kaiser'],
    ['Müller, Klaus', 'Klaus Mueller'],
    ['Klaus Müller', 'Klaus Muller'],
    ['Jürgen Schmidhuber', 'Juergen Schmidhuber'],
    ['Jean-Pierre Serre', 'J.-P. Serre'],
    ['Jean-Pierre Serre', 'Jean Pierre Serre'],
    ['J.-P. Serre', 'Jean-Pierre Serre'],
    ['Xiao-Ming Wang', 'Xiaoming Wang'],
    ['Xiaoming Wang', 'X. Wang'],
    ['Anne Smith-Jones', 'Anne Smith-Jones'],
    ['Anne Smith-Jones', 'Anne Smith Jones'],
    ['Adrian Del Maestro', 'A. Del Maestro'],
    ['Del Maestro, Adrian', 'Adrian Del Maestro'],
    ['del_maestro', 'Adrian Del Maestro'],
    ['Del_Maestro_A', 'Adrian Del Maestro'],
    ['Bengio_Y', 'Yoshua Bengio'],
    ['Johannes van der Waals', 'J. D. van der Waals'],
    ['Ludwig van Beethoven', 'Beethoven, Ludwig van'],
    ['Martin Luther King', 'Martin Luther King Jr.'],
    ['Martin Luther King Jr.', 'Martin Luther King'],
    ['Geoffrey Hinton', 'Geoffrey E. Hinton (University of Toronto)'],
    ['Yoshua Bengio', 'Yoshua  Bengio'],
  ];

  it.each(same)('%j matches %j', (followed, author) => {
    expect(fits(followed, author)).toBe(true);
  });

  const different: [followed: string, author: string][] = [
    ['J. Smith', 'Jane Smithson'],
    ['John Smith', 'Jane Smith'],
    ['Jane Smith', 'John Smith'],
    ['Jan Smith', 'Jane Smith'],
    ['John Smith', 'Smith'],
    ['John Smith', 'John Smyth'],
    ['J. R. Smith', 'John Q. Smith'],
    ['J.R.R. Tolkien', 'Christopher Tolkien'],
    ['Smith', 'John Smithson'],
    ['Mueller', 'Muller'],
    ['Xiaoming Wang', 'Xiaoming Wangg'],
    ['Xiaoming Wang', 'Wei Wang'],
    ['Da Wang', 'Da Li'],
    ['Le Song', 'Song Le'],
    ['Anne Smith-Jones', 'Anne Jones'],
    ['Bengio_Y', 'Samy Bengio'],
    ['del_maestro', 'Adrian Maestro-Smith'],
  ];

  it.each(different)('%j does not match %j', (followed, author) => {
    expect(fits(followed, author)).toBe(false);
  });

  it('returns the followed names as configured, in configured order, once each', () => {
    const match = createAuthorMatcher(['Yann LeCun', 'G. Hinton', 'Yoshua Bengio', 'Nobody Here']);
    expect(match([{ name: 'Yoshua Bengio' }, { name: 'Geoffrey Hinton' }, { name: 'Geoffrey E. Hinton' }])).toEqual(['G. Hinton', 'Yoshua Bengio']);
    expect(match([])).toEqual([]);
    expect(createAuthorMatcher([])([{ name: 'Anyone' }])).toEqual([]);
  });

  it('rejects a followed name without letters', () => {
    let error: unknown;
    try {
      createAuthorMatcher(['Ada Lovelace', ' ... ']);
    } catch (caught) {
      error = caught;
    }
    expect(XivdigestError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', details: { author: ' ... ', index: 1 } });
  });
});

describe('parseAuthorName', () => {
  it('takes names apart the same way whatever the order', () => {
    expect(parseAuthorName('Smith, John R.')).toEqual(parseAuthorName('John R. Smith'));
    expect(parseAuthorName('Adrian Del Maestro')).toEqual({ family: ['maestro'], tail: ['maestro'], given: [{ initial: 'a', full: ['adrian'] }] });
    expect(parseAuthorName('Müller')).toEqual({ family: ['muller', 'mueller'], tail: ['muller', 'mueller'], given: [] });
    expect(parseAuthorName('J.-P. Serre').given).toEqual([{ initial: 'j' }, { initial: 'p' }]);
    expect(parseAuthorName('Anne Smith-Jones')).toMatchObject({ family: ['smithjones'], tail: ['jones'] });
    // Three words: the middle one may belong to the family name.
    expect(parseAuthorName('Anne Smith Jones')).toMatchObject({ family: ['jones', 'smithjones'], tail: ['jones'] });
  });
});
