/** What the CLI prints to stderr: messages, warnings and progress (a bar on a TTY, quiet lines otherwise). */
import { redact } from '../core/redact.js';

/** How log lines look: `human` lines (the default), or one JSON object per line (`--log-format json`, `log.format`). */
export type LogFormat = 'human' | 'json';

/** What a JSON log line says besides time, level and msg: the run, job and subscription it concerns, when known. */
export type LogFields = Record<string, string | number | boolean | undefined>;

export interface ReporterOptions {
  /** `human` (default) or `json`; a function is asked at each line (the config, read later, may set it). */
  format?: LogFormat | (() => LogFormat);
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
  /** A failure the process goes on after (a web request that failed); written even with --quiet. */
  error(message: string): void;
  verbose(message: string): void;
  progress(label: string, total?: number): Progress;
  /** The same reporter, whose JSON lines carry `fields` too (run id, job id, subscription); human lines are unchanged. */
  with(fields: LogFields): Reporter;
  /** The format lines are written in now. */
  readonly format: LogFormat;
}

/**
 * One JSON log line: `{"time","level","msg",...fields}`, every string masked (core/redact.ts) before it is serialised,
 * so that masking never breaks the JSON.
 */
export function jsonLogLine(level: 'debug' | 'info' | 'warn' | 'error', message: string, fields: LogFields = {}): string {
  const line: Record<string, string | number | boolean> = { time: new Date().toISOString(), level, msg: redact(message) };
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || key === 'time' || key === 'level' || key === 'msg') continue;
    line[key] = typeof value === 'string' ? redact(value) : value;
  }
  return JSON.stringify(line);
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

export function createReporter(options: ReporterOptions = {}, fields: LogFields = {}): Reporter {
  const stream = options.stream ?? process.stderr;
  const isTTY = options.isTTY ?? Boolean(stream.isTTY);
  const quiet = options.quiet ?? false;
  const formatOf = (): LogFormat => (typeof options.format === 'function' ? options.format() : (options.format ?? 'human'));
  // The choke point for everything the CLI logs: no secret reaches stderr (core/redact.ts, decision 0025).
  const write = (level: 'debug' | 'info' | 'warn' | 'error', line: string) => {
    stream.write(formatOf() === 'json' ? `${jsonLogLine(level, line, fields)}\n` : `${redact(level === 'warn' ? `warning: ${line}` : line)}\n`);
  };
  return {
    info: (message) => {
      if (!quiet) write('info', message);
    },
    warn: (message) => write('warn', message),
    error: (message) => write('error', message),
    verbose: (message) => {
      if (options.verbose && !quiet) write('debug', message);
    },
    progress: (label, total) => {
      if (quiet) return silentProgress;
      // JSON logs go to a collector, never a terminal: progress comes as lines, like on a pipe.
      if (formatOf() === 'json') return createProgress((line) => write('info', line.replace(/\n$/, '')), label, total, false, options.lineIntervalMs ?? 2000);
      return createProgress((text) => stream.write(text), label, total, isTTY, options.lineIntervalMs ?? 2000);
    },
    with: (more) => createReporter(options, { ...fields, ...more }),
    get format() {
      return formatOf();
    },
  };
}

const silentProgress: Progress = { update() {}, increment() {}, finish() {} };

function createProgress(out: (text: string) => void, label: string, initialTotal: number | undefined, isTTY: boolean, lineIntervalMs: number): Progress {
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
      out(`\r\x1b[2K${label} ${bar}${describe()}`);
      drawn = true;
    } else if (!force) {
      out(`${label}: ${describe()}\n`);
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
      if (isTTY && drawn) out('\r\x1b[2K');
      const elapsed = formatDuration((Date.now() - started) / 1000);
      out(`${label}: ${message ?? describe()} (${elapsed})\n`);
    },
  };
}
