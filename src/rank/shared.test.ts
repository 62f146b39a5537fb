/** The score scale: raw similarities mapped onto the library's own papers (decision 0022). */
import { describe, expect, it } from 'vitest';
import { calibrationSample, createCalibration } from './shared.js';

describe('createCalibration', () => {
  const scale = createCalibration([0.3, 0.1, 0.2, 0.4, 0.5]);

  it('puts each library paper at its place among the library: the i-th of n at (i − ½)/n', () => {
    expect(scale(0.1)).toBeCloseTo(0.1);
    expect(scale(0.3)).toBeCloseTo(0.5); // the median library paper
    expect(scale(0.5)).toBeCloseTo(0.9);
    expect(scale(0.25)).toBeCloseTo(0.4); // between two, interpolated
  });

  it('falls to 0 at raw 0 and rises to 1 at raw 1, increasing all the way', () => {
    expect(scale(0)).toBe(0);
    expect(scale(-1)).toBe(0);
    expect(scale(0.05)).toBeCloseTo(0.05);
    expect(scale(1)).toBe(1);
    expect(scale(2)).toBe(1);
    let last = -1;
    for (let raw = 0; raw <= 1.0001; raw += 0.01) {
      const value = scale(raw);
      expect(value).toBeGreaterThanOrEqual(last);
      expect(value).toBeLessThanOrEqual(1);
      last = value;
    }
  });

  it('keeps the raw score (clamped to 0–1) when nothing sets a scale', () => {
    expect(createCalibration([])(0.42)).toBe(0.42);
    expect(createCalibration([0, 0])(1.5)).toBe(1);
  });

  it('samples at most 200 items, evenly, and none of a library of one', () => {
    expect(calibrationSample(1)).toEqual([]);
    expect(calibrationSample(3)).toEqual([0, 1, 2]);
    const sample = calibrationSample(1000);
    expect(sample).toHaveLength(200);
    expect(new Set(sample).size).toBe(200);
    expect(sample.at(-1)).toBe(995);
  });
});
