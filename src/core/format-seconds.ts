/** A wait or a timeout for messages: `250 ms`, `1.5 s`, `30 s` (tenths of a second, no trailing `.0`). */
export function formatSeconds(ms: number): string {
  if (Math.round(ms) < 1000) return `${Math.round(ms)} ms`;
  return `${Math.round(ms / 100) / 10} s`;
}
