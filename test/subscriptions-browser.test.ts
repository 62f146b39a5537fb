/**
 * Readers' subscriptions end to end (docs/decisions/0039): `xivdigest serve` as a child process with accounts on, a
 * real SMTP server, arXiv's feed and an OpenAI-compatible API on local servers. A reader invited from the CLI signs in by the emailed link in Chromium,
 * creates a subscription through the form, meets a field error, fixes it, and sees the preview; copies its private feed
 * address into a cookie-less fetch (a feed reader) and resets it; then
 * `xivdigest run` runs it and the digest arrives by email.
 */
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '../src/store/index.js';
import { goodPapers } from './helpers/good-papers.js';
import { chromiumFor } from './helpers/chromium.js';
import type { CliSandbox } from './helpers/cli.js';
import type { SmtpSink } from './helpers/smtp-sink.js';
import { signedInReader } from './helpers/reader-session.js';
import { startReaderWorld, type ReaderWorld } from './helpers/reader-world.js';
import { paperOf, syntheticPapers } from './helpers/synthetic-papers.js';

const hasChromium = chromiumFor('subscriptions browser test');

describe.skipIf(!hasChromium)('subscriptions in Chromium against `xivdigest serve`', () => {
  let world: ReaderWorld;
  let sandbox: CliSandbox;
  let sink: SmtpSink;
  const KEY = 'sk-test-secret-subscriptions-0123456789';
  const arriving = goodPapers(2);
  let base: string;
  let browser: Browser;
  let env: Record<string, string>;
  const papers = syntheticPapers(6).map((fake) => ({ ...paperOf(fake), announced: '2026-11-23T00:00:00Z' }));

  beforeAll(async () => {
    world = await startReaderWorld({
      name: 'browser',
      apiKey: KEY,
      papers: arriving,
      config: ({ sandbox }) => ({
        subscriptions: [{ name: 'lab', categories: 'cs.LG', outputs: { dir: join(sandbox.dir, 'out'), formats: ['md'] } }],
      }),
      // The day the preview shows: stored as `xivdigest fetch` would have stored it.
      prepare: async ({ sandbox }) => {
        const store = await createStore({ url: sandbox.db, writerThread: false });
        await store.upsertPapers(papers);
        await store.close();
      },
    });
    ({ sandbox, sink, browser, base, env } = world);
  }, 60_000);

  afterAll(async () => {
    await world?.stop();
  });

  it('signs in, creates a subscription through the form, fixes a field error, sees the preview; `xivdigest run` emails the digest', async () => {
    const { context, page } = await signedInReader({ sandbox, sink, browser, base, email: 'bob@example.org', env });

    await page.goto(`${base}/subscriptions/new`);
    await page.getByLabel('Name').fill('nlp');
    await page.getByLabel('Categories').fill('cs.CLL');
    await page.getByLabel('Top K').fill('2');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.locator('#error-categories').textContent()).resolves.toContain('"cs.CLL" is not an arXiv category or archive; did you mean cs.CL?');
    await expect(page.getByLabel('Categories').getAttribute('aria-invalid')).resolves.toBe('true');

    await page.getByLabel('Categories').fill('cs.CL');
    const library = papers
      .slice(0, 2)
      .map((paper, index) => `@article{lib${index},\n  title = {${paper.title}},\n  abstract = {${paper.abstract}},\n  year = {2025}\n}\n`)
      .join('\n');
    await page.getByLabel('Upload a library').setInputFiles({ name: 'mine.bib', mimeType: 'text/plain', buffer: Buffer.from(library) });
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/subscriptions\?saved=/);
    await expect(page.locator('main').textContent()).resolves.toContain('bob-nlp');

    await page.getByRole('link', { name: 'preview' }).click();
    await expect(page.locator('.preview-summary').textContent()).resolves.toContain(
      'On 2026-11-23, the latest announcement day stored for its categories, it would have delivered 2 papers and skipped 4 (ranked by lexical-tfidf)',
    );
    await expect(page.locator('.preview-selected tbody tr').count()).resolves.toBe(2);
    await expect(page.locator('.preview-skipped tbody tr').first().textContent()).resolves.toMatch(/ranked below the top 2 \(score 0\.\d+\)/);

    // Its private feed (docs/decisions/0063): the address on its page opens in a feed reader, which has no cookie;
    // "Reset the address" makes a new one and the old one answers as a feed that never was.
    await page.goto(`${base}/subscriptions`);
    await page.getByRole('link', { name: 'bob-nlp' }).click();
    const address = await page.getByLabel('Atom address').inputValue();
    expect(address).toMatch(new RegExp(`^${base}/feeds/private/bob-nlp\\.atom\\?token=[\\w-]{22}$`));
    const feed = await fetch(address);
    expect(feed.status).toBe(200);
    expect(feed.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    expect(feed.headers.get('x-robots-tag')).toBe('noindex');
    expect(await feed.text()).toContain('<title type="text">xivdigest bob-nlp</title>');
    await page.getByRole('button', { name: 'Reset the address' }).click();
    await expect(page.locator('#private-feed [role=status]').textContent()).resolves.toContain('The private feed address was reset');
    const renewed = await page.getByLabel('Atom address').inputValue();
    expect(renewed).not.toBe(address);
    expect((await fetch(address)).status).toBe(404);
    expect((await fetch(renewed)).status).toBe(200);
    // Neither address reached the server's log.
    for (const url of [address, renewed]) {
      const token = new URL(url).searchParams.get('token')!;
      expect(world.serve.stdout() + world.serve.stderr()).not.toContain(token);
    }
    await context.close();

    // `xivdigest run` runs it beside the config's subscription, and the digest arrives by email at the reader's address.
    const ran = await sandbox.run(['run', '--subscription', 'bob-nlp', '--now', '2026-11-23T06:00:00Z'], { env });
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/selected: 2/);
    const digest = await sink.waitFor('bob@example.org', 2);
    expect(digest.raw).toMatch(/Subject: arXiv bob-nlp 2026-11-23: 2 papers/);
    expect(digest.raw).toContain(arriving[0]!.id);
  });
});
