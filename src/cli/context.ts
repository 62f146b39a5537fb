/** What every command gets: global options, the reporter, and the app built lazily from the loaded config. */
import { redactUrl } from '../core/redact.js';
import { createApp, type App } from '../app.js';
import { blockingProblems, checkAppConfig, formatConfigProblem, invalidConfigError, loadAppConfig } from '../config.js';
import type { LoadedConfig } from '../core/config/load.js';
import type { MigrationProgressListener } from '../store/index.js';
import { createReporter, formatCount, type LogFormat, type Progress, type Reporter } from './output.js';
import type { SignalControl } from './signals.js';

export interface GlobalOptions {
  db?: string;
  config?: string;
  quiet?: boolean;
  verbose?: boolean;
  /** `--log-format`: overrides the config's log.format. */
  logFormat?: LogFormat;
}

export interface CliContext {
  reporter: Reporter;
  /** Writes to stdout (results, JSON). */
  print(text: string): void;
  /**
   * The loaded configuration; throws CONFIG_INVALID with every problem listed. `run` (run, serve, select) also refuses
   * what only the daily run needs (unset delivery secrets, missing library files), exactly as `config check` reports it.
   */
  config(purpose?: 'run'): LoadedConfig;
  /** The configuration for run, serve and select: every check `config check` makes, the channels' included. */
  configForRun(): Promise<LoadedConfig>;
  /** The app (store, sources); built on first use. */
  app(): App;
  close(): Promise<void>;
  /** Ctrl-C and SIGTERM: a long-running command takes them over to stop gracefully. */
  signals: SignalControl;
}

/**
 * A context for one command. This module (and with it the app and the config loader: zod, Kysely, the sources, the
 * renderers) is imported by `index.ts` only when a command runs, so `--help` and `--version` load none of them; other
 * modules import only its types (docs/decisions/0018).
 */
export function createCliContext(globals: GlobalOptions, options: { signals: SignalControl }): CliContext {
  let loaded: LoadedConfig | undefined;
  // The flag wins; else the config's log.format once it is loaded (lines before that are human).
  const reporter = createReporter({ quiet: globals.quiet, verbose: globals.verbose, format: () => globals.logFormat ?? loaded?.config.log.format ?? 'human' });
  let app: App | undefined;
  const context: CliContext = {
    reporter,
    print: (text) => {
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    config(purpose) {
      // The same loader and checks as `config check`, so a command never rejects what the check accepted.
      const result = loaded ?? loadAppConfig({ file: globals.config, overrides: { dbUrl: globals.db } });
      const problems = blockingProblems(result, purpose);
      if (problems.length > 0) throw invalidConfigError(result, problems);
      if (loaded) return loaded;
      for (const problem of result.errors) reporter.verbose(`config: ${formatConfigProblem(problem)} (needed by run, serve and select)`);
      for (const warning of result.warnings) reporter.verbose(`config: ${warning.path}: ${warning.message}`);
      if (result.file) reporter.verbose(`config: read ${result.file}`);
      reporter.verbose(`database: ${redactUrl(result.config.store.url)} (from ${result.storeFrom})`);
      loaded = result;
      return result;
    },
    async configForRun() {
      const checked = await checkAppConfig(loaded ?? loadAppConfig({ file: globals.config, overrides: { dbUrl: globals.db } }));
      if (checked.errors.length > 0) throw invalidConfigError(checked);
      return context.config('run');
    },
    app() {
      app ??= createApp(context.config(), {
        onHttpEvent: (event) => {
          // A failed request is thrown to the command, which reports it once; here it would print twice.
          if (!event.message) return;
          // Routine requests and answers are details (-v); waits, retries and resumes are worth a user's attention.
          if (event.type === 'request-failed' || event.type === 'request-started' || event.type === 'response-received') reporter.verbose(event.message);
          else reporter.info(event.message);
        },
        onMigrationProgress: migrationProgress(reporter),
      });
      return app;
    },
    async close() {
      await app?.close();
    },
    signals: options.signals,
  };
  return context;
}

/**
 * Reports the store's long migrations on stderr as `reindex` reports its rebuild (counts, rate, ETA; a bar on a TTY):
 * an upgrade's first open can rewrite the search index for minutes. Quiet migrations print nothing.
 */
export function migrationProgress(reporter: Reporter): MigrationProgressListener {
  let current: { migration: string; progress: Progress } | undefined;
  return ({ migration, done, total, finished }) => {
    if (current?.migration !== migration) current = { migration, progress: reporter.progress(`migrating the database (${migration})`) };
    if (finished) {
      current.progress.finish(`${formatCount(done)} papers`);
      current = undefined;
    } else {
      current.progress.update(done, total);
    }
  };
}

/** Runs a command's action with a fresh context; given to each command's `register*`. */
export type RunCommand = (action: (context: CliContext) => Promise<void>) => Promise<void>;
