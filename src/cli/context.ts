/** What every command gets: global options, the reporter, and the app built lazily from the loaded config. */
import { redactUrl } from '../core/redact.js';
import { createApp, type App } from '../app.js';
import { loadConfig, type LoadedConfig } from '../core/config/load.js';
import { XivdigestError } from '../core/errors.js';
import { createReporter, type Reporter } from './output.js';

export interface GlobalOptions {
  db?: string;
  config?: string;
  quiet?: boolean;
  verbose?: boolean;
}

export interface CliContext {
  reporter: Reporter;
  /** Writes to stdout (results, JSON). */
  print(text: string): void;
  /** The loaded configuration; throws CONFIG_INVALID with every problem listed. */
  config(): LoadedConfig;
  /** The app (store, sources); built on first use. */
  app(): App;
  close(): Promise<void>;
}

export function createCliContext(globals: GlobalOptions): CliContext {
  const reporter = createReporter({ quiet: globals.quiet, verbose: globals.verbose });
  let loaded: LoadedConfig | undefined;
  let app: App | undefined;
  const context: CliContext = {
    reporter,
    print: (text) => {
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    config() {
      if (loaded) return loaded;
      const result = loadConfig({ file: globals.config, overrides: { dbUrl: globals.db } });
      if (result.errors.length > 0) {
        throw new XivdigestError({
          code: 'CONFIG_INVALID',
          message: `Invalid configuration${result.file ? ` in ${result.file}` : ''}: ${result.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
          hint: 'Fix these settings (`xivdigest config check` lists them; `xivdigest config schema` prints the JSON Schema)',
        });
      }
      for (const warning of result.warnings) reporter.verbose(`config: ${warning.path}: ${warning.message}`);
      if (result.file) reporter.verbose(`config: read ${result.file}`);
      reporter.verbose(`database: ${redactUrl(result.config.store.url)} (from ${result.storeFrom})`);
      loaded = result;
      return result;
    },
    app() {
      app ??= createApp(context.config(), {
        onHttpEvent: (event) => {
          if (event.message) reporter.info(event.message);
        },
      });
      return app;
    },
    async close() {
      await app?.close();
    },
  };
  return context;
}

/** Runs a command's action with a fresh context; given to each command's `register*`. */
export type RunCommand = (action: (context: CliContext) => Promise<void>) => Promise<void>;
