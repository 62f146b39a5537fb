/**
 * The daily run over a sequence of days, against constructed rss.arxiv.org feeds and OAI-PMH pages served from a local
 * HTTP server: first run, rerun, replacements, a gap of several days, an empty weekend, a late feed. The check: every
 * announced paper is selected or skipped exactly once (per abstract), none is missed, nothing is delivered twice.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAnnouncementDay } from '../core/arxiv-calendar.js';
import { abstractHash } from '../core/hash.js';
import { createMarkdownRenderer } from '../render/markdown/index.js';
import { createRssRenderer } from '../render/rss/index.js';
import { createTextRenderer } from '../render/text/index.js';
import { createPaperFilter } from '../select/filter.js';
import { createArxivRssSource } from '../sources/arxiv-rss/index.js';
import { createOaiPmhSource } from '../sources/oai-pmh/index.js';
import { createHttpClient } from '../sources/shared/http.js';
import { createTempStore, type TempStore } from '../../test/helpers/temp-store.js';
import { startTestServer, type TestServer } from '../../test/helpers/http-server.js';
import { oaiArxivRawPage, rssFeed, type FeedPaper } from '../../test/helpers/arxiv-feeds.js';
import { runDaily, type DailyRunResult } from './daily-run.js';
import { publishDigest } from './publish.js';
import { createRunCalendar } from './run-calendar.js';

function paper(id: string, overrides: Partial<FeedPaper> = {}): FeedPaper {
  return {
    id,
    version: 1,
    title: `Paper ${id} on multilingual translation`,
    abstract: `We study ${id}: a method for multilingual machine translation with small models.`,
    authors: ['Ada Lovelace', 'Alan Turing'],
    categories: ['cs.CL'],
    announceType: 'new',
    ...overrides,
  };
}

// Feeds by day, and OAI-PMH records by datestamp, as arXiv would serve them.
const A = paper('2611.00001');
const B = paper('2611.00002', { categories: ['cs.LG', 'cs.CL'], announceType: 'cross' });
const C = paper('2611.00003', { title: 'A survey of translation' });
const D = paper('2610.09999', { version: 2, announceType: 'replace' });
const E = paper('2611.00005');
const A2 = { ...A, version: 2, announceType: 'replace' as const, abstract: `${A.abstract} We add results on 40 languages.` };
const B2 = { ...B, version: 2, announceType: 'replace-cross' as const };
const F = paper('2611.00006');
const G = paper('2611.00007');
const H = paper('2611.00008', { authors: ['Grace Hopper'] });
const I = paper('2611.00009', { categories: ['cs.AI'] });
const J = paper('2611.00010');

const feeds: Record<string, FeedPaper[]> = {
  '2026-11-09': [A, B, C, D],
  '2026-11-10': [E, A2, B2],
  '2026-11-13': [F],
  '2026-11-16': [J],
};
const oai: Array<{ paper: FeedPaper; datestamp: string }> = [
  { paper: E, datestamp: '2026-11-11' }, // an overlap: already delivered on 11-10
  { paper: G, datestamp: '2026-11-11' },
  { paper: H, datestamp: '2026-11-12' },
  { paper: I, datestamp: '2026-11-12' },
];

describe('the daily run over a sequence of days', () => {
  let temp: TempStore;
  let server: TestServer;
  let out: string;
  let feedDay: string;
  // Serves the feed without its dates (no <pubDate>, no <lastBuildDate>): a feed that proves nothing about its day.
  let undated = false;

  beforeEach(async () => {
    temp = await createTempStore('sqlite');
    out = await mkdtemp(join(tmpdir(), 'xivdigest-run-'));
    server = await startTestServer([
      {
        path: '/rss/cs.CL',
        reply: () => {
          const body = rssFeed('cs.CL', feedDay, feeds[feedDay] ?? []);
          return { headers: { 'content-type': 'application/rss+xml' }, body: undated ? body.replace(/\s*<(pubDate|lastBuildDate)>[^<]*<\/\1>/g, '') : body };
        },
      },
      {
        path: '/oai',
        reply: (request) => {
          const { from = '', until = '9999' } = request.query;
          const records = oai.filter((record) => record.datestamp >= from && record.datestamp <= until).map((record) => ({ ...record, set: 'cs' }));
          return { headers: { 'content-type': 'text/xml' }, body: oaiArxivRawPage(records, `${server.url}/oai`) };
        },
      },
    ]);
  });
  afterEach(async () => {
    await server.close();
    await temp.cleanup();
    await rm(out, { recursive: true, force: true });
  });

  async function runAt(now: string, options: { runId: string }): Promise<DailyRunResult> {
    const http = createHttpClient({ minIntervalMs: 0, maxRetries: 0 });
    const rss = createArxivRssSource({ baseUrl: server.url, format: 'rss', http });
    const oaiSource = createOaiPmhSource({ baseUrl: `${server.url}/oai`, http });
    const store = temp.store;
    return runDaily({
      store,
      subscription: { name: 'nlp', updates: true, replacements: false, maxCatchUpDays: 14, ranking: {} },
      categories: ['cs.CL'],
      now: new Date(now),
      runId: options.runId,
      lang: 'zh',
      calendar: createRunCalendar(),
      feed: (categories) => rss.fetch({ categories }),
      backfill: (categories, from, until) => oaiSource.fetch({ categories, from, until }),
      filter: createPaperFilter({ categories: 'cs.CL', replacements: true, exclude: ['survey'], authors: ['G. Hopper'] }),
      publish: (digest, label) =>
        publishDigest(digest, label, {
          store,
          subscription: 'nlp',
          renderers: { md: createMarkdownRenderer(), rss: createRssRenderer(), txt: createTextRenderer() },
          dir: out,
          formats: ['md', 'rss'],
          latestName: 'cs.CL',
          channels: [],
          subject: `nlp ${label}`,
        }),
    });
  }

  const ids = (result: DailyRunResult) => result.report.selected.map((item) => `${item.id}v${item.version}`);

  it('covers every announcement day once, decides every paper once, and explains empty days', async () => {
    for (const day of ['2026-11-09', '2026-11-10', '2026-11-11', '2026-11-12', '2026-11-13', '2026-11-16']) expect(isAnnouncementDay(day), day).toBe(true);
    for (const day of ['2026-11-14', '2026-11-15']) expect(isAnnouncementDay(day), day).toBe(false);

    // Mon 01:00 EST: the first run covers the latest feed only.
    feedDay = '2026-11-09';
    const first = await runAt('2026-11-09T06:00:00Z', { runId: 'r1' });
    expect(first.report.days).toEqual(['2026-11-09']);
    expect(ids(first)).toEqual(['2611.00001v1', '2611.00002v1']);
    expect(first.report.skipped.map((item) => [item.id, item.reason])).toEqual([
      ['2611.00003', expect.stringMatching(/survey/)],
      ['2610.09999', expect.stringMatching(/replacement \(v2\) of a paper this subscription never delivered/)],
    ]);
    expect(first.report.watermark).toEqual({ after: '2026-11-09' });
    expect(await readdir(join(out, 'nlp'))).toEqual(['2026-11-09.md', '2026-11-09.xml']);
    expect(await readFile(join(out, 'cs.CL.md'), 'utf8')).toContain('2611.00001');

    // A rerun the same night: nothing twice, and the report says why.
    const rerun = await runAt('2026-11-09T07:00:00Z', { runId: 'r1b' });
    expect(rerun.report.days).toEqual([]);
    expect(rerun.report.selected).toEqual([]);
    expect(rerun.report.status).toBe('nothing');
    expect(rerun.report.nothing?.kind).toBe('not-yet');
    expect(rerun.report.nothing?.retry).toBeUndefined();

    // Tue: a new paper, a new version that changes the abstract (delivered again, flagged), one that does not.
    feedDay = '2026-11-10';
    const tuesday = await runAt('2026-11-10T06:00:00Z', { runId: 'r2' });
    expect(ids(tuesday)).toEqual(['2611.00005v1', '2611.00001v2']);
    expect(tuesday.report.selected[1]).toMatchObject({ updatedFrom: 1, reason: expect.stringMatching(/^updated \(v2\)/) });
    expect(tuesday.digest?.entries.find((entry) => entry.paperId === '2611.00001')?.updatedFrom).toBe(1);
    expect(tuesday.report.alreadyDecided).toBe(1); // B v2: same abstract as v1

    // Fri: the runs of Wed and Thu were missed. Today's feed plus OAI-PMH for 11-11 and 11-12 (which repeats E).
    feedDay = '2026-11-13';
    const friday = await runAt('2026-11-13T06:00:00Z', { runId: 'r3' });
    expect(friday.report.days).toEqual(['2026-11-11', '2026-11-12', '2026-11-13']);
    expect(friday.report.fetched.sources).toEqual(['feed', 'backfill']);
    expect(ids(friday).sort()).toEqual(['2611.00006v1', '2611.00007v1', '2611.00008v1']);
    expect(friday.report.selected.find((item) => item.id === '2611.00008')?.reason).toMatch(/G\. Hopper \(followed\)/);
    // The digest keeps the same facts for readers, and its feeds link to the subscription's arXiv listing.
    expect(friday.digest?.entries.find((entry) => entry.paperId === '2611.00008')?.selection?.why).toMatchObject({ authors: ['G. Hopper'] });
    expect(friday.digest?.categories).toEqual(['cs.CL']);
    expect(friday.report.skipped.map((item) => item.id)).toEqual(['2611.00009']);
    expect(friday.report.alreadyDecided).toBe(1);
    const oaiRequests = server.requestsTo('/oai');
    // One request per missed day, so that each paper is known by its day.
    expect(oaiRequests.slice(-2).map((request) => [request.query.from, request.query.until])).toEqual([
      ['2026-11-11', '2026-11-11'],
      ['2026-11-12', '2026-11-12'],
    ]);

    // The weekend: no request at all, and the reason is the weekend.
    const requestsBefore = server.requests.length;
    const saturday = await runAt('2026-11-14T15:00:00Z', { runId: 'r4' });
    const sunday = await runAt('2026-11-15T15:00:00Z', { runId: 'r5' });
    for (const result of [saturday, sunday]) {
      expect(result.report.nothing?.kind).toBe('weekend');
      expect(result.report.nothing?.message).toMatch(/Friday and Saturday/);
      expect(result.report.watermark).toEqual({ before: '2026-11-13', after: '2026-11-13' });
    }
    expect(server.requests.length).toBe(requestsBefore);

    // Mon 00:10 EST: the feed still shows Friday. "Not yet", never "empty"; the watermark stays.
    feedDay = '2026-11-13';
    const early = await runAt('2026-11-16T05:10:00Z', { runId: 'r6' });
    expect(early.report.nothing).toMatchObject({ kind: 'not-yet', retry: true });
    expect(early.report.problems.join(' ')).toMatch(/retry later/);
    expect(early.report.watermark.after).toBe('2026-11-13');
    expect(early.report.selected).toEqual([]);

    // Mon 03:00 EST: the feed is out.
    feedDay = '2026-11-16';
    const monday = await runAt('2026-11-16T08:00:00Z', { runId: 'r7' });
    expect(monday.report.days).toEqual(['2026-11-16']);
    expect(ids(monday)).toEqual(['2611.00010v1']);
    expect(monday.report.watermark.after).toBe('2026-11-16');

    // Every paper text that arXiv announced was decided exactly once, none missed.
    const announced = [A, B, C, D, E, A2, F, G, H, I, J];
    const decisions = await temp.store.getDecisions('nlp', [...new Set(announced.map((item) => item.id))]);
    const keys = decisions.map((decision) => `${decision.paperId}:${decision.abstractHash}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.sort()).toEqual([...new Set(announced.map((item) => `${item.id}:${abstractHash(item.abstract)}`))].sort());
    const selected = decisions.filter((decision) => decision.decision === 'selected').map((decision) => `${decision.paperId}v${decision.version}`);
    expect(selected.sort()).toEqual([
      '2611.00001v1',
      '2611.00001v2',
      '2611.00002v1',
      '2611.00005v1',
      '2611.00006v1',
      '2611.00007v1',
      '2611.00008v1',
      '2611.00010v1',
    ]);
    const runs = await temp.store.listRuns({ subscription: 'nlp' });
    expect(runs.map((run) => run.id).sort()).toEqual(['r1', 'r1b', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7']);
  }, 60_000);

  it('a late feed covers the day it is dated; an undated feed covers nothing; an empty feed dated today sends the day to OAI-PMH', async () => {
    feedDay = '2026-11-09';
    undated = false;
    await runAt('2026-11-09T06:00:00Z', { runId: 'mon' });

    // Wed 01:00 EST: the feed should show Wednesday but still shows Tuesday, which this subscription has not covered.
    feedDay = '2026-11-10';
    const late = await runAt('2026-11-11T06:00:00Z', { runId: 'wed-late' });
    expect(late.report.coverage?.map((day) => `${day.day} ${day.status}`)).toEqual(['2026-11-10 feed', '2026-11-11 not-yet']);
    expect(ids(late)).toEqual(['2611.00005v1', '2611.00001v2']);
    expect(late.report.watermark.after).toBe('2026-11-10');
    expect(server.requestsTo('/oai')).toEqual([]);

    // An undated feed (empty here) proves nothing: Wednesday stays uncovered, and nothing is asked of OAI-PMH for it.
    feedDay = '2026-11-11';
    undated = true;
    const blind = await runAt('2026-11-11T08:00:00Z', { runId: 'wed-undated' });
    expect(blind.report.days).toEqual([]);
    expect(blind.report.nothing).toMatchObject({ kind: 'not-yet', retry: true, message: expect.stringMatching(/the feed has no date/) });
    expect(await temp.store.getState('watermark:nlp')).toMatchObject({ day: '2026-11-10' });
    expect(server.requestsTo('/oai')).toEqual([]);

    // Thu 01:00 EST: the feed is dated Thursday but empty, though arXiv announced that day: OAI-PMH covers both days.
    feedDay = '2026-11-12';
    undated = false;
    const thursday = await runAt('2026-11-12T06:00:00Z', { runId: 'thu' });
    expect(thursday.report.coverage?.map((day) => `${day.day} ${day.status}`)).toEqual(['2026-11-11 backfill', '2026-11-12 backfill']);
    expect(server.requestsTo('/oai').map((request) => `${request.query.from}..${request.query.until}`)).toEqual([
      '2026-11-11..2026-11-11',
      '2026-11-12..2026-11-12',
    ]);
    expect(ids(thursday).sort()).toEqual(['2611.00007v1', '2611.00008v1']);
    expect(thursday.report.watermark.after).toBe('2026-11-12');
  });

  it('stores a run that stops on an arXiv error as failed, with the error, and leaves the watermark', async () => {
    feedDay = '2026-11-09';
    await runAt('2026-11-09T06:00:00Z', { runId: 'ok' });
    await server.close();
    server = await startTestServer({ '/rss/cs.CL': { status: 500, body: 'down' } });
    const error = await runAt('2026-11-10T06:00:00Z', { runId: 'broken' }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'SOURCE_HTTP' });
    const stored = await temp.store.getRun('broken');
    expect(stored?.status).toBe('failed');
    expect((stored?.report as { problems: string[] }).problems.join(' ')).toMatch(/the run stopped: .*500.*the watermark is 2026-11-09/);
    expect(await temp.store.getState('watermark:nlp')).toMatchObject({ day: '2026-11-09' });
  });
});
