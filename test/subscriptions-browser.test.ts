/**
 * Readers' subscriptions end to end (docs/decisions/0039): `xivdigest serve` as a child process with accounts on, a
 * real SMTP server, arXiv's feed and an OpenAI-compatible API on local servers. A reader invited from the CLI signs in by the emailed link in Chromium,
 * creates a subscription through the form, meets a field error, fixes it, and sees the preview; then
 * `xivdigest run` runs it and the digest arrives by email.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '../src/store/index.js';
import { startFakeLlmServer, type FakeLlmServer } from './helpers/fake-llm-server.js';
import { feedOf, goodPapers } from './helpers/good-papers.js';
import { startTestServer, type TestServer } from './helpers/http-server.js';
import { CHROMIUM, CHROMIUM_ARGS, chromiumFor } from './helpers/chromium.js';
import { createCliSandbox, type CliSandbox } from './helpers/cli.js';
import { startCli, type CliProcess } from './helpers/cli-process.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';
import { freePort, signedInReader } from './helpers/reader-session.js';
import { paperOf, syntheticPapers } from './helpers/synthetic-papers.js';

const hasChromium = chromiumFor('subscriptions browser test');

describe.skipIf(!hasChromium)('subscriptions in Chromium against `xivdigest serve`', () => {
  let sandbox: CliSandbox;
  let serving: CliProcess;
  let sink: SmtpSink;
  let llm: FakeLlmServer;
  let arxiv: TestServer;
  const KEY = 'sk-test-secret-subscriptions-0123456789';
  const arriving = goodPapers(2);
  let base: string;
  let browser: Browser;
  let profile: string;
  let env: Record<string, string>;
  const papers = syntheticPapers(6).map((fake) => ({ ...paperOf(fake), announced: '2026-11-23T00:00:00Z' }));

  beforeAll(async () => {
    sandbox = createCliSandbox();
    sink = await startSmtpSink();
    llm = await startFakeLlmServer({ papers: arriving, apiKey: KEY });
    arxiv = await startTestServer({ '/rss/cs.CL': { headers: { 'content-type': 'application/rss+xml' }, body: feedOf(arriving) } });
    // The day the preview shows: stored as `xivdigest fetch` would have stored it.
    const store = await createStore({ url: sandbox.db, writerThread: false });
    await store.upsertPapers(papers);
    await store.close();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = {
      XIVDIGEST_WEB_SECRET: 'browser-test-secret-of-more-than-32-characters',
      XIVDIGEST_SECRET_KEY: randomBytes(32).toString('base64'),
      XIVDIGEST_ARXIV_RSS_URL: arxiv.url,
      OPENAI_API_KEY: KEY,
      OPENAI_API_BASE: llm.url,
      OPENAI_API_MODEL: 'gpt-4o-mini',
    };
    const config = {
      subscriptions: [{ name: 'lab', categories: 'cs.LG', outputs: { dir: join(sandbox.dir, 'out'), formats: ['md'] } }],
      web: {
        accounts: true,
        baseUrl: base,
        admins: ['ada@example.org'],
        secret: { env: 'XIVDIGEST_WEB_SECRET' },
        mail: { host: '127.0.0.1', port: sink.port, ignoreTLS: true, from: 'xivdigest <noreply@example.org>' },
      },
    };
    writeFileSync(join(sandbox.dir, 'xivdigest.config.json'), JSON.stringify(config));
    serving = startCli(sandbox, ['serve', '--port', String(port)], env);
    await serving.waitForStderr(/serving the web archive at http:\/\/127\.0\.0\.1:\d+\//);
    profile = await mkdtemp(join(tmpdir(), 'xivdigest-chromium-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, env: { ...process.env, HOME: profile } });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    serving?.kill();
    await sink?.close();
    await llm?.close();
    await arxiv?.close();
    sandbox?.cleanup();
    if (profile) await rm(profile, { recursive: true, force: true });
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
