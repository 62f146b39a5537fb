/** easternDay, the one US Eastern calendar day of an instant (arXiv's clock), across the DST changes. */
import { describe, expect, it } from 'vitest';
import { easternDay } from './arxiv-calendar.js';

const day = (iso: string): string => easternDay(new Date(iso));

describe('easternDay', () => {
  it('turns at Eastern midnight: 05:00Z in winter (EST), 04:00Z in summer (EDT)', () => {
    expect(day('2024-11-28T04:59:59Z')).toBe('2024-11-27');
    expect(day('2024-11-28T05:00:00Z')).toBe('2024-11-28');
    expect(day('2024-07-04T03:59:59Z')).toBe('2024-07-03');
    expect(day('2024-07-04T04:00:00Z')).toBe('2024-07-04');
    expect(day('2024-02-23T04:00:11+00:00')).toBe('2024-02-22');
  });

  it('holds on the days the clocks change (2025-03-09 spring forward, 2025-11-02 fall back)', () => {
    // Spring forward at 02:00 EST (07:00Z): midnight that day is still EST, the next midnight is EDT.
    expect(day('2025-03-09T04:59:59Z')).toBe('2025-03-08');
    expect(day('2025-03-09T05:00:00Z')).toBe('2025-03-09');
    expect(day('2025-03-09T07:30:00Z')).toBe('2025-03-09');
    expect(day('2025-03-10T03:59:59Z')).toBe('2025-03-09');
    expect(day('2025-03-10T04:00:00Z')).toBe('2025-03-10');
    // Fall back at 02:00 EDT (06:00Z): midnight that day is EDT, the next midnight is EST.
    expect(day('2025-11-02T03:59:59Z')).toBe('2025-11-01');
    expect(day('2025-11-02T04:00:00Z')).toBe('2025-11-02');
    expect(day('2025-11-02T06:30:00Z')).toBe('2025-11-02');
    expect(day('2025-11-03T04:59:59Z')).toBe('2025-11-02');
    expect(day('2025-11-03T05:00:00Z')).toBe('2025-11-03');
  });

  it('crosses the year in Eastern time, not UTC', () => {
    expect(day('2026-01-01T04:59:59Z')).toBe('2025-12-31');
    expect(day('2026-01-01T05:00:00Z')).toBe('2026-01-01');
  });
});
