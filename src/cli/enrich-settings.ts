/** The model-progress reporting shared by `enrich` and `today`; loaded only when they run. */
import type { chooseProvider, ChosenProvider } from '../app-llm.js';
import type { LlamaCppProvider } from '../llm/llama-cpp/index.js';
// plan.js, not index.js: index.js loads node-llama-cpp (hundreds of modules), which a run without a local model never needs.
import { describeLocalRun } from '../llm/llama-cpp/plan.js';
import { formatCount, type Reporter } from './output.js';

export { enrichSettings } from '../app-llm.js';

/** Reports the local model's download (a progress bar) and load, for commands that may start it. */
export function reportModelProgress(reporter: Reporter): NonNullable<Parameters<typeof chooseProvider>[0]['onModelProgress']> {
  const modelProgress = reporter.progress('local model');
  return (event) => {
    if (event.type === 'download-started')
      reporter.info(`downloading the model to ${event.path}${event.resumeFrom > 0 ? ` (resuming at ${formatCount(event.resumeFrom)} bytes)` : ''}`);
    else if (event.type === 'download-progressed') modelProgress.update(event.receivedBytes, event.totalBytes);
    else if (event.type === 'model-downloaded') modelProgress.finish(`saved ${event.path}`);
    else if (event.type === 'model-loaded') reporter.verbose(`loaded ${event.path}`);
  };
}

/**
 * Before a local-model run: once the model is loaded and calibrated (generation waits for the same load), says which
 * model, where, with how many sequences and why, and how long the papers will take on this machine.
 */
export function announceLocalRun(chosen: ChosenProvider, papers: number, reporter: Reporter): void {
  if (chosen.kind !== 'llama-cpp' || papers === 0) return;
  const local = chosen.provider as LlamaCppProvider;
  // A load failure is reported by the run itself (every generate() waits for the same load).
  void local.load().then(
    (info) => reporter.info(describeLocalRun(info, papers)),
    () => undefined,
  );
}
