/** Human-readable summaries of stored results, shared by `ingest` and `fetch`. */
import type { StoreEventsResult } from '../jobs/store-events.js';
import type { UpsertResult } from '../store/store.js';
import { formatCount } from './output.js';

const ANNOUNCE_ORDER = ['new', 'cross', 'replace', 'replace-cross', 'unknown'];

/** `81 papers (40 new, 10 cross, 22 replace, 9 replace-cross): 81 added, 0 updated, 0 unchanged` */
export function describeStored(result: StoreEventsResult): string {
  const types = Object.entries(result.byAnnounceType)
    .sort(([a], [b]) => ANNOUNCE_ORDER.indexOf(a) - ANNOUNCE_ORDER.indexOf(b))
    .filter(([type]) => type !== 'unknown' || Object.keys(result.byAnnounceType).length > 1)
    .map(([type, count]) => `${formatCount(count)} ${type === 'unknown' ? 'without announce type' : type}`);
  const byType = types.length > 0 ? ` (${types.join(', ')})` : '';
  const versions = result.versionsAdded > 0 ? `, ${formatCount(result.versionsAdded)} version records added` : '';
  return `${formatCount(result.papers)} papers${byType}: ${formatCount(result.inserted)} added, ${formatCount(result.updated)} updated, ${formatCount(result.unchanged)} unchanged${versions}`;
}

/** The JSON shape of a stored result, for `--json`. */
export function storedJson(result: StoreEventsResult): Record<string, unknown> {
  return {
    papers: result.papers,
    inserted: result.inserted,
    updated: result.updated,
    unchanged: result.unchanged,
    versionsAdded: result.versionsAdded,
    byAnnounceType: result.byAnnounceType,
    noAnnouncement: result.noAnnouncement,
    feed: result.feed ? { format: result.feed.format, title: result.feed.title, published: result.feed.published, announced: result.feed.announced } : null,
  };
}

/** `3 papers added, 0 updated, 2 unchanged` */
export function describeUpsert(result: UpsertResult): string {
  return `${formatCount(result.inserted)} papers added, ${formatCount(result.updated)} updated, ${formatCount(result.unchanged)} unchanged`;
}
