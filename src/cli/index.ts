#!/usr/bin/env node
/** The xivdigest command line: parses arguments, runs a command, and turns errors into exit codes (the only place that exits). */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../core/version.js';
import { XivdigestError } from '../core/errors.js';
import { redact } from '../core/redact.js';
import { CommandFailed, EXIT, exitCodeFor } from './exit.js';
import { createCliContext, type CliContext, type GlobalOptions } from './context.js';
import { registerConfig } from './commands/config.js';
import { registerDigest } from './commands/digest.js';
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
import { registerServe } from './commands/serve.js';

export function buildProgram(run: (action: (context: CliContext) => Promise<void>) => Promise<void>): Command {
  const program = new Command('xivdigest')
    .description('Turns the daily flood of arXiv papers into a translated digest you actually read.')
    .version(VERSION, '-V, --version')
    .option('--db <path|url>', 'database: a SQLite file or postgres:// URL (default: $XIVDIGEST_DB, the config, then a per-user file)')
    .option('--config <file>', 'config file (default: $XIVDIGEST_CONFIG, ./xivdigest.config.json, ~/.config/xivdigest/config.json)')
    .option('-q, --quiet', 'print only errors and results')
    .option('-v, --verbose', 'print details, such as the database in use')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `
Exit codes: 0 ok, 1 partly failed, 2 usage, 3 config, 4 bad input, 5 arXiv/network, 6 database, 7 LLM, 70 internal, 130 interrupted.
Docs: README.md in the package.`);
  program.exitOverride();
  const registrations = [registerFetch, registerIngest, registerImportDigest, registerImportSeedCache, registerEnrich, registerPapers, registerDigest, registerRender, registerRun, registerRuns, registerFeedback, registerServe, registerConfig];
  for (const register of registrations) register(program, run);
  return program;
}

async function main(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  let context: CliContext | undefined;
  const run = async (action: (context: CliContext) => Promise<void>) => {
    context = createCliContext(program.opts<GlobalOptions>());
    await action(context);
  };
  const program = buildProgram(run);
  const controller = new AbortController();
  process.once('SIGINT', () => {
    controller.abort();
    process.stderr.write('\nxivdigest: interrupted; what was stored so far is kept\n');
    process.exit(EXIT.interrupted);
  });
  try {
    await program.parseAsync(argv);
  } catch (error) {
    exitCode = report(error);
  } finally {
    await context?.close().catch(() => undefined);
  }
  return exitCode;
}

function report(error: unknown): number {
  if (error instanceof CommanderError) {
    // Help and version are "errors" to commander; they already printed.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.ok;
    return EXIT.usage;
  }
  if (error instanceof CommandFailed) {
    process.stderr.write(redact(`xivdigest: ${error.message}\n`));
    return error.exitCode;
  }
  if (XivdigestError.isInstance(error)) {
    process.stderr.write(redact(`xivdigest: ${error.oneLine}\n`));
    if (process.env.XIVDIGEST_DEBUG && error.cause) process.stderr.write(redact(`${String((error.cause as Error).stack ?? error.cause)}\n`));
    return exitCodeFor(error);
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(redact(`xivdigest: internal error: ${message}. Please report it with the command you ran (set XIVDIGEST_DEBUG=1 for a stack trace)\n`));
  if (process.env.XIVDIGEST_DEBUG && error instanceof Error) process.stderr.write(redact(`${error.stack}\n`));
  return EXIT.internal;
}

process.exitCode = await main(process.argv);
