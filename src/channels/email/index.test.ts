import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { hostileContent, instantSleep, makeContent, makeDigest, makeEntry } from '../../../test/helpers/channel-digests.js';
import { createEmailChannel } from './index.js';

/** One message as the SMTP server received it. */
interface Received {
  raw: string;
  from: string;
  to: string[];
  secure: boolean;
  user: string | undefined;
}

const servers: SMTPServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

/** A real SMTP server on 127.0.0.1 that keeps every message; `digest`/`pa55` may log in; `*@rejected.example` is refused. */
async function startSmtp(options: Partial<SMTPServerOptions> = {}): Promise<{ port: number; received: Received[] }> {
  const received: Received[] = [];
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (auth.username === 'digest' && auth.password === 'pa55-秘密') callback(null, { user: auth.username });
      else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, callback) {
      if (address.address.endsWith('@rejected.example')) callback(Object.assign(new Error('5.1.1 No such user'), { responseCode: 550 }));
      else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          raw: Buffer.concat(chunks).toString('utf8'),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((entry) => entry.address),
          secure: session.secure,
          user: session.user as string | undefined,
        });
        callback();
      });
    },
    ...options,
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { port: (server.server.address() as AddressInfo).port, received };
}

// A small MIME reader: enough of RFC 2045/2046/2047 to check what nodemailer wrote.
interface Part {
  headers: Map<string, string>;
  body: string;
}

function parsePart(text: string): Part {
  const split = text.indexOf('\r\n\r\n');
  const head = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? '' : text.slice(split + 4);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function children(part: Part): Part[] {
  const boundary = /boundary="?([^";]+)"?/.exec(part.headers.get('content-type') ?? '')?.[1];
  if (!boundary) throw new Error('not multipart');
  const sections = part.body.split(`--${boundary}`);
  // The preamble comes before the first delimiter and `--` (the close delimiter's tail) after the last.
  return sections.slice(1, -1).map((section) => parsePart(section.replace(/^\r\n/, '').replace(/\r\n$/, '')));
}

