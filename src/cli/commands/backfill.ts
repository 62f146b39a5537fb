/** `xivdigest backfill`: loads the whole archive from the Kaggle snapshot or an OAI-PMH harvest, resumable. */
import type { Command } from 'commander';
import { XivdigestError } from '../../core/errors.js';
import type { BackfillProgress, BackfillResult } from '../../jobs/backfill.js';
import type { RunCommand } from '../context.js';
import { formatCount, formatDuration } from '../output.js';

interface BackfillCliOptions {
  kaggle?: string;
  oaiPmh?: boolean;
  from?: string;
  until?: string;
  set?: string[];
  chunkSize?: string;
  restart?: boolean;
  searchIndex?: string;
  json?: boolean;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** Seconds between progress lines (every chunk with -v). */
const PROGRESS_INTERVAL_MS = 2000;
/** Papers indexed after the load from which the merge that follows gets a line of its own. */
const MERGE_LINE_PAPERS = 100_000;

export function registerBackfill(program: Command, run: RunCommand): void {
  program
    .command('backfill')
    .description('load the whole arXiv archive: the Kaggle snapshot (.json, .json.gz) or an OAI-PMH harvest; resumable')
    .option('--kaggle <file>', 'the Kaggle snapshot, arxiv-metadata-oai-snapshot.json (or .json.gz)')
    .option('--oai-pmh', 'harvest arXiv OAI-PMH ListRecords (arxiv.oaiBaseUrl), one request per 3 s')
    .option('--from <YYYY-MM-DD>', "oai-pmh: first record datestamp (default 2007-05-23, arXiv's earliest)")
    .option('--until <YYYY-MM-DD>', 'oai-pmh: last record datestamp, inclusive (default today)')
    .option('--set <set...>', 'oai-pmh: only these sets, e.g. cs physics:hep-th (default: every record)')
    .option('--chunk-size <n>', 'kaggle: records per transaction (default 5000)')
    .option('--restart', 'forget the checkpoint and start from the beginning')
    .option('--search-index <when>', "kaggle: write new papers' search documents after the load (later, the default) or with each chunk (now)")
    .option('--json', 'print a JSON summary on stdout')
    .addHelpText(
      'after',
      `
Records are stored in chunks (5,000 lines of the snapshot, or one OAI-PMH page of 1,000), each committed in its
own transaction together with a checkpoint: the byte offset and line of the snapshot, or the finished month
windows and the resumption token of the harvest. Run the same command again after a crash, a kill or Ctrl-C and it
goes on after the last committed chunk; finished chunks are not read again (a .gz is decompressed from its start,
since gzip cannot seek, but the lines before the checkpoint are not parsed or written). Ctrl-C stops after the
current chunk; a second Ctrl-C stops at once, keeping what was committed. A snapshot is known by its size and a
hash of its first MiB, so a renamed copy resumes too; a new snapshot starts fresh (its papers update the stored ones).

A snapshot's new papers are searchable once the load is done: their search documents are written after it, in one
pass in the index's order (progress and ETA), which loads about twice as fast as writing them chunk by chunk. That
pass commits as it goes too; a run stopped in it, or a later run of the same command, finishes it. With
--search-index now each chunk is searchable as it commits. Papers the store already held are re-indexed at once.

The harvest goes month by month over record datestamps at arXiv's pace (arxiv.minIntervalMs, 3 s), honouring
Retry-After on 503; the whole archive takes many hours. Lines of the snapshot that are not papers are skipped and
listed (-v), never dropped silently.

Examples:
  xivdigest backfill --kaggle arxiv-metadata-oai-snapshot.json.gz
  xivdigest --db postgres://xivdigest@localhost/xivdigest backfill --kaggle arxiv-metadata-oai-snapshot.json --json
  xivdigest backfill --oai-pmh --set cs --from 2024-01-01
  xivdigest backfill --oai-pmh --restart`,
    )
    .action((options: BackfillCliOptions) =>
      run(async (context) => {
        const usage = (message: string, hint: string) => new XivdigestError({ code: 'USAGE', message, hint });
        if (Boolean(options.kaggle) === Boolean(options.oaiPmh))
          throw usage('backfill needs one of --kaggle FILE and --oai-pmh', 'For example: xivdigest backfill --kaggle arxiv-metadata-oai-snapshot.json.gz');
        if (options.kaggle && (options.from || options.until || options.set))
          throw usage('--from, --until and --set apply to --oai-pmh only', 'The snapshot is read whole; drop them');
        if (options.oaiPmh && options.chunkSize) throw usage('--chunk-size applies to --kaggle only', 'An OAI-PMH chunk is one page, as arXiv sends it');
        for (const [name, value] of [
          ['--from', options.from],
          ['--until', options.until],
        ] as const) {
          if (value !== undefined && (!DAY.test(value) || Number.isNaN(Date.parse(value))))
            throw usage(`${name} ${value} is not a date`, 'Write it as YYYY-MM-DD');
        }
        const chunkRecords = options.chunkSize === undefined ? undefined : Number(options.chunkSize);
        if (chunkRecords !== undefined && (!Number.isInteger(chunkRecords) || chunkRecords <= 0))
          throw usage(`--chunk-size ${options.chunkSize} is not a positive whole number`, 'For example --chunk-size 5000');
        if (options.searchIndex !== undefined && options.searchIndex !== 'now' && options.searchIndex !== 'later')
          throw usage(`--search-index ${options.searchIndex} is neither now nor later`, 'Give --search-index later (the default) or --search-index now');
        if (options.oaiPmh && options.searchIndex)
          throw usage('--search-index applies to --kaggle only', "A harvest writes each page's search documents with it (it waits for arXiv anyway); drop it");

        const [{ backfillKaggle, backfillOaiPmh }, { createOaiPmhSource }] = await Promise.all([
          import('../../jobs/backfill.js'),
          import('../../sources/oai-pmh/index.js'),
        ]);
        const app = context.app();
        const store = await app.store();
        const label = options.kaggle ? `backfill ${options.kaggle}` : 'backfill oai-pmh';
        let stopRequested = false;
        const release = context.signals.takeOver({
          onStop: () => {
            stopRequested = true;
            context.reporter.info(`${label}: stopping after the current chunk (again to stop at once)`);
          },
          keptOnForce: () => 'the chunks committed so far are kept; the same command resumes after the last one',
        });
        const started = Date.now();
        let lastLine = 0;
        let indexStarted: number | undefined;
        const onProgress = (progress: BackfillProgress) => {
          const now = Date.now();
          if (progress.phase === 'indexing' && progress.merging) {
            // Worth a line where it takes a while (a few seconds a million papers).
            if ((progress.toIndex ?? 0) >= MERGE_LINE_PAPERS) context.reporter.info(`${label}: search index: every document written; merging its segments`);
            return;
          }
          if (progress.phase === 'indexing') {
            indexStarted ??= now;
            // The first line at once: the pass begins with a count that can take a few seconds on a large archive.
            if (progress.indexed !== 0 && now - lastLine < PROGRESS_INTERVAL_MS && progress.indexed !== progress.toIndex) return;
            lastLine = now;
            context.reporter.info(`${label}: ${describeIndexing(progress, (now - indexStarted) / 1000)}`);
            return;
          }
          if (progress.phase === 'reading')
            context.reporter.verbose(`${label}: chunk ${progress.chunks} committed, ${formatCount(progress.recordsTotal)} records stored`);
          if (now - lastLine < PROGRESS_INTERVAL_MS) return;
          lastLine = now;
          context.reporter.info(`${label}: ${describeProgress(progress, (now - started) / 1000)}`);
        };
        let result: BackfillResult;
        try {
          const common = {
            store,
            restart: options.restart ?? false,
            shouldStop: () => stopRequested,
            onProgress,
            onWarning: (message: string) => context.reporter.warn(message),
          };
          if (options.kaggle) {
            result = await backfillKaggle({
              ...common,
              file: options.kaggle,
              ...(chunkRecords ? { chunkRecords } : {}),
              ...(options.searchIndex ? { searchIndex: options.searchIndex as 'now' | 'later' } : {}),
            });
          } else {
            const baseUrl = context.config().config.arxiv.oaiBaseUrl;
            const source = createOaiPmhSource({ baseUrl, http: app.http });
            result = await backfillOaiPmh({
              ...common,
              source,
              baseUrl,
              sets: options.set ?? [],
              ...(options.from ? { from: options.from } : {}),
              ...(options.until ? { until: options.until } : {}),
            });
          }
        } finally {
          release();
        }
        for (const skipped of result.skippedLines) context.reporter.verbose(`skipped line ${skipped.line}: ${skipped.reason}`);
        if (result.skipped > 0)
          context.reporter.warn(`${formatCount(result.skipped)} line(s) were not papers and were skipped (-v lists the first ${result.skippedLines.length})`);
        context.reporter.info(`${label}: ${describeResult(result)}`);
        if (options.json) context.print(JSON.stringify(result, null, 2));
      }),
    );
}

function describeProgress(progress: BackfillProgress, elapsed: number): string {
  if (progress.phase === 'skipping') return `decompressing up to the checkpoint, ${(100 * progress.fraction).toFixed(1)}% of the file`;
  const rate = elapsed > 0 ? progress.recordsRead / elapsed : 0;
  const parts = [
    `${formatCount(progress.recordsTotal)} records stored (${formatCount(progress.recordsRead)} this run)`,
    `${formatCount(rate)} papers/s`,
    `${(100 * progress.fraction).toFixed(1)}%`,
  ];
  const fractionRate = elapsed > 0 ? progress.fractionThisRun / elapsed : 0;
  if (fractionRate > 0 && progress.fraction < 1) parts.push(`ETA ${formatDuration((1 - progress.fraction) / fractionRate)}`);
  return parts.join('  ');
}

function describeIndexing(progress: BackfillProgress, elapsed: number): string {
  const done = progress.indexed ?? 0;
  const total = progress.toIndex ?? 0;
  if (total === 0) return 'writing the search documents of the papers loaded';
  const rate = elapsed > 0 ? done / elapsed : 0;
  const parts = [
    `search index: ${formatCount(done)} of ${formatCount(total)} papers`,
    `${formatCount(rate)} papers/s`,
    `${((100 * done) / total).toFixed(1)}%`,
  ];
  if (rate > 0 && done < total) parts.push(`ETA ${formatDuration((total - done) / rate)}`);
  return parts.join('  ');
}

function describeIndex(result: BackfillResult): string {
  const index = result.index;
  if (!index) return '';
  if (index.stopped)
    return `; search index: ${formatCount(index.indexed)} papers written, ${formatCount(index.remaining)} to go (run the same command to go on)`;
  const left =
    index.remaining > 0 ? ` (${formatCount(index.remaining)} papers stored meanwhile by another write wait for the next pass: run the same command again)` : '';
  return `; search index: ${formatCount(index.indexed)} papers in ${formatDuration(index.seconds)}${left}`;
}

function describeResult(result: BackfillResult): string {
  if (result.alreadyDone) return `already finished by an earlier run; nothing read (--restart reads it again)${describeIndex(result)}`;
  const resumed = result.resumedFrom
    ? result.resumedFrom.line !== undefined
      ? `resumed after line ${formatCount(result.resumedFrom.line)}; `
      : `resumed in ${result.resumedFrom.window}; `
    : '';
  const state = result.done ? 'finished' : result.stopped ? 'stopped; run the same command to go on' : 'incomplete';
  const rate = result.index ? `${formatCount(result.loadPapersPerSecond)} papers/s loaded` : `${formatCount(result.papersPerSecond)} papers/s`;
  return `${resumed}${formatCount(result.recordsRead)} records read (${formatCount(result.inserted)} new, ${formatCount(result.updated)} updated, ${formatCount(result.unchanged)} unchanged) in ${result.chunks} chunk(s), ${rate}${describeIndex(result)}; ${formatCount(result.recordsTotal)} stored over all runs; ${state}`;
}
