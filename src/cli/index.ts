#!/usr/bin/env node
/** The xivdigest command line: parses arguments, runs a command, and turns errors into exit codes (the only place that exits). */
import { Command, CommanderError, Option } from 'commander';
import { VERSION } from '../core/version.js';
import { XivdigestError } from '../core/errors.js';
import { redact } from '../core/redact.js';
import { CommandFailed, EXIT, describeExitCodes, exitCodeFor } from './exit.js';
import type { CliContext, GlobalOptions } from './context.js';
import { SIGNAL_EXIT, installSignalControl } from './signals.js';
import { jsonLogLine } from './output.js';
// Command files import only commander and small modules; each loads its heavy parts when it runs (fast --help).
import { registerBackfill } from './commands/backfill.js';
import { registerConfig } from './commands/config.js';
import { registerDigest } from './commands/digest.js';
import { registerExportSite } from './commands/export-site.js';
import { registerEnrich } from './commands/enrich.js';
import { registerFetch } from './commands/fetch.js';
import { registerImportDigest } from './commands/import-digest.js';
import { registerImportSeedCache } from './commands/import-seed-cache.js';
import { registerIngest } from './commands/ingest.js';
import { registerPapers } from './commands/papers.js';
import { registerRender } from './commands/render.js';
import { registerRun } from './commands/run.js';
import { registerRuns } from './commands/runs.js';
import { registerFeedback } from './commands/feedback.js';
import { registerReaders } from './commands/readers.js';
import { registerServe } from './commands/serve.js';
import { registerSearch } from './commands/search.js';
import { registerStatus } from './commands/status.js';
import { registerReindex } from './commands/reindex.js';
import { registerToday } from './commands/today.js';
import { registerWorker } from './commands/worker.js';

export function buildProgram(run: (action: (context: CliContext) => Promise<void>) => Promise<void>): Command {
  const program = new Command('xivdigest')
    .description('Turns the daily flood of arXiv papers into a translated digest you actually read.')
    .version(VERSION, '-V, --version')
    .option('--db <path|url>', 'database: a SQLite file or postgres:// URL (default: $XIVDIGEST_DB, the config, then a per-user file)')
    .option('--config <file>', 'config file (default: $XIVDIGEST_CONFIG, ./xivdigest.config.json, ~/.config/xivdigest/config.json)')
    .option('-q, --quiet', 'print only errors and results')
    .option('-v, --verbose', 'print details, such as the database in use')
    .addOption(
      new Option('--log-format <format>', 'stderr log lines: human, or json (one object per line; for run, serve, worker under a log collector)').choices([
        'human',
        'json',
      ]),
    )
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Exit codes: ${wrap(describeExitCodes(), 100)}.
Docs: README.md in the package.`,
    );
  program.exitOverride();
  const registrations = [
    registerToday,
    registerFetch,
    registerIngest,
    registerBackfill,
    registerImportDigest,
    registerImportSeedCache,
    registerEnrich,
    registerPapers,
    registerSearch,
    registerReindex,
    registerDigest,
    registerRender,
    registerRun,
    registerRuns,
    registerStatus,
    registerFeedback,
    registerServe,
    registerWorker,
    registerExportSite,
    registerReaders,
    registerConfig,
  ];
  for (const register of registrations) register(program, run);
  return program;
}

/** Breaks a long line at ", " so that help text stays readable in a terminal. */
function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const part of text.split(', ')) {
    if (line && line.length + part.length + 2 > width) {
      lines.push(`${line},`);
      line = part;
    } else {
      line = line ? `${line}, ${part}` : part;
    }
  }
  return [...lines, line].join('\n  ');
}

/**
 * A reader that closes early (`xivdigest --help | head -1`) has taken all it wants: what follows is dropped without an
 * EPIPE trace, and the command finishes as it would (a run still stores and delivers), exiting with its own code.
 */
function dropWritesAfterClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    stream.write = ((_chunk: unknown, encoding?: unknown, callback?: unknown) => {
      const done = typeof encoding === 'function' ? encoding : callback;
      if (typeof done === 'function') process.nextTick(done as () => void);
      return true;
    }) as typeof stream.write;
  });
}

async function main(argv: string[]): Promise<number> {
  dropWritesAfterClosedPipe(process.stdout);
  dropWritesAfterClosedPipe(process.stderr);
  let exitCode: number = EXIT.ok;
  let context: CliContext | undefined;
  // Ctrl-C exits 130 at once (what was stored is kept); `serve` takes the first SIGINT/SIGTERM to finish its job.
  const signals = installSignalControl({ exit: (code) => process.exit(code), write: (text) => writeLog('warn', text) });
  const run = async (action: (context: CliContext) => Promise<void>) => {
    // Loaded here, not at the top: context.ts brings the app and the config loader (docs/decisions/0018).
    const { createCliContext } = await import('./context.js');
    context = createCliContext(program.opts<GlobalOptions>(), { signals });
    const reporter = context.reporter;
    jsonLogs = () => reporter.format === 'json';
    await action(context);
  };
  const program = buildProgram(run);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    exitCode = report(error);
  } finally {
    await context?.close().catch(() => undefined);
  }
  const signal = signals.received();
  if (signal !== undefined && exitCode === EXIT.ok) exitCode = SIGNAL_EXIT[signal];
  // After a graceful stop, leave now rather than wait for idle keep-alive sockets to time out.
  if (signal !== undefined) process.exit(exitCode);
  return exitCode;
}

/** The CLI's own stderr lines (the last error, signals): JSON objects when the command logs JSON, else as written. */
let jsonLogs: () => boolean = () => false;
function writeLog(level: 'warn' | 'error', text: string): void {
  if (!jsonLogs()) {
    process.stderr.write(redact(text));
    return;
  }
  for (const line of text.split('\n')) if (line.trim() !== '') process.stderr.write(`${jsonLogLine(level, line.replace(/^xivdigest: /, ''))}\n`);
}

function report(error: unknown): number {
  if (error instanceof CommanderError) {
    // Help and version are "errors" to commander; they already printed.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.ok;
    return EXIT.usage;
  }
  if (error instanceof CommandFailed) {
    writeLog('error', `xivdigest: ${error.message}\n`);
    return error.exitCode;
  }
  if (XivdigestError.isInstance(error)) {
    writeLog('error', `xivdigest: ${error.oneLine}\n`);
    if (process.env.XIVDIGEST_DEBUG && error.cause) writeLog('error', `${String((error.cause as Error).stack ?? error.cause)}\n`);
    return exitCodeFor(error);
  }
  const message = error instanceof Error ? error.message : String(error);
  writeLog('error', `xivdigest: internal error: ${message}. Please report it with the command you ran (set XIVDIGEST_DEBUG=1 for a stack trace)\n`);
  if (process.env.XIVDIGEST_DEBUG && error instanceof Error) writeLog('error', `${error.stack}\n`);
  return EXIT.internal;
}

process.exitCode = await main(process.argv);
