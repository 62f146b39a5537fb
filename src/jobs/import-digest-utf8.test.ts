/** A digest with invalid UTF-8 is refused on import: it could never render back byte for byte. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { XivdigestError } from '../core/errors.js';
import { ownFixture } from '../../test/helpers/shared-fixtures.js';
import { digestText } from './import-digest.js';

describe('digestText', () => {
  const file = ownFixture('digests', 'own-old-era.md');
  const bytes = readFileSync(file);

  it('passes valid UTF-8 through unchanged', () => {
    expect(Buffer.from(digestText(bytes, file), 'utf8').equals(bytes)).toBe(true);
  });

  it('refuses invalid UTF-8, naming the line, before it is parsed', () => {
    // Two bytes of a cut character in a translated sentence (before its first "。").
    const at = bytes.indexOf(Buffer.from('。'));
    const line = bytes.subarray(0, at).toString('utf8').split('\n').length;
    const broken = Buffer.concat([bytes.subarray(0, at), Buffer.from([0xe4, 0xb8]), bytes.subarray(at)]);
    let error: unknown;
    try {
      digestText(broken, file);
    } catch (caught) {
      error = caught;
    }
    expect(XivdigestError.isInstance(error) && error.code).toBe('INPUT_MALFORMED');
    expect((error as Error).message).toMatch(new RegExp(`not valid UTF-8 \\(line ${line}\\).*nothing was imported`));
  });
});
