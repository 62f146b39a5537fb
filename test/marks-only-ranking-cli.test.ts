/**
 * Decision 0051, the way a reader meets it through the built CLI: a subscription with no library runs on Monday, the
 * reader hides (or, in another home, stars) Monday's speech-recognition paper with `xivdigest feedback`, and Tuesday's
 * digest ranks Tuesday's speech paper last (or first), with the reason in the digest and the run report. Without
 * topK every paper is still delivered (ranking.threshold does not apply to hidden papers alone); with topK the cut
 * follows the new order. Each home has its own arXiv server, so the tests run two at a time (ADR 0066).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCliSandbox, type CliSandbox } from './helpers/cli.js';
import { startFakeLlmServer, type FakeLlmServer } from './helpers/fake-llm-server.js';
import { feedOf } from './helpers/good-papers.js';
import { startTestServer, type TestServer } from './helpers/http-server.js';
import { syntheticPapers } from './helpers/synthetic-papers.js';

const KEY = 'sk-test-marks-only-0123456789';
const DAY1 = { now: '2026-11-23T06:00:00Z', day: '2026-11-23', pubDate: 'Mon, 23 Nov 2026 00:00:00 -0500' };
const DAY2 = { now: '2026-11-24T06:00:00Z', day: '2026-11-24', pubDate: 'Tue, 24 Nov 2026 00:00:00 -0500' };

// One paper of each of four topics a day: speech recognition, question answering, molecules, legged robots.
const day1 = syntheticPapers(4, 0);
const day2 = syntheticPapers(4, 4);
const SPEECH_DAY1 = day1[0]!;
const SPEECH_DAY2 = day2[0]!;

interface RunReport {
  selected: Array<{ id: string; reason: string; score?: number }>;
  skipped: Array<{ id: string; reason: string }>;
}

// Two at a time, as the machine the suite is made for has two cores: each test runs one CLI process at a time.
vi.setConfig({ maxConcurrency: 2 });

/** A home: its sandbox and the arXiv server whose feed is the day it is in. */
interface Home {
  sandbox: CliSandbox;
  arxiv: TestServer;
  feed: string;
}

