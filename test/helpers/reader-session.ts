/** A reader's way in, as the browser tests take it: invited by `xivdigest readers invite`, the emailed link opened in Chromium, one click. */
import { createServer } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { CliResult, CliSandbox } from './cli.js';
import { signInLinkIn, type SmtpSink } from './smtp-sink.js';

/** A port free on 127.0.0.1 now, for `serve --port` (whose URL the config's web.baseUrl must name before it starts). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * `xivdigest readers invite EMAIL` (the built CLI), then the invitation's sign-in link from the email that arrives
 * (the `count`-th message to that address, default the first).
 */
export async function inviteReader(
  sandbox: CliSandbox,
  sink: SmtpSink,
  email: string,
  env: Record<string, string>,
  count = 1,
): Promise<{ invited: CliResult; link: string }> {
  const invited = await sandbox.run(['readers', 'invite', email], { env });
  expect(invited.code, invited.stderr).toBe(0);
  const link = signInLinkIn(await sink.waitFor(email.trim().toLowerCase(), count));
  return { invited, link };
}

/** Opens a sign-in link in a new browser context, presses "Sign in" on its page, and waits for /account. */
export async function signInWithLink(browser: Browser, base: string, link: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(link);
  await expect(page.locator('h1').textContent()).resolves.toBe('Sign in to xivdigest');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/account`);
  return { context, page };
}

/** Invited from the CLI and signed in by the emailed link: the reader's browser context and page, at /account. */
export async function signedInReader(options: {
  sandbox: CliSandbox;
  sink: SmtpSink;
  browser: Browser;
  base: string;
  email: string;
  env: Record<string, string>;
}): Promise<{ context: BrowserContext; page: Page; link: string; invited: CliResult }> {
  const { invited, link } = await inviteReader(options.sandbox, options.sink, options.email, options.env);
  return { ...(await signInWithLink(options.browser, options.base, link)), link, invited };
}
