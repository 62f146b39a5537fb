/**
 * `serve --schedule` picks up readers' subscriptions without a restart (docs/decisions/0044): a subscription created
 * in Chromium on the running site, with a schedule due in a few seconds, runs in that process; edited, it runs at its
 * new time; deleted, it is no longer scheduled. A second `serve --schedule` sees subscriptions made by the first one
 * and a reader removed from the CLI by reading them again every --rescan-seconds.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumFor } from './helpers/chromium.js';
import { createCliSandbox, type CliSandbox } from './helpers/cli.js';
import { startCli, type CliProcess } from './helpers/cli-process.js';
import { signedInReader } from './helpers/reader-session.js';
import { startReaderWorld, type ReaderWorld } from './helpers/reader-world.js';
import type { SmtpSink } from './helpers/smtp-sink.js';
import { syntheticPapers } from './helpers/synthetic-papers.js';

const hasChromium = chromiumFor('schedule web subscriptions browser test');
const KEY = 'sk-test-secret-schedule-web-0123456789';

/** A six-field cron (seconds first) for one instant `seconds` from now, in UTC: it fires once. */
function cronIn(seconds: number): string {
  const at = new Date(Date.now() + seconds * 1000);
  return `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} ${at.getUTCDate()} ${at.getUTCMonth() + 1} *`;
}

describe.skipIf(!hasChromium)('`serve --schedule` and subscriptions created, edited and deleted on the web', () => {
  let world: ReaderWorld;
  let sandbox: CliSandbox;
  let serving: CliProcess;
  let other: CliProcess | undefined;
  let sink: SmtpSink;
  let browser: Browser;
  let base: string;
  let env: Record<string, string>;
  const papers = syntheticPapers(2);

  beforeAll(async () => {
    world = await startReaderWorld({
      name: 'schedule',
      apiKey: KEY,
      papers,
      // No config subscription at all: with accounts on, the scheduler starts empty and waits for readers'.
      web: { admins: undefined },
      // An hour between re-reads: what this process picks up within the test, it picks up from its own web handlers.
      serveArgs: ['--schedule', '--rescan-seconds', '3600'],
    });
    ({ sandbox, serve: serving, sink, browser, base, env } = world);
  }, 60_000);

  afterAll(async () => {
    other?.kill();
    await world?.stop();
  });

  const save = async (page: Page, fields: Record<string, string>) => {
    for (const [label, value] of Object.entries(fields)) await page.getByLabel(label, { exact: true }).fill(value);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/subscriptions\?saved=/);
  };

  it('created on the site → runs when due, edited → runs at its new time, deleted → no longer scheduled; no restart', async () => {
    expect(serving.stderr()).toContain("no subscriptions yet: readers' subscriptions are scheduled as they create them on the site");
    const { context, page } = await signedInReader({ sandbox, sink, browser, base, email: 'bob@example.org', env });

    let mark = serving.stderr().length;
    await page.goto(`${base}/subscriptions/new`);
    await save(page, { Name: 'soon', Categories: 'cs.CL', 'Schedule (cron)': cronIn(6), 'Time zone': 'UTC' });
    await serving.waitForStderr(/bob-soon: scheduled \(\S+ \S+ \S+ \S+ \S+ \*, UTC\)/, { from: mark });
    await serving.waitForStderr(/bob-soon: next run /, { from: mark });
    await serving.waitForStderr(/bob-soon: started the \S+ slot/, { from: mark, timeoutMs: 60_000 });
    await serving.waitForStderr(/bob-soon: (finished the \S+ slot|the \S+ slot failed)/, { from: mark, timeoutMs: 60_000 });
    expect(serving.stderr().slice(mark)).toMatch(/bob-soon: finished the \S+ slot/);
    const runs = await sandbox.run(['runs', '--json', '--subscription', 'bob-soon'], { env });
    expect(runs.code, runs.stderr).toBe(0);
    expect(JSON.parse(runs.stdout)).toHaveLength(1);

    // Edited: a new time, re-armed in the running process.
    mark = serving.stderr().length;
    await page.goto(`${base}/subscriptions`);
    await page.getByRole('link', { name: 'bob-soon' }).click();
    await save(page, { 'Schedule (cron)': cronIn(6) });
    await serving.waitForStderr(/bob-soon: next run /, { from: mark });
    await serving.waitForStderr(/bob-soon: started the \S+ slot/, { from: mark, timeoutMs: 60_000 });
    await serving.waitForStderr(/bob-soon: finished the \S+ slot/, { from: mark, timeoutMs: 60_000 });

    // Deleted on the site: no longer scheduled.
    mark = serving.stderr().length;
    await page.goto(`${base}/subscriptions`);
    await page.getByRole('link', { name: 'bob-soon' }).click();
    await page.getByLabel('Delete this subscription').check();
    await page.getByRole('button', { name: 'Delete' }).click();
    await serving.waitForStderr(/bob-soon: no longer scheduled \(the subscription was deleted\)/, { from: mark });

    // Another scheduler on the same database re-reads every second: it sees what this site's reader creates, and a
    // reader removed from the CLI.
    other = startCli(sandbox, ['serve', '--schedule', '--port', '0', '--rescan-seconds', '1'], env);
    await other.waitForStderr(/serving the web archive at /);
    await page.goto(`${base}/subscriptions/new`);
    await save(page, { Name: 'later', Categories: 'cs.CL' });
    await other.waitForStderr(/bob-later: scheduled \(30 0 \* \* 1-5, America\/New_York\)/);
    const removed = await sandbox.run(['readers', 'remove', 'bob@example.org'], { env });
    expect(removed.code, removed.stderr).toBe(0);
    await other.waitForStderr(/bob-later: no longer scheduled/);
    await context.close();
    expect(serving.alive()).toBe(true);
  }, 180_000);
});

describe('serve --rescan-seconds', () => {
  it('refuses what is not a number of seconds, saying so', async () => {
    const sandbox = createCliSandbox();
    try {
      // Side by side: neither opens the database.
      const [bad, help] = await Promise.all([sandbox.run(['serve', '--schedule', '--port', '0', '--rescan-seconds', '0']), sandbox.run(['serve', '--help'])]);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain('--rescan-seconds: "0" is not a number of seconds from 1 to 86400');
      expect(help.stdout).toContain('--rescan-seconds <seconds>');
    } finally {
      sandbox.cleanup();
    }
  });
});
