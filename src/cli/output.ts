/** What the CLI prints to stderr: messages, warnings and progress (a bar on a TTY, quiet lines otherwise). */
import { redact } from '../core/redact.js';

export interface ReporterOptions {
  /** Nothing but errors. */
  quiet?: boolean;
  /** Details such as the chosen database path. */
  verbose?: boolean;
  stream?: NodeJS.WriteStream;
  /** Force TTY behaviour on or off (tests). */
  isTTY?: boolean;
  /** Milliseconds between non-TTY progress lines. */
  lineIntervalMs?: number;
}

export interface Progress {
  /** Sets the count done (and the total, when it becomes known). */
  update(done: number, total?: number): void;
  /** Adds to the count done. */
  increment(count?: number): void;
  /** Ends the bar and prints a last line. */
  finish(message?: string): void;
}

export interface Reporter {
  info(message: string): void;
  warn(message: string): void;
  verbose(message: string): void;
  progress(label: string, total?: number): Progress;
}

const numberFormat = new Intl.NumberFormat('en-US');

export function formatCount(value: number): string {
  return numberFormat.format(Math.round(value));
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

export function createReporter(options: ReporterOptions = {}): Reporter {
  const stream = options.stream ?? process.stderr;
  const isTTY = options.isTTY ?? Boolean(stream.isTTY);
  const quiet = options.quiet ?? false;
  // The choke point for everything the CLI logs: no secret reaches stderr (core/redact.ts, decision 0025).
  const write = (line: string) => {
    stream.write(`${redact(line)}\n`);
  };
  return {
    info: (message) => {
      if (!quiet) write(message);
    },
    warn: (message) => write(`warning: ${message}`),
    verbose: (message) => {
      if (options.verbose && !quiet) write(message);
    },
    progress: (label, total) => (quiet ? silentProgress : createProgress(stream, label, total, isTTY, options.lineIntervalMs ?? 2000)),
  };
}

const silentProgress: Progress = { update() {}, increment() {}, finish() {} };

function createProgress(stream: NodeJS.WriteStream, label: string, initialTotal: number | undefined, isTTY: boolean, lineIntervalMs: number): Progress {
  const started = Date.now();
  let done = 0;
  let total = initialTotal;
  let lastDraw = 0;
  let drawn = false;

  const describe = () => {
    const elapsed = (Date.now() - started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const parts = [total ? `${formatCount(done)}/${formatCount(total)}` : formatCount(done)];
    if (total) parts.push(`${Math.floor((100 * done) / total)}%`);
    if (elapsed >= 0.5) parts.push(`${formatCount(rate)}/s`);
    if (total && rate > 0 && done < total) parts.push(`ETA ${formatDuration((total - done) / rate)}`);
    return parts.join('  ');
  };

  const draw = (force: boolean) => {
    const now = Date.now();
    if (!force && now - lastDraw < (isTTY ? 100 : lineIntervalMs)) return;
    lastDraw = now;
    if (isTTY) {
      const width = 24;
      const filled = total ? Math.min(width, Math.round((width * done) / total)) : 0;
      const bar = total ? `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ` : '';
      stream.write(`\r\x1b[2K${label} ${bar}${describe()}`);
      drawn = true;
    } else if (!force) {
      stream.write(`${label}: ${describe()}\n`);
    }
  };

  return {
    update(value, newTotal) {
      done = value;
      if (newTotal !== undefined) total = newTotal;
      draw(false);
    },
    increment(count = 1) {
      done += count;
      draw(false);
    },
    finish(message) {
      if (isTTY && drawn) stream.write('\r\x1b[2K');
      const elapsed = formatDuration((Date.now() - started) / 1000);
      stream.write(`${label}: ${message ?? describe()} (${elapsed})\n`);
    },
  };
}
