/** Runs a command's work once per input file: one bad file is reported, the others still run, and the exit code says so. */
import { XivdigestError } from '../core/errors.js';
import type { CliContext } from './context.js';
import { CommandFailed, EXIT, exitCodeFor } from './exit.js';

/**
 * `work` returns the JSON summary of a file that succeeded. With one file, its error is the command's error (printed
 * once, by the CLI); with several, each failure is printed as a warning and the exit code is 1 (partial) or, when
 * every file failed, the first failure's code. `--json` prints every file's summary, failures included.
 */
export async function runPerFile(
  context: CliContext,
  files: string[],
  options: { json?: boolean },
  work: (file: string) => Promise<Record<string, unknown>>,
): Promise<void> {
  const results: Array<Record<string, unknown>> = [];
  const failures: Array<{ file: string; error: unknown }> = [];
  for (const file of files) {
    try {
      results.push({ file, ok: true, ...(await work(file)) });
    } catch (error) {
      failures.push({ file, error });
      const message = XivdigestError.isInstance(error) ? error.oneLine : String((error as Error)?.message ?? error);
      if (files.length > 1) context.reporter.warn(`${file}: ${message}`);
      results.push({ file, ok: false, error: { code: XivdigestError.isInstance(error) ? error.code : 'INTERNAL', message } });
    }
  }
  if (options.json) context.print(JSON.stringify(files.length === 1 ? results[0] : results, null, 2));
  if (failures.length === 0) return;
  if (files.length === 1) throw failures[0]!.error;
  const code = failures.length === files.length ? exitCodeFor(failures[0]!.error) : EXIT.partial;
  throw new CommandFailed(code, `${failures.length} of ${files.length} files failed: ${failures.map((f) => f.file).join(', ')}`);
}