function decodeBody(part: Part): string {
  const encoding = (part.headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  expect(/charset="?utf-8"?/i.test(part.headers.get('content-type') ?? '')).toBe(true);
  if (encoding === 'base64') return Buffer.from(part.body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(part.body);
  return part.body;
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  const soft = text.replace(/=\r\n/g, '');
  for (let index = 0; index < soft.length; index += 1) {
    if (soft[index] === '=' && /^[0-9A-F]{2}$/i.test(soft.slice(index + 1, index + 3))) {
      bytes.push(parseInt(soft.slice(index + 1, index + 3), 16));
      index += 2;
    } else {
      bytes.push(...Buffer.from(soft[index]!, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** RFC 2047: encoded words (B or Q), with the white space between adjacent words dropped; bytes joined before UTF-8 decoding. */
function decodeEncodedWords(value: string): string {
  const pattern = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g;
  let out = '';
  let pending: number[] = [];
  let last = 0;
  for (const match of value.matchAll(pattern)) {
    const between = value.slice(last, match.index);
    if (!(pending.length > 0 && /^\s*$/.test(between))) {
      out += Buffer.from(pending).toString('utf8') + between;
      pending = [];
    }
    expect(match[1]!.toLowerCase()).toBe('utf-8');
    const data = match[3]!;
    if (match[2]!.toUpperCase() === 'B') pending.push(...Buffer.from(data, 'base64'));
    else pending.push(...Buffer.from(decodeQuotedPrintable(data.replace(/_/g, ' ')), 'utf8'));
    last = match.index + match[0].length;
  }
  return out + Buffer.from(pending).toString('utf8') + value.slice(last);
}

describe('email channel', () => {
  it('sends multipart/alternative with text and HTML, an RFC 2047 Chinese subject and several recipients, after AUTH', async () => {
    const smtp = await startSmtp({ hideSTARTTLS: true });
    const channel = createEmailChannel({
      name: 'team',
      host: '127.0.0.1',
      port: smtp.port,
      auth: { user: 'digest', pass: 'pa55-秘密' },
      from: '"arXiv 摘要" <digest@example.org>',
      replyTo: 'owner@example.org',
      to: ['a@example.org', 'b@example.org'],
      cc: 'c@example.org',
      bcc: ['hidden@example.org'],
    });
    const content = {
      ...hostileContent(),
      subject: 'arXiv cs.CL 每日摘要 2026-11-24（2 篇）— 高效 Transformer 与检索增强生成的最新进展',
      html: '<!doctype html><html><body><h1>每日摘要</h1><p>第一篇：高效注意力 &amp; 检索</p></body></html>',
      text: '每日摘要\n\n1. 第一篇：高效注意力 & 检索\nhttps://arxiv.org/abs/2411.10001\n' + '很长的一行中文文本，'.repeat(30),
    };
    const result = await channel.send(content);
    expect(channel.id).toBe('email:team');
    expect(result).toMatchObject({ status: 'sent', messages: 1, attempts: 1 });

    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0]!;
    expect(mail.user).toBe('digest');
    expect(mail.from).toBe('digest@example.org');
    expect(mail.to.sort()).toEqual(['a@example.org', 'b@example.org', 'c@example.org', 'hidden@example.org']);

    const message = parsePart(mail.raw);
    const subject = message.headers.get('subject')!;
    expect(subject).toMatch(/^[\x20-\x7e]+$/); // encoded: nothing but ASCII on the wire
    expect(subject).toContain('=?');
    expect(decodeEncodedWords(subject)).toBe(content.subject);
    expect(decodeEncodedWords(message.headers.get('from')!)).toBe('arXiv 摘要 <digest@example.org>');
    expect(message.headers.get('reply-to')).toBe('owner@example.org');
    expect(message.headers.get('to')).toBe('a@example.org, b@example.org');
    expect(message.headers.has('bcc')).toBe(false);
    expect(message.headers.get('content-type')).toMatch(/^multipart\/alternative;/);

    const parts = children(message);
    expect(parts.map((part) => part.headers.get('content-type')!.split(';')[0])).toEqual(['text/plain', 'text/html']);
    for (const part of parts) expect(['quoted-printable', 'base64']).toContain(part.headers.get('content-transfer-encoding'));
    expect(decodeBody(parts[0]!).replace(/\r\n/g, '\n')).toBe(content.text);
    expect(decodeBody(parts[1]!)).toBe(content.html);
    expect(mail.raw).toMatch(/^[\x00-\x7f]*$/);
  });

  it('sends text only when there is no HTML', async () => {
    const smtp = await startSmtp({ hideSTARTTLS: true });
    const channel = createEmailChannel({ host: '127.0.0.1', port: smtp.port, from: 'digest@example.org', to: 'a@example.org' });
    const content = makeContent(makeDigest([makeEntry(1)]));
    expect(await channel.send(content)).toMatchObject({ status: 'sent' });
    const message = parsePart(smtp.received[0]!.raw);
    expect(message.headers.get('content-type')).toMatch(/^text\/plain; charset=utf-8/);
    expect(decodeBody(message).replace(/\r\n/g, '\n')).toBe(content.text);
  });

  it('gives every try of one delivery the same Message-ID, made of its idempotency key and the sender domain', async () => {
    const smtp = await startSmtp({ hideSTARTTLS: true });
    const channel = createEmailChannel({ host: '127.0.0.1', port: smtp.port, from: 'xivdigest <digest@example.org>', to: 'a@example.org' });
    const content = makeContent(makeDigest([makeEntry(1)]));
    for (let time = 0; time < 2; time += 1) expect(await channel.send(content, { idempotencyKey: 'xivdigest-0123abcd' })).toMatchObject({ status: 'sent' });
    await channel.send(content);
    const ids = smtp.received.map((message) => parsePart(message.raw).headers.get('message-id'));
    expect(ids[0]).toBe('<xivdigest-0123abcd@example.org>');
    expect(ids[1]).toBe(ids[0]);
    // Without a key nodemailer makes a fresh one.
    expect(ids[2]).toMatch(/^<.+@.+>$/);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it('upgrades with STARTTLS when requireTLS is set', async () => {
    // smtp-server's built-in self-signed certificate: trust is switched off for this test only.
    const smtp = await startSmtp({ allowInsecureAuth: false });
    const channel = createEmailChannel({
      host: '127.0.0.1',
      port: smtp.port,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: 'digest', pass: 'pa55-秘密' },
      from: 'digest@example.org',
      to: 'a@example.org',
    });
    expect(await channel.send(makeContent(makeDigest([makeEntry(1)])))).toMatchObject({ status: 'sent' });
    expect(smtp.received[0]!.secure).toBe(true);
    expect(smtp.received[0]!.user).toBe('digest');
  });

  it('speaks implicit TLS with secure: true', async () => {
    const smtp = await startSmtp({ secure: true });
    const channel = createEmailChannel({
      host: '127.0.0.1',
      port: smtp.port,
      secure: true,
      tls: { rejectUnauthorized: false },
      from: 'digest@example.org',
      to: 'a@example.org',
    });
    expect(await channel.send(makeContent(makeDigest([makeEntry(1)])))).toMatchObject({ status: 'sent' });
    expect(smtp.received[0]!.secure).toBe(true);
  });

  it('fails with requireTLS against a server that offers no STARTTLS', async () => {
    const smtp = await startSmtp({ hideSTARTTLS: true });
    const channel = createEmailChannel({
      host: '127.0.0.1',
      port: smtp.port,
      requireTLS: true,
      from: 'digest@example.org',
      to: 'a@example.org',
      retry: { sleep: instantSleep().sleep },
    });
    const result = await channel.send(makeContent(makeDigest([makeEntry(1)])));
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('DELIVERY_FAILED');
    expect(smtp.received).toHaveLength(0);
  });

  it('reports a refused login as DELIVERY_FAILED, not retried, without the password', async () => {
    const smtp = await startSmtp({ hideSTARTTLS: true });
    const { sleep, delays } = instantSleep();
    const channel = createEmailChannel({
      host: '127.0.0.1',
      port: smtp.port,
      auth: { user: 'digest', pass: 'wrong-秘密-pass' },
      from: 'digest@example.org',
      to: 'a@example.org',
      retry: { sleep },
    });
    const result = await channel.send(makeContent(makeDigest([makeEntry(1)])));
    expect(result).toMatchObject({ status: 'failed', messages: 0, attempts: 1 });
    expect(delays).toEqual([]);
    expect(result.error?.code).toBe('DELIVERY_FAILED');
    expect(result.error?.message).toContain('refused the login');
    expect(result.error?.hint).toMatch(/password/);
    expect(JSON.stringify({ message: result.error?.message, details: result.error?.details, detail: result.detail })).not.toContain('wrong-秘密-pass');
  });

  it('reports rejected recipients: partial when others got it, failed when none did', async () => {
    const smtp = await startSmtp({ hideSTARTTLS: true });
    const some = createEmailChannel({ host: '127.0.0.1', port: smtp.port, from: 'digest@example.org', to: ['a@example.org', 'nobody@rejected.example'] });
    const partial = await some.send(makeContent(makeDigest([makeEntry(1)])));
    expect(partial.status).toBe('partial');
    expect(partial.error?.details.rejected).toEqual(['nobody@rejected.example']);
    expect(smtp.received[0]!.to).toEqual(['a@example.org']);

    const none = createEmailChannel({
      host: '127.0.0.1',
      port: smtp.port,
      from: 'digest@example.org',
      to: 'nobody@rejected.example',
      retry: { sleep: instantSleep().sleep },
    });
    const failed = await none.send(makeContent(makeDigest([makeEntry(1)])));
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed.error?.message).toMatch(/refused the sender or the recipients/);
    expect(smtp.received).toHaveLength(1);
  });

  it('retries a refused connection and then reports it with a hint', async () => {
    const smtp = await startSmtp();
    const port = smtp.port;
    await new Promise<void>((resolve) => servers.pop()!.close(() => resolve()));
    const { sleep, delays } = instantSleep();
    const channel = createEmailChannel({
      host: '127.0.0.1',
      port,
      from: 'digest@example.org',
      to: 'a@example.org',
      retry: { sleep, maxAttempts: 3, baseDelayMs: 10, random: () => 0 },
    });
    const result = await channel.send(makeContent(makeDigest([makeEntry(1)])));
    expect(result).toMatchObject({ status: 'failed', attempts: 3 });
    expect(delays).toEqual([5, 10]);
    expect(result.error?.message).toContain(`127.0.0.1:${port}`);
    expect(result.error?.hint).toMatch(/host and port/);
  });

  it('stops waiting between attempts when the delivery is cancelled (the default sleep is abortable)', async () => {
    const smtp = await startSmtp();
    const port = smtp.port;
    await new Promise<void>((resolve) => servers.pop()!.close(() => resolve()));
    // Ten minutes between attempts: only the cancellation can end this send within the test's timeout.
    const channel = createEmailChannel({
      host: '127.0.0.1',
      port,
      from: 'digest@example.org',
      to: 'a@example.org',
      retry: { maxAttempts: 3, baseDelayMs: 600_000, random: () => 1 },
    });
    const controller = new AbortController();
    const sending = channel.send(makeContent(makeDigest([makeEntry(1)])), { signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    const result = await sending;
    expect(result).toMatchObject({ status: 'failed', messages: 0 });
    expect(result.error?.code).toBe('ABORTED');
  });

  it('refuses to be created without recipients', () => {
    expect(() => createEmailChannel({ host: 'smtp.example.org', from: 'a@example.org', to: [] })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