describe.concurrent('a subscription without a library is ranked by its marks alone (xivdigest feedback → the next run)', () => {
  let llm: FakeLlmServer;
  const sandboxes: CliSandbox[] = [];
  const servers: TestServer[] = [];

  beforeAll(async () => {
    llm = await startFakeLlmServer({ papers: [...day1, ...day2], apiKey: KEY });
  });
  afterAll(async () => {
    await Promise.all([llm.close(), ...servers.map((server) => server.close())]);
    for (const sandbox of sandboxes) sandbox.cleanup();
  });

  const env = (home: Home) => ({ OPENAI_API_KEY: KEY, OPENAI_API_BASE: llm.url, OPENAI_API_MODEL: 'gpt-4o-mini', XIVDIGEST_ARXIV_RSS_URL: home.arxiv.url });

  /** A home with one library-less subscription (topK when given) that ran Monday. */
  async function afterMonday(ranking?: { topK?: number; threshold?: number }): Promise<Home> {
    const sandbox = createCliSandbox();
    sandboxes.push(sandbox);
    const home: Home = { sandbox, arxiv: undefined as unknown as TestServer, feed: feedOf(day1, DAY1.pubDate) };
    home.arxiv = await startTestServer([
      { method: 'GET', path: '/rss/cs.CL', reply: () => ({ headers: { 'content-type': 'application/rss+xml' }, body: home.feed }) },
    ]);
    servers.push(home.arxiv);
    const subscription = { name: 'nlp', categories: 'cs.CL', ...(ranking ? { ranking } : {}), outputs: { dir: join(sandbox.dir, 'out'), formats: ['json'] } };
    writeFileSync(join(sandbox.dir, 'xivdigest.config.json'), JSON.stringify({ subscriptions: [subscription] }));
    const monday = await sandbox.run(['run', '--now', DAY1.now], { env: env(home) });
    expect(monday.code, monday.stderr).toBe(0);
    // Nothing to rank by yet: the run says so, and Monday's digest keeps the feed's order.
    expect(monday.stderr).toMatch(/nlp: no library and no starred or hidden papers, so papers are not ranked/);
    expect(jsonDigestIds(sandbox, DAY1.day)).toEqual(day1.slice(0, ranking?.topK ?? day1.length).map((paper) => paper.id));
    return home;
  }

  /** Tuesday's run, its report (from `runs show --json`) and its digests. */
  async function tuesday(home: Home): Promise<{ stderr: string; report: RunReport; digest: FeedItem[]; ids: string[] }> {
    const { sandbox } = home;
    home.feed = feedOf(day2, DAY2.pubDate);
    const result = await sandbox.run(['run', '--now', DAY2.now], { env: env(home) });
    expect(result.code, result.stderr).toBe(0);
    const runs = JSON.parse((await sandbox.run(['runs', '--json'])).stdout) as Array<{ id: string }>;
    const shown = await sandbox.run(['runs', 'show', runs[0]!.id, '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    const report = (JSON.parse(shown.stdout) as { report: RunReport }).report;
    return { stderr: result.stderr, report, digest: jsonDigest(sandbox, DAY2.day), ids: jsonDigestIds(sandbox, DAY2.day) };
  }

  it('hide: the next digest ranks the paper like the hidden one last, says why, and still delivers every paper', async () => {
    // A threshold has no scale without a library or stars: the hidden-like paper (score about 0.06) is still delivered.
    const home = await afterMonday({ threshold: 0.3 });
    const { sandbox } = home;
    const hid = await sandbox.run(['feedback', SPEECH_DAY1.id, '--hide']);
    expect(hid.code, hid.stderr).toBe(0);
    // The listing, as JSON too.
    const listed = await sandbox.run(['feedback', '--list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      { subscription: 'nlp', paperId: SPEECH_DAY1.id, kind: 'hide', at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), title: SPEECH_DAY1.title },
    ]);

    const { stderr, report, digest, ids } = await tuesday(home);
    expect(stderr).not.toMatch(/papers are not ranked/);
    expect(ids).toHaveLength(4);
    expect(ids.at(-1)).toBe(SPEECH_DAY2.id);
    expect(new Set(ids.slice(0, 3))).toEqual(new Set(day2.slice(1).map((paper) => paper.id)));
    const hiddenTitle = SPEECH_DAY1.title.split(':')[0]!;
    const sunk = report.selected.find((paper) => paper.id === SPEECH_DAY2.id)!;
    expect(sunk.reason).toMatch(new RegExp(`no library; lowered: like hidden "${hiddenTitle}[^"]*" \\(0\\.\\d\\d\\)`));
    // The others share only boilerplate words with the hidden paper: a little lower at most, each saying by how much.
    const similarityOf = (reason: string) => Number(/like hidden "[^"]*" \((\d\.\d\d)\)/.exec(reason)?.[1] ?? 0);
    for (const other of report.selected.filter((paper) => paper.id !== SPEECH_DAY2.id)) {
      expect(other.reason).toMatch(/no library; (not like any hidden paper|lowered: like hidden ")/);
      expect(similarityOf(other.reason)).toBeLessThan(similarityOf(sunk.reason));
      expect(other.score!).toBeGreaterThan(sunk.score!);
    }
    // The digest itself says why, by the paper.
    // The digest itself says why, by the paper, in the digest's language (Chinese by default), and only where it matters.
    expect(digest.at(-1)!._arxiv.selection?.reason).toBe(`排名靠后：与你隐藏的论文相似：${SPEECH_DAY1.title}`);
    for (const item of digest.slice(0, 3)) expect(item._arxiv.selection?.reason ?? '').not.toContain('隐藏');
  }, 60_000);

  it('feedback --list --json: documented in --help, an empty list is [], and --json alone is a usage error', async () => {
    const sandbox = createCliSandbox();
    sandboxes.push(sandbox);
    writeFileSync(join(sandbox.dir, 'xivdigest.config.json'), JSON.stringify({ subscriptions: [{ name: 'nlp', categories: 'cs.CL' }] }));
    // --help opens no database; the two runs that may open it one after the other (a new database is migrated once).
    const [help, empty] = await Promise.all([sandbox.run(['feedback', '--help']), sandbox.run(['feedback', '--list', '--json'])]);
    const alone = await sandbox.run(['feedback', '--json']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--json\s+with --list: print JSON/);
    expect(help.stdout).toContain('xivdigest feedback --list --json');
    expect(empty.code, empty.stderr).toBe(0);
    expect(JSON.parse(empty.stdout)).toEqual([]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/--json goes with --list/);
  });

  it('hide with topK: the cut follows the new order, and the skipped paper says why', async () => {
    const home = await afterMonday({ topK: 3 });
    expect((await home.sandbox.run(['feedback', SPEECH_DAY1.id, '--hide'])).code).toBe(0);
    const { report, ids } = await tuesday(home);
    expect(new Set(ids)).toEqual(new Set(day2.slice(1).map((paper) => paper.id)));
    expect(report.skipped.find((paper) => paper.id === SPEECH_DAY2.id)?.reason).toMatch(/^ranked below the top 3 \(score 0\.\d+\)$/);
  }, 60_000);

  it('star with topK 1: the paper like the starred one is the one delivered, close to the starred paper', async () => {
    const home = await afterMonday({ topK: 1 });
    const starred = await home.sandbox.run(['feedback', SPEECH_DAY1.id, '--star']);
    expect(starred.code, starred.stderr).toBe(0);
    const { report, ids, digest } = await tuesday(home);
    expect(ids).toEqual([SPEECH_DAY2.id]);
    expect(report.selected[0]!.reason).toMatch(/^close to "[^"]+" \(0\.\d\d\): /);
    expect(report.selected[0]!.reason).toContain(SPEECH_DAY1.title.split(':')[0]!);
    expect(digest[0]!._arxiv.selection?.reason).toBe(`与你收藏的论文相似：${SPEECH_DAY1.title}`);
    expect(report.skipped.map((paper) => paper.reason)).toEqual(Array(3).fill(expect.stringMatching(/^ranked below the top 1/)));
  }, 60_000);
});

interface FeedItem {
  _arxiv: { id: string; selection?: { score: number; reason: string } };
}

/** The items of a day's JSON digest (JSON Feed), in their order. */
function jsonDigest(sandbox: CliSandbox, day: string): FeedItem[] {
  return (JSON.parse(readFileSync(join(sandbox.dir, 'out', 'nlp', `${day}.json`), 'utf8')) as { items: FeedItem[] }).items;
}

/** The paper ids of a day's JSON digest, in their order. */
function jsonDigestIds(sandbox: CliSandbox, day: string): string[] {
  return jsonDigest(sandbox, day).map((item) => item._arxiv.id);
}
