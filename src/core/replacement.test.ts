/** The one replacement rule, shared by the filter's and the subscription's `replacements` settings. */
import { describe, expect, it } from 'vitest';
import { makePaper } from '../../test/helpers/select-papers.js';
import { isReplacement, replacementLabel } from './replacement.js';

describe('isReplacement', () => {
  it('is true for replace, replace-cross and the old feeds’ UPDATED flag, whatever the version', () => {
    expect(isReplacement(makePaper({ announceType: 'replace' }))).toBe(true);
    expect(isReplacement(makePaper({ announceType: 'replace-cross', version: 3 }))).toBe(true);
    expect(isReplacement(makePaper({ announceType: undefined, legacyFlags: ['UPDATED'] }))).toBe(true);
  });

  it('is true for a later version with no announce type (a catch-up from the API or OAI-PMH)', () => {
    expect(isReplacement(makePaper({ announceType: undefined, version: 2 }))).toBe(true);
    expect(isReplacement(makePaper({ announceType: undefined, version: 1 }))).toBe(false);
    expect(isReplacement(makePaper({ announceType: undefined, version: undefined }))).toBe(false);
  });

  it('is false for new and cross announcements, even of a later version', () => {
    expect(isReplacement(makePaper({ announceType: 'new' }))).toBe(false);
    expect(isReplacement(makePaper({ announceType: 'cross', version: 2 }))).toBe(false);
    expect(isReplacement(makePaper({ announceType: undefined, legacyFlags: ['CROSS LISTED'] }))).toBe(false);
  });
});

describe('replacementLabel', () => {
  it('names how the replacement was announced', () => {
    expect(replacementLabel(makePaper({ announceType: 'replace-cross' }))).toBe('replace-cross');
    expect(replacementLabel(makePaper({ announceType: undefined, legacyFlags: ['UPDATED'] }))).toBe('UPDATED');
    expect(replacementLabel(makePaper({ announceType: undefined, version: 2 }))).toBe('v2');
  });
});
