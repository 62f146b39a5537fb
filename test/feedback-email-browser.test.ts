/**
 * Feedback from the email, end to end (docs/decisions/0040): `xivdigest run` (the built CLI, arXiv's feed and an
 * OpenAI-compatible API on local servers) delivers the digest by email to a real SMTP server; `xivdigest serve` runs
 * as a child process; the "hide" link taken from the received email is opened in Chromium, whose one click records it;
 * `xivdigest feedback --list` shows the subscription's feedback holds the hide. Then the mail provider's RFC 8058
 * one-click POST unsubscribes the reader, and the next run sends them nothing.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumFor } from './helpers/chromium.js';
import type { CliSandbox } from './helpers/cli.js';
import { goodPapers } from './helpers/good-papers.js';
import { startReaderWorld, type ReaderWorld } from './helpers/reader-world.js';
import type { SinkMessage, SmtpSink } from './helpers/smtp-sink.js';

const hasChromium = chromiumFor('feedback email browser test');
const KEY = 'sk-test-secret-feedback-0123456789';
const NOW = '2026-11-23T06:00:00Z';
const ADA = 'ada@example.org';
const BOB = 'bob@example.org';

/** The message's text, quoted-printable undone and read as UTF-8. */
function bodyOf(message: SinkMessage): string {
  const bytes = message.raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

describe.skipIf(!hasChromium)('a click on "hide" in the emailed digest', () => {
  let world: ReaderWorld;
  let sandbox: CliSandbox;
  let sink: SmtpSink;
  let browser: Browser;
  let base: string;
  let env: Record<string, string>;
  const papers = goodPapers(2);

  beforeAll(async () => {
    world = await startReaderWorld({
      name: 'feedback',
      apiKey: KEY,
      papers,
      accounts: false,
      config: ({ sandbox, sink }) => ({
        subscriptions: [
          {
            name: 'nlp',
            categories: 'cs.CL',
            outputs: {
              dir: join(sandbox.dir, 'out'),
              formats: ['md'],
              channels: [{ type: 'email', host: '127.0.0.1', port: sink.port, ignoreTLS: true, from: 'xivdigest <digest@example.org>', to: [ADA, BOB] }],
            },
          },
        ],
      }),
    });
    ({ sandbox, sink, browser, base, env } = world);
  }, 60_000);

  afterAll(async () => {
    await world?.stop();
  });

  /** The subscription's feedback as the ranking reads it, straight from the store's database. */
  const feedback = (): string[] => {
    const db = new Database(sandbox.db, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare("select paper_id, kind from feedback where subscription = 'nlp'").all() as Array<{ paper_id: string; kind: string }>).map(
        (row) => `${row.paper_id}\t${row.kind}`,
      );
    } finally {
      db.close();
    }
  };

  it('run → email with signed links → Chromium opens "hide" → the feedback holds it; one-click unsubscribe → no more mail', async () => {
    const run = await sandbox.run(['run', '--now', NOW], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/email:default: sent/);
    const message = await sink.waitFor(ADA);
    expect(message.to).toEqual([ADA]);
    const body = bodyOf(message);
    const paper = papers[0]!.id;
    const hide = new RegExp(
      `${base.replace(/\./g, '\\.')}/feedback/link\\?s=nlp&p=${paper.replace('.', '\\.')}&a=hide&r=ada%40example\\.org&x=\\d+&t=[A-Za-z0-9_-]{22}`,
    ).exec(body)?.[0];
    expect(hide, body.slice(0, 3000)).toBeDefined();

    expect(feedback()).toEqual([]);

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(hide!);
    // One click in the email is all: the page's form is submitted for the reader.
    await page.waitForSelector('text=Hidden for nlp');
    expect(await page.locator('main').textContent()).toContain(papers[0]!.title.slice(0, 20));
    expect(feedback()).toEqual([`${paper}\thide`]);
    // Undo is one more click.
    await page.getByRole('button', { name: 'Undo' }).click();
    await page.waitForSelector('text=undone');
    expect(feedback()).toEqual([]);
    // The tampered link is refused.
    await page.goto(hide!.replace('a=hide', 'a=star'));
    expect(await page.locator('h1').textContent()).toBe('This link is not valid');
    await context.close();

    // A mail provider's one-click unsubscribe (RFC 8058): POST with List-Unsubscribe=One-Click, no cookie or token.
    const header = /^List-Unsubscribe:\s*<([^>]+)>/im.exec(message.raw.replace(/\r?\n[ \t]+/g, ' '))?.[1];
    expect(header).toMatch(new RegExp(`^${base.replace(/\./g, '\\.')}/unsubscribe\\?`));
    expect(message.raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click/im);
    const posted = await fetch(header!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(posted.status).toBe(200);

    const count = sink.messages.length;
    const again = await sandbox.run(['run', '--now', NOW, '--resend'], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout + again.stderr).toContain(`left out (unsubscribed): ${ADA}`);
    await sink.waitFor(BOB, 2);
    expect(sink.messages.length).toBe(count + 1);
    expect(sink.messages.filter((item) => item.to.includes(ADA))).toHaveLength(1);
  }, 60_000);
});
