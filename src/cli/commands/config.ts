/** `xivdigest config check|schema|path`: validates the configuration and publishes its JSON Schema. */
import type { Command } from 'commander';
import type { RunCommand } from '../context.js';
import { CommandFailed, EXIT } from '../exit.js';

export function registerConfig(program: Command, run: RunCommand): void {
  const config = program.command('config').description('check the configuration, or print its JSON Schema');
  config
    .command('check')
    .description('validate a config file and the environment; lists every problem with its dot path')
    .argument('[file]', 'the file to check (default: the one xivdigest would read)')
    .option('--json', 'print {file, errors, warnings} as JSON')
    .action((file: string | undefined, options: { json?: boolean }) =>
      run(async (context) => {
        const { loadConfig } = await import('../../core/config/load.js');
        const globals = program.opts<{ config?: string; db?: string }>();
        const result = loadConfig({ file: file ?? globals.config, overrides: { dbUrl: globals.db } });
        if (options.json) {
          context.print(JSON.stringify({ file: result.file ?? null, database: result.config.store.url, errors: result.errors, warnings: result.warnings }, null, 2));
        } else {
          context.print(`config: ${result.file ?? '(none found; using defaults)'}`);
          context.print(`database: ${result.config.store.url} (from ${result.storeFrom})`);
          for (const warning of result.warnings) context.print(`warning: ${warning.path}: ${warning.message}`);
          for (const error of result.errors) context.print(`error: ${error.path}: ${error.message}`);
          if (result.errors.length === 0) context.print('ok');
        }
        if (result.errors.length > 0) throw new CommandFailed(EXIT.config, `${result.errors.length} problem(s) in the configuration`);
      }),
    );
  config
    .command('schema')
    .description('print the JSON Schema of the config file (point "$schema" at it for editor completion)')
    .action(() =>
      run(async (context) => {
        const { configJsonSchema } = await import('../../core/config/schema.js');
        context.print(JSON.stringify(configJsonSchema(), null, 2));
      }),
    );
}
