/**
 * A reader's whole journey (issue 11; docs/decisions/0038–0040), in one piece as the reader meets it: `xivdigest serve`
 * runs as a child process with accounts on; a real SMTP server (smtp-server), a webhook receiver, arXiv's feed and an
 * OpenAI-compatible API run on 127.0.0.1. The reader is invited from the CLI, signs in by the emailed link in
 * Chromium, creates a subscription (email and a webhook) with a library, previews it; `xivdigest run` delivers the
 * day's digest by email and to the webhook; a click on "hide" in the email records the verdict; the next day's run
 * ranks papers like the hidden one lower than the operator's own subscription (same library, no feedback) ranks them.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumFor } from './helpers/chromium.js';
import type { CliSandbox } from './helpers/cli.js';
import { feedOf } from './helpers/good-papers.js';
import { startTestServer, type RecordedRequest, type TestServer } from './helpers/http-server.js';
import { signedInReader } from './helpers/reader-session.js';
import { startReaderWorld, type ReaderWorld } from './helpers/reader-world.js';
import type { SinkMessage, SmtpSink } from './helpers/smtp-sink.js';
import { syntheticPapers } from './helpers/synthetic-papers.js';

const hasChromium = chromiumFor('reader journey browser test');
const KEY = 'sk-test-secret-journey-0123456789';
const BOB = 'bob@example.org';
const DAY1 = { now: '2026-11-23T06:00:00Z', pubDate: 'Mon, 23 Nov 2026 00:00:00 -0500' };
const DAY2 = { now: '2026-11-24T06:00:00Z', pubDate: 'Tue, 24 Nov 2026 00:00:00 -0500' };

// Four topics, one paper of each a day (test/helpers/synthetic-papers.ts cycles them: speech recognition, question
// answering, molecules, legged robots). The library leans to speech, so a day's speech paper ranks first without feedback.
const day1 = syntheticPapers(4, 0);
const day2 = syntheticPapers(4, 4);
const library = [...syntheticPapers(1, 12), ...syntheticPapers(1, 16), ...syntheticPapers(1, 13)];
const SPEECH_DAY1 = day1[0]!;
const SPEECH_DAY2 = day2[0]!;

/** The message's text, quoted-printable undone and read as UTF-8. */
function bodyOf(message: SinkMessage): string {
  const bytes = message.raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

interface Delivered {
  digest: { name: string };
  entries: Array<{ paperId: string; selection?: { score: number; reason: string } }>;
}
const payloadOf = (request: RecordedRequest): Delivered => JSON.parse(request.body.toString('utf8')) as Delivered;
/** 1-based place of the paper in a delivered digest; Infinity when it is not there. */
const placeOf = (delivered: Delivered, id: string) => {
  const index = delivered.entries.findIndex((entry) => entry.paperId === id);
  return index < 0 ? Number.POSITIVE_INFINITY : index + 1;
};

describe.skipIf(!hasChromium)('a reader’s journey: invite → sign in → subscribe → digest by email and webhook → hide → the next ranking', () => {
  let world: ReaderWorld;
  let sandbox: CliSandbox;
  let sink: SmtpSink;
  let hooks: TestServer;
  let browser: Browser;
  let base: string;
  let env: Record<string, string>;
  let feed = feedOf(day1, DAY1.pubDate);
  const bib = library
    .map((paper, index) => `@article{lib${index},\n  title = {${paper.title}},\n  abstract = {${paper.abstract}},\n  year = {2026}\n}\n`)
    .join('\n');

  beforeAll(async () => {
    hooks = await startTestServer([
      { method: 'POST', path: '/hooks/bob', reply: { status: 200 } },
      { method: 'POST', path: '/hooks/lab', reply: { status: 200 } },
    ]);
    world = await startReaderWorld({
      name: 'journey',
      apiKey: KEY,
      papers: [...day1, ...day2],
      feed: () => feed,
      // The operator's own subscription: the same library and top K as the reader's, and no feedback.
      config: ({ sandbox }) => ({
        subscriptions: [
          {
            name: 'lab',
            categories: 'cs.CL',
            library: { files: ['library.bib'] },
            ranking: { topK: 3 },
            outputs: {
              dir: join(sandbox.dir, 'out'),
              formats: ['md'],
              channels: [{ type: 'webhook', url: `${hooks.url}/hooks/lab`, allowPrivateNetwork: true }],
            },
          },
        ],
      }),
      // The webhook receiver is on this machine: readers' channels may reach it (off by default).
      web: { allowPrivateNetwork: true },
      prepare: ({ sandbox }) => writeFileSync(join(sandbox.dir, 'library.bib'), bib),
    });
    ({ sandbox, sink, browser, base, env } = world);
  }, 60_000);

  afterAll(async () => {
    await world?.stop();
    await hooks?.close();
  });

  /** The ids of the preview's selected papers, in their order (each row starts with the id). */
  const previewed = async (page: Page): Promise<string[]> =>
    (await page.locator('.preview-selected tbody tr').allTextContents()).map((row) => /^\s*(\d{4}\.\d{5})/.exec(row)?.[1] ?? row);

  it('the whole journey', async () => {
    // The operator's subscription ran on Monday: the store holds the day the reader's preview shows.
    // It runs while Bob is invited and signs in (ADR 0066): neither needs the other.
    const lab1Run = sandbox.run(['run', '--subscription', 'lab', '--now', DAY1.now], { env });

    // Invited from the CLI; the emailed link signs Bob in.
    const [lab1, { context, page }] = await Promise.all([lab1Run, signedInReader({ sandbox, sink, browser, base, email: BOB, env })]);
    expect(lab1.code, lab1.stderr).toBe(0);

    // A subscription with his library, email (the default) and a webhook.
    await page.goto(`${base}/subscriptions/new`);
    await page.getByLabel('Name').fill('nlp');
    await page.getByLabel('Categories').fill('cs.CL');
    await page.getByLabel('Top K').fill('3');
    await page.getByLabel('Webhook URL', { exact: true }).fill(`${hooks.url}/hooks/bob`);
    await page.getByLabel('Upload a library').setInputFiles({ name: 'mine.bib', mimeType: 'text/plain', buffer: Buffer.from(bib) });
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/subscriptions\?saved=/);
    await expect(page.locator('main').textContent()).resolves.toContain('bob-nlp');

    // The preview: Monday's papers, the speech paper first (the library leans to speech).
    await page.getByRole('link', { name: 'preview' }).click();
    await expect(page.locator('.preview-summary').textContent()).resolves.toContain('On 2026-11-23');
    const before = await previewed(page);
    expect(before).toHaveLength(3);
    expect(before[0]).toBe(SPEECH_DAY1.id);
    const previewUrl = page.url();

    // Monday's run: the digest arrives by email (after the invitation) and at the webhook.
    const ran = await sandbox.run(['run', '--subscription', 'bob-nlp', '--now', DAY1.now], { env });
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/email:default: sent/);
    expect(ran.stdout).toMatch(/webhook:default: sent/);
    const mail = await sink.waitFor(BOB, 2);
    expect(mail.raw).toMatch(/Subject: arXiv bob-nlp 2026-11-23: 3 papers/);
    const monday = hooks.requestsTo('/hooks/bob');
    expect(monday).toHaveLength(1);
    expect(monday[0]!.headers['idempotency-key']).toBeTruthy();
    const mondayDigest = payloadOf(monday[0]!);
    expect(mondayDigest.digest.name).toBe('bob-nlp/2026-11-23');
    expect(placeOf(mondayDigest, SPEECH_DAY1.id)).toBe(1);

    // "hide" under the speech paper, clicked in the email: one click records it.
    const hide = new RegExp(
      `${base.replace(/\./g, '\\.')}/feedback/link\\?s=bob-nlp&p=${SPEECH_DAY1.id.replace('.', '\\.')}&a=hide&r=bob%40example\\.org&x=\\d+&t=[A-Za-z0-9_-]{22}`,
    ).exec(bodyOf(mail))?.[0];
    expect(hide, bodyOf(mail).slice(0, 3000)).toBeDefined();
    const mailbox = await browser.newContext();
    const fromMail = await mailbox.newPage();
    await fromMail.goto(hide!);
    await fromMail.waitForSelector('text=Hidden for bob-nlp', { timeout: 10_000 });
    await mailbox.close();
    const listed = await sandbox.run(['feedback', '--list', '--subscription', 'bob-nlp'], { env });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${SPEECH_DAY1.id.replace('.', '\\.')}\\thide\\t`, 'm'));

    // The preview of the same day now ranks the hidden paper lower, and says why.
    await page.goto(previewUrl);
    const after = await previewed(page);
    expect(after).toHaveLength(3);
    expect(after.indexOf(SPEECH_DAY1.id) === -1 || after.indexOf(SPEECH_DAY1.id) > 0, after.join(' ')).toBe(true);
    await expect(page.locator('main').textContent()).resolves.toContain('lowered: like hidden');
    await context.close();

    // Tuesday: every subscription runs. The reader's ranks Tuesday's speech paper lower than the operator's does.
    feed = feedOf(day2, DAY2.pubDate);
    const tuesday = await sandbox.run(['run', '--now', DAY2.now], { env });
    expect(tuesday.code, tuesday.stderr).toBe(0);
    const mail2 = await sink.waitFor(BOB, 3);
    expect(mail2.raw).toMatch(/Subject: arXiv bob-nlp 2026-11-24: \d+ papers/);
    const bob2 = payloadOf(hooks.requestsTo('/hooks/bob')[1]!);
    const lab2 = payloadOf(hooks.requestsTo('/hooks/lab')[1]!);
    expect(lab2.digest.name).toBe('lab/2026-11-24');
    expect(placeOf(bob2, SPEECH_DAY1.id)).toBe(Number.POSITIVE_INFINITY);
    expect(placeOf(lab2, SPEECH_DAY2.id)).toBe(1);
    expect(placeOf(bob2, SPEECH_DAY2.id)).toBeGreaterThan(placeOf(lab2, SPEECH_DAY2.id));
    const scoreIn = (delivered: Delivered, id: string) => delivered.entries.find((entry) => entry.paperId === id)?.selection;
    expect(scoreIn(bob2, SPEECH_DAY2.id)?.score ?? 0).toBeLessThan(scoreIn(lab2, SPEECH_DAY2.id)!.score);
    if (scoreIn(bob2, SPEECH_DAY2.id)) expect(scoreIn(bob2, SPEECH_DAY2.id)!.reason).toContain(`lowered: like hidden "${SPEECH_DAY1.title.split(':')[0]}`);
    // The paper least like the hidden one (question answering) takes the first place.
    expect(bob2.entries[0]!.paperId).toBe(day2[1]!.id);
  }, 120_000);
});
