/**
 * Readers end to end (docs/decisions/0038): `xivdigest serve` as a child process with accounts on and a real SMTP
 * server; `xivdigest readers invite` from the CLI; the email arrives; its link opened in Chromium signs the reader in;
 * sign out. Then a link asked for on /signin, opened in another browser (refused there) and in the asking one.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliSandbox, type CliSandbox } from './helpers/cli.js';
import { signInLinkIn, type SmtpSink } from './helpers/smtp-sink.js';
import { inviteReader, signInWithLink } from './helpers/reader-session.js';
import { chromiumFor } from './helpers/chromium.js';
import { startReaderWorld, type ReaderWorld } from './helpers/reader-world.js';

const hasChromium = chromiumFor('readers browser test');
const SECRET_ENV = { XIVDIGEST_WEB_SECRET: 'browser-test-secret-of-more-than-32-characters' };

// The command-line block runs while the browser block starts its server and Chromium (ADR 0066).
describe.concurrent('readers from the command line', () => {
  it('refuses without accounts on, and config check names a missing secret', async () => {
    const mail = { host: '127.0.0.1', port: 2525, from: 'x@example.org' };
    const secret = { env: 'XIVDIGEST_WEB_SECRET' };
    // One home per configuration, so that the runs go side by side: none, complete, web.mail without a host, no mail.
    const homes = [undefined, { mail }, { mail: { port: 2525, from: 'x@example.org' } }, {}].map((web) => {
      const sandbox = createCliSandbox();
      if (web) writeFileSync(join(sandbox.dir, 'xivdigest.config.json'), JSON.stringify({ web: { accounts: true, secret, ...web } }));
      return sandbox;
    });
    const [none, complete, noHost, noMail] = homes as [CliSandbox, CliSandbox, CliSandbox, CliSandbox];
    try {
      // Two lanes (two cores); the runs in one home one after the other, as its first run creates its database.
      const [[off, hostless, mailless], [check, list, checked, help]] = await Promise.all([
        inTurn([
          () => none.run(['readers', 'list']),
          () => noHost.run(['config', 'check'], { env: SECRET_ENV }),
          () => noMail.run(['config', 'check'], { env: { XIVDIGEST_WEB_SECRET: 'short' } }),
        ]),
        inTurn([
          () => complete.run(['config', 'check']),
          () => complete.run(['readers', 'list']),
          () => complete.run(['config', 'check'], { env: SECRET_ENV }),
          () => complete.run(['readers', '--help']),
        ]),
      ]);
      expect(off!.code).not.toBe(0);
      expect(off!.stderr).toContain('web.accounts');
      expect(check!.code).not.toBe(0);
      expect(check!.stdout + check!.stderr).toMatch(/web\.secret: the environment variable XIVDIGEST_WEB_SECRET is not set/);
      expect(list!.code).not.toBe(0);
      expect(list!.stderr).toContain('web.secret');
      expect(checked!.code).toBe(0);
      // web.mail is checked by the email channel's own schema; no mail at all is named too.
      expect(hostless!.stdout).toMatch(/web\.mail\.host/);
      expect(mailless!.stdout + mailless!.stderr).toMatch(/web\.mail: accounts are on but no SMTP server/);
      expect(mailless!.stdout + mailless!.stderr).toMatch(/web\.secret: the environment variable XIVDIGEST_WEB_SECRET holds fewer than 32 characters/);
      expect(help!.stdout).toContain('xivdigest readers invite ada@example.org');
    } finally {
      for (const home of homes) home.cleanup();
    }
  });
});

/** Runs the steps one after the other, giving their results in order. */
async function inTurn<T>(steps: Array<() => Promise<T>>): Promise<T[]> {
  const results: T[] = [];
  for (const step of steps) results.push(await step());
  return results;
}

// Side by side with the block above (skipped without Chromium); its own tests in order.
(hasChromium ? describe.concurrent : describe.skip)('readers in Chromium against `xivdigest serve`', () => {
  let world: ReaderWorld;
  let sandbox: CliSandbox;
  let sink: SmtpSink;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    world = await startReaderWorld({ name: 'browser', env: SECRET_ENV });
    ({ sandbox, sink, browser, base } = world);
  }, 60_000);

  afterAll(async () => {
    await world?.stop();
  });

  // In order: the second test signs in as the admin and finds the reader the first invited.
  it.sequential('invite by CLI → the email arrives → its link signs the reader in → sign out', async () => {
    const { invited, link } = await inviteReader(sandbox, sink, 'Bob@Example.org', SECRET_ENV);
    expect(invited.stderr).toContain('invited bob@example.org');
    expect(link.startsWith(`${base}/signin/verify?token=`)).toBe(true);
    const listed = await sandbox.run(['readers', 'list', '--json'], { env: SECRET_ENV });
    expect(JSON.parse(listed.stdout)).toMatchObject({ readers: [], invitations: [{ email: 'bob@example.org', invitedBy: 'cli' }] });

    // The invitation's page asks for one click ("Sign in to xivdigest"), then lands on /account.
    const { context, page } = await signInWithLink(browser, base, link);
    await expect(page.locator('main').textContent()).resolves.toContain('bob@example.org');
    await expect(page.locator('header .reader').textContent()).resolves.toBe('bob@example.org');
    const cookie = (await context.cookies()).find((entry) => entry.name === 'xd_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/', secure: false });
    // The link worked once.
    await page.goto(link);
    await expect(page.locator('main').textContent()).resolves.toContain('was used already');
    await page.goto(`${base}/account`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${base}/`);
    await expect(page.locator('header').textContent()).resolves.toContain('Sign in');
    await page.goto(`${base}/account`);
    expect(page.url()).toBe(`${base}/signin`);
    await context.close();

    const listedAfter = await sandbox.run(['readers', 'list', '--json'], { env: SECRET_ENV });
    expect(JSON.parse(listedAfter.stdout).readers).toMatchObject([{ email: 'bob@example.org', role: 'reader', invitedBy: 'cli' }]);
  });

  it.sequential('a link asked for on /signin works in the asking browser only; a removed reader is signed out', async () => {
    const asking = await browser.newContext();
    const page = await asking.newPage();
    await page.goto(`${base}/signin`);
    await page.getByLabel('Email').fill('ada@example.org');
    await page.getByRole('button', { name: 'Email me a link' }).click();
    await expect(page.locator('h1').textContent()).resolves.toBe('Check your email');
    const link = signInLinkIn(await sink.waitFor('ada@example.org'));

    const other = await browser.newContext();
    const otherPage = await other.newPage();
    const refused = await otherPage.goto(link);
    expect(refused?.status()).toBe(403);
    await expect(otherPage.locator('main').textContent()).resolves.toContain('was asked for in another browser');
    await other.close();

    await page.goto(link);
    await page.waitForURL(`${base}/account`);
    await expect(page.locator('main').textContent()).resolves.toContain('admin');
    await page.goto(`${base}/admin/readers`);
    await expect(page.locator('main').textContent()).resolves.toContain('bob@example.org');

    const removed = await sandbox.run(['readers', 'remove', 'ada@example.org'], { env: SECRET_ENV });
    expect(removed.code, removed.stderr).toBe(0);
    await page.goto(`${base}/account`);
    expect(page.url()).toBe(`${base}/signin`);
    await asking.close();
  });
});
