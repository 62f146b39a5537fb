/** `xivdigest config check|schema`: validates the configuration and publishes its JSON Schema. */
import type { Command } from 'commander';
import type { RunCommand } from '../context.js';
import { CommandFailed, EXIT } from '../exit.js';

export function registerConfig(program: Command, run: RunCommand): void {
  const config = program.command('config').description('check the configuration, or print its JSON Schema');
  config
    .command('check')
    .description('validate a config file and the environment; lists every problem with its dot path')
    .argument('[file]', 'the file to check (default: the one xivdigest would read)')
    .option('--json', 'print {file, database, errors, warnings} as JSON')
    .addHelpText(
      'after',
      `
It runs the same checks as run, serve and select before they start: the schema (unknown keys and channel types,
with the closest known name), category expressions and queries, library files that exist, and { "env": NAME }
secrets that are set. Every problem is listed at once. Relative paths in the file are read from its folder.

Examples:
  xivdigest config check
  xivdigest config check ./xivdigest.config.json --json`,
    )
    .action((file: string | undefined, options: { json?: boolean }) =>
      run(async (context) => {
        const { checkAppConfig, formatConfigProblem, loadAppConfig } = await import('../../config.js');
        const globals = program.opts<{ config?: string; db?: string }>();
        // The very function the other commands load the config with: what passes here passes there.
        const result = await checkAppConfig(loadAppConfig({ file: file ?? globals.config, overrides: { dbUrl: globals.db } }));
        const unknown = result.errors.length > 0 ? 'unknown because of the errors below' : 'unknown';
        if (options.json) {
          context.print(
            JSON.stringify(
              {
                file: result.file ?? null,
                database: result.database ?? null,
                databaseFrom: result.storeFrom,
                errors: result.errors,
                warnings: result.warnings,
              },
              null,
              2,
            ),
          );
        } else {
          context.print(`config: ${result.file ?? '(none found; using defaults)'}`);
          context.print(result.database === undefined ? `database: ${unknown}` : `database: ${result.database} (from ${result.storeFrom})`);
          for (const warning of result.warnings) context.print(`warning: ${formatConfigProblem(warning)}`);
          for (const error of result.errors) context.print(`error: ${formatConfigProblem(error)}`);
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
        const { appConfigJsonSchema } = await import('../../config.js');
        context.print(JSON.stringify(appConfigJsonSchema(), null, 2));
      }),
    );
}
