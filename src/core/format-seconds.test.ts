import { describe, expect, it } from 'vitest';
import { formatSeconds } from './format-seconds.js';

describe('formatSeconds', () => {
  it('writes milliseconds under a second, else seconds to a tenth without a trailing .0', () => {
    expect(formatSeconds(250)).toBe('250 ms');
    expect(formatSeconds(0.4)).toBe('0 ms');
    expect(formatSeconds(999.4)).toBe('999 ms');
    expect(formatSeconds(999.6)).toBe('1 s');
    expect(formatSeconds(1000)).toBe('1 s');
    expect(formatSeconds(1500)).toBe('1.5 s');
    expect(formatSeconds(1049)).toBe('1 s');
    expect(formatSeconds(2250)).toBe('2.3 s');
    expect(formatSeconds(120_000)).toBe('120 s');
  });
});
