/** The model-progress reporting shared by `enrich` and `today`; loaded only when they run. */
import type { chooseProvider } from '../app-llm.js';
import { formatCount, type Reporter } from './output.js';

export { enrichSettings } from '../app-llm.js';

/** Reports the local model's download (a progress bar) and load, for commands that may start it. */
export function reportModelProgress(reporter: Reporter): NonNullable<Parameters<typeof chooseProvider>[0]['onModelProgress']> {
  const modelProgress = reporter.progress('local model');
  return (event) => {
    if (event.type === 'download-started') reporter.info(`downloading the model to ${event.path}${event.resumeFrom > 0 ? ` (resuming at ${formatCount(event.resumeFrom)} bytes)` : ''}`);
    else if (event.type === 'download-progressed') modelProgress.update(event.receivedBytes, event.totalBytes);
    else if (event.type === 'model-downloaded') modelProgress.finish(`saved ${event.path}`);
    else if (event.type === 'model-loaded') reporter.verbose(`loaded ${event.path}`);
  };
}
