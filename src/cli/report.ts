/** Prints a run report for people: what was covered, selected, skipped, enriched and delivered, and what to do. */
import type { RunReport } from '../core/run-report.js';

function id(paper: { id: string; version: number | null }): string {
  return paper.version === null ? paper.id : `${paper.id}v${paper.version}`;
}

function score(value: number | undefined): string {
  return value === undefined ? '' : ` [${value.toFixed(3)}]`;
}

function short(text: string, max = 90): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The report as lines; `all` lists every skipped paper (otherwise the first 20 and a count). */
export function formatReport(report: RunReport, options: { all?: boolean } = {}): string[] {
  const lines: string[] = [];
  const days =
    report.days.length === 0
      ? 'no new announcement day'
      : report.days.length === 1
        ? report.days[0]
        : `${report.days[0]} to ${report.days.at(-1)} (${report.days.length} days)`;
  lines.push(`run ${report.id} · ${report.subscription} · ${report.status} · clock ${report.now}`);
  lines.push(`covered: ${days}; watermark ${report.watermark.before ?? '(none)'} → ${report.watermark.after ?? report.watermark.before ?? '(none)'}`);
  for (const day of report.coverage ?? []) {
    // A day the run stopped at is explained once, under problems.
    const note = day.note && day.status !== 'not-yet' && day.status !== 'failed' ? `: ${short(day.note, 160)}` : '';
    if (day.status !== 'feed' && day.status !== 'backfill') lines.push(`  ${day.day}: ${day.status}${note}`);
  }
  const types = Object.entries(report.fetched.byAnnounceType)
    .map(([type, count]) => `${count} ${type}`)
    .join(', ');
  lines.push(
    `fetched: ${report.fetched.papers} paper(s)${types ? ` (${types})` : ''}${report.fetched.sources.length ? ` from ${report.fetched.sources.join(' and ')}` : ''}`,
  );
  if (report.alreadyDecided > 0) lines.push(`decided in earlier runs: ${report.alreadyDecided} (not repeated)`);
  lines.push(`selected: ${report.selected.length}`);
  if (report.selected.some((paper) => paper.score !== undefined)) {
    lines.push("  scores run 0-1 on your library's scale: 0.5 = as close as its median paper, 1 = closer than any (select --help)");
  }
  for (const paper of report.selected) {
    lines.push(`  + ${id(paper)}${score(paper.score)} ${short(paper.title)}`);
    lines.push(`      ${paper.reason}`);
  }
  lines.push(`skipped: ${report.skipped.length}`);
  const shown = options.all ? report.skipped : report.skipped.slice(0, 20);
  for (const paper of shown) lines.push(`  - ${id(paper)} ${short(paper.title, 60)}: ${paper.reason}`);
  if (shown.length < report.skipped.length) lines.push(`  … and ${report.skipped.length - shown.length} more (--all lists them)`);
  if (report.enrichment) {
    const e = report.enrichment;
    lines.push(
      `enriched: ${e.enriched} new, ${e.cached} from the cache, ${e.failed.length} failed, ${e.remaining} left · ${e.tokens} tokens` +
        `${e.cachedTokens ? ` (${e.cachedTokens} cached)` : ''}${e.cost === null ? '' : ` · $${e.cost.toFixed(4)}`}${e.saved ? ` (saved $${e.saved.toFixed(4)})` : ''}` +
        `${e.batches && e.batches.length > 0 ? ` · batch ${e.batches.join(', ')}` : ''} · ${e.provider}/${e.model}`,
    );
  }
  for (const delivery of report.deliveries) {
    lines.push(`delivered: ${delivery.channel}: ${delivery.status} (${delivery.items})${delivery.detail ? ` ${short(delivery.detail, 120)}` : ''}`);
    if (delivery.possiblyDuplicated) {
      lines.push(
        `  possibly duplicated: an earlier run stopped while sending it; sent again with the same key ${delivery.deliveryKey ?? ''}, so the receiver can drop the copy`,
      );
    }
  }
  if (report.nothing) lines.push(`no papers: ${report.nothing.message}`);
  for (const problem of report.problems) lines.push(`problem: ${problem}`);
  const durations = Object.entries(report.durationsMs)
    .map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)} s`)
    .join(', ');
  if (durations) lines.push(`durations: ${durations}`);
  return lines;
}
