/**
 * A simulated arXiv on a local HTTP server, with a clock: papers announced on each announcement day (arXiv's calendar,
 * holidays included), the rss.arxiv.org feed as it stands at `now`, and OAI-PMH answering date ranges with the papers
 * announced in them. Faults can be injected per day (an empty feed, a failing or empty OAI-PMH day).
 *
 * The clock is the one ADR 0013 and src/core/arxiv-calendar.ts assume: arXiv mails at 20:00 Eastern, Sunday to Thursday,
 * and rss.arxiv.org builds the feed of day D at 00:00 Eastern on D, so the feed served at `now` is the one of the Eastern
 * day of `now`: that day's papers on an announcement day, empty (but dated that day) on a weekend or holiday day.
 * OAI-PMH records carry the announcement day as their datestamp (as in the real `ListRecords set=cs 2015-01-16..18`
 * capture: 46 records, all dated Fri 2015-01-16, none for the weekend), and appear from the 20:00 mailing on.
 */
import { addDays, announcementAt, easternDay, isAnnouncementDay } from '../../src/core/arxiv-calendar.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { oaiArxivRawPage, rssFeed, type FeedPaper } from './arxiv-feeds.js';
import { createRandom } from './random.js';

export interface ArxivWorldOptions {
  /** The first and last calendar days with announcements (YYYY-MM-DD). */
  from: string;
  until: string;
  /** The subscription's category; the world announces papers in it (new) and cross-lists into it. */
  category?: string;
  /** Papers per announcement day: `min`..`max` (default 1..4). Days listed in `quietDays` get none. */
  perDay?: { min: number; max: number };
  quietDays?: readonly string[];
  rng?: () => number;
}

/** A reply of the simulated arXiv. */
interface WorldResponse {
  status?: number;
  headers?: Record<string, string>;
  body: string;
}

export interface ArxivWorld {
  /** `url`: `http://127.0.0.1:PORT`; serves `/rss/<category>` and `/oai`. */
  server: { url: string };
  /** The clock the servers answer at; set it before each run. */
  now: Date;
  /** The papers announced on each announcement day, keyed by feed day. */
  announced: Map<string, FeedPaper[]>;
  /** Every paper announced on the days `from`..`until` (inclusive). */
  papersBetween(from: string, until: string): FeedPaper[];
  /** Faults, by Eastern day: the feed served empty (still dated that day), OAI-PMH failing (503) or empty for a day. */
  faults: { emptyFeed: Set<string>; oaiFails: Set<string>; oaiEmpty: Set<string> };
  /** The OAI-PMH requests as `from..until`, and how many feed requests were made. */
  oaiRequests(): string[];
  feedRequests(): number;
  close(): Promise<void>;
}

export async function startArxivWorld(options: ArxivWorldOptions): Promise<ArxivWorld> {
  const category = options.category ?? 'cs.CL';
  const rng = options.rng ?? createRandom(1);
  const perDay = options.perDay ?? { min: 1, max: 4 };
  const quiet = new Set(options.quietDays ?? []);
  const announced = new Map<string, FeedPaper[]>();
  let serial = 1;
  for (let day = options.from; day <= options.until; day = addDays(day, 1)) {
    if (!isAnnouncementDay(day)) continue;
    const count = quiet.has(day) ? 0 : perDay.min + Math.floor(rng() * (perDay.max - perDay.min + 1));
    const papers: FeedPaper[] = [];
    for (let i = 0; i < count; i++, serial++) {
      const id = `${day.slice(2, 4)}${day.slice(5, 7)}.${String(serial).padStart(5, '0')}`;
      const cross = rng() < 0.3;
      papers.push({
        id,
        version: 1,
        title: `Paper ${id} announced ${day}`,
        abstract: `We report result ${serial} (announced ${day}) on models of language.`,
        authors: [`Author ${serial}`, 'Ada Lovelace'],
        categories: cross ? ['cs.LG', category] : [category],
        announceType: cross ? 'cross' : 'new',
      });
    }
    announced.set(day, papers);
  }
  const oaiLog: string[] = [];
  let feedCount = 0;
  const faults = { emptyFeed: new Set<string>(), oaiFails: new Set<string>(), oaiEmpty: new Set<string>() };

  const world: ArxivWorld = {
    server: { url: '' },
    now: new Date(`${options.from}T12:00:00Z`),
    announced,
    papersBetween: (from, until) => [...announced].filter(([day]) => day >= from && day <= until).flatMap(([, papers]) => papers),
    faults,
    oaiRequests: () => [...oaiLog],
    feedRequests: () => feedCount,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  function feed(): WorldResponse {
    // The feed of the Eastern day of `now`: built at 00:00 Eastern, it holds that day's announcement (none on a weekend
    // or holiday day, when arXiv still builds an empty feed dated that day).
    const day = easternDay(world.now);
    const papers = faults.emptyFeed.has(day) ? [] : (announced.get(day) ?? []);
    return { headers: { 'content-type': 'application/rss+xml' }, body: rssFeed(category, day, papers) };
  }

  function oai(query: Record<string, string>): WorldResponse {
    const from = query.from ?? '0000-00-00';
    const until = query.until ?? '9999-99-99';
    for (const day of faults.oaiFails) {
      if (day >= from && day <= until) return { status: 503, headers: { 'retry-after': '1' }, body: 'Service Unavailable' };
    }
    const records = [...announced]
      .filter(([day]) => day >= from && day <= until && !faults.oaiEmpty.has(day) && announcementAt(day).getTime() <= world.now.getTime())
      .flatMap(([day, papers]) => papers.map((paper) => ({ paper, datestamp: day, set: 'cs:cs:CL' })));
    return { headers: { 'content-type': 'text/xml' }, body: oaiArxivRawPage(records, `${world.server.url}/oai`) };
  }

  // A plain node:http server (this helper also serves `npm run bench:calendar`, which runs outside vitest).
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    let reply: WorldResponse;
    if (url.pathname === `/rss/${category}`) {
      feedCount += 1;
      reply = feed();
    } else if (url.pathname === '/oai') {
      const query = Object.fromEntries(url.searchParams);
      oaiLog.push(`${query.from}..${query.until}`);
      reply = oai(query);
    } else {
      reply = { status: 404, body: 'not found' };
    }
    response.writeHead(reply.status ?? 200, reply.headers ?? {});
    response.end(reply.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  world.server.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return world;
}
