/**
 * Readers see reader words: an untranslated paper whose stored reason holds an endpoint URL with a token and an
 * excerpt of the rejected answer is published in every format, the latest copies and every channel; none of them
 * carries the URL, the token or the excerpt, and each carries the reader's note.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { renderers } from '../app.js';
import type { Channel } from '../core/channel.js';
import type { Digest } from '../core/digest.js';
import type { StoredPaper } from '../core/paper.js';
import { abstractHash } from '../core/hash.js';
import { readerKeyword, selectionLine, untranslatedNote } from '../core/reader-words.js';
import type { StoredTexts } from '../core/texts.js';
import { createDingTalkChannel } from '../channels/dingtalk/index.js';
import { createDiscordChannel } from '../channels/discord/index.js';
import { createEmailChannel } from '../channels/email/index.js';
import { createFeishuChannel } from '../channels/feishu/index.js';
import { createSlackChannel } from '../channels/slack/index.js';
import { createTelegramChannel } from '../channels/telegram/index.js';
import { createWebhookChannel } from '../channels/webhook/index.js';
import { createWeComChannel } from '../channels/wecom/index.js';
import { buildDigest } from '../jobs/build-digest.js';
import { publishDigest } from '../jobs/publish.js';
import { useTestServers } from '../../test/helpers/http-server.js';
import { createTempStore, type TempStore } from '../../test/helpers/temp-store.js';

const TOKEN = 'sk-live-PLANTED7f3a9c';
const ENDPOINT = `https://llm.example.org/v1/${TOKEN}/chat/completions`;
const EXCERPT = 'REJECTED-ANSWER-EXCERPT 未知论文 无法匹配';
const STACK = 'at generate (file:///opt/xivdigest/dist/llm/openai.js:42:7)';
const REASON = `LLM_OUTPUT_INVALID: POST ${ENDPOINT} returned an answer the gate rejected: "${EXCERPT}…" ${STACK}`;
/** What must never reach a reader, each on its own so a partial leak is caught too. */
const FORBIDDEN = [TOKEN, 'llm.example.org', 'REJECTED-ANSWER-EXCERPT', '未知论文', 'openai.js', 'LLM_OUTPUT_INVALID', 'gate rejected'];

const serve = useTestServers();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function paper(id: string, title: string): StoredPaper {
  return {
    id,
    version: 1,
    title,
    authors: [{ name: 'Ada Example' }],
    abstract: `An abstract of ${title}.`,
    categories: ['cs.CL'],
    links: { abs: `https://arxiv.org/abs/${id}` },
    versions: [{ version: 1 }],
    source: 'arxiv-rss',
    firstSeen: '2026-11-24T00:00:00.000Z',
  };
}

function texts(of: StoredPaper, status: 'ok' | 'failed', extra: Partial<StoredTexts> = {}): StoredTexts {
  return {
    paperId: of.id,
    version: of.version,
    abstractHash: abstractHash(of.abstract),
    lang: 'zh',
    title: status === 'ok' ? '一篇译好的论文' : '',
    tldr: status === 'ok' ? '要点。' : '',
    tldrEn: status === 'ok' ? 'The point.' : '',
    abstract: status === 'ok' ? '摘要。' : '',
    provider: 'openai-compatible',
    model: 'gpt-4o-mini',
    promptVersion: 'v1',
    createdAt: '2026-11-24T01:00:00.000Z',
    status,
    ...extra,
  };
}

/** The digest as a run makes it, plus an entry of an older stored digest that still carries the technical reason. */
function leakyDigest(): Digest {
  const good = paper('2611.00001', 'A translated paper');
  const failed = paper('2611.00002', 'An untranslated paper');
  const digest = buildDigest({
    name: 'cs.CL/2026-11-24',
    papers: [good, failed],
    texts: [texts(good, 'ok'), texts(failed, 'failed', { reason: REASON })],
    lang: 'zh',
    now: new Date('2026-11-24T07:00:00Z'),
  });
  expect(digest.entries[1]!.textStatus).toBe('failed');
  const old = { ...digest.entries[1]!, paperId: '2611.00003', link: 'https://arxiv.org/abs/2611.00003', textReason: REASON };
  return { ...digest, subscription: 'cs.CL', day: '2026-11-24', entries: [...digest.entries, old] };
}

/** A real SMTP server on 127.0.0.1 that keeps each message's decoded MIME bodies. */
async function startSmtp(): Promise<{ port: number; bodies: string[] }> {
  const bodies: string[] = [];
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    hideSTARTTLS: true,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        bodies.push(decodeMime(Buffer.concat(chunks).toString('utf8')));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.server.address() as AddressInfo).port, bodies };
}

/** Each MIME part's body decoded from base64 or quoted-printable (enough of RFC 2045 for nodemailer's output). */
function decodeMime(raw: string): string {
  const parts = raw.split(/\r?\n--[^\r\n]+\r?\n/);
  return parts
    .map((part) => {
      const split = part.search(/\r?\n\r?\n/);
      const headers = split >= 0 ? part.slice(0, split) : '';
      const body = split >= 0 ? part.slice(split).trim() : part;
      if (/content-transfer-encoding:\s*base64/i.test(headers)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
      if (/content-transfer-encoding:\s*quoted-printable/i.test(headers)) {
        const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
        return Buffer.from(bytes, 'latin1').toString('utf8');
      }
      return part;
    })
    .join('\n');
}

describe('an untranslated paper shows reader words only', () => {
  it('has the note in the reader language, with an English fallback', () => {
    expect(untranslatedNote('zh')).toBe('翻译暂不可用');
    expect(untranslatedNote('zh-TW')).toBe('翻译暂不可用');
    expect(untranslatedNote('ja')).toBe('翻訳は利用できません');
    expect(untranslatedNote('de')).toBe('Übersetzung nicht verfügbar');
    expect(untranslatedNote('xx')).toBe('Translation not available');
  });

  it('publishes every format, the latest copies and every channel without the URL, token, excerpt or stack', async () => {
    let temp: TempStore | undefined = await createTempStore('sqlite');
    cleanups.push(async () => temp?.cleanup());
    const dir = await mkdtemp(join(tmpdir(), 'xivdigest-reader-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const json = (value: unknown) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });
    const chat = await serve([
      { method: 'POST', path: '/services/T1/B2/secret', reply: { status: 200, body: 'ok' } },
      { method: 'POST', path: '/api/webhooks/42/tok', reply: { status: 204 } },
      { method: 'POST', path: '/bot123:abc/sendMessage', reply: json({ ok: true, result: { message_id: 1 } }) },
      { method: 'POST', path: '/open-apis/bot/v2/hook/abc', reply: json({ code: 0, msg: 'success', data: {} }) },
      { method: 'POST', path: '/robot/send', reply: json({ errcode: 0, errmsg: 'ok' }) },
      { method: 'POST', path: '/cgi-bin/webhook/send', reply: json({ errcode: 0, errmsg: 'ok' }) },
      { method: 'POST', path: '/hook', reply: { status: 204 } },
    ]);
    const smtp = await startSmtp();
    const base = chat.url;
    const channels: Channel[] = [
      createSlackChannel({ webhookUrl: `${base}/services/T1/B2/secret`, allowPrivateNetwork: true }),
      createDiscordChannel({ webhookUrl: `${base}/api/webhooks/42/tok`, allowPrivateNetwork: true }),
      createTelegramChannel({ botToken: '123:abc', chatId: '-100', baseUrl: base, allowPrivateNetwork: true }),
      createFeishuChannel({ webhookUrl: `${base}/open-apis/bot/v2/hook/abc`, allowPrivateNetwork: true }),
      createDingTalkChannel({ webhookUrl: `${base}/robot/send?access_token=dt`, allowPrivateNetwork: true }),
      createWeComChannel({ webhookUrl: `${base}/cgi-bin/webhook/send?key=k`, allowPrivateNetwork: true }),
      createWebhookChannel({ url: `${base}/hook`, allowPrivateNetwork: true }),
      createEmailChannel({ host: '127.0.0.1', port: smtp.port, from: 'digest@example.org', to: 'reader@example.org' }),
    ];
    const digest = leakyDigest();
    const formats = ['md', 'html', 'rss', 'atom', 'json', 'txt'] as const;
    const reports = await publishDigest(digest, '2026-11-24', {
      store: temp.store,
      subscription: 'cs.CL',
      renderers: Object.fromEntries(formats.map((format) => [format, renderers[format]()])),
      dir,
      formats,
      latestName: 'cs.CL',
      channels,
      subject: 'arXiv cs.CL 2026-11-24',
    });
    expect(reports.map((report) => `${report.channel}:${report.status}`).filter((line) => !line.endsWith(':sent'))).toEqual([]);

    const outputs: Array<[string, string]> = [];
    for (const name of await readdir(join(dir, 'cs.CL'))) outputs.push([`cs.CL/${name}`, await readFile(join(dir, 'cs.CL', name), 'utf8')]);
    for (const name of ['cs.CL.md', 'cs.CL.xml']) outputs.push([name, await readFile(join(dir, name), 'utf8')]);
    outputs.push(['md-rich', renderers['md-rich']().render(digest)]);
    for (const request of chat.requests) outputs.push([`POST ${request.path}`, request.body.toString('utf8')]);
    smtp.bodies.forEach((body, index) => outputs.push([`email ${index + 1}`, body]));
    expect(outputs.length).toBe(6 + 2 + 1 + 7 + 1);

    for (const [where, text] of outputs) {
      for (const secret of FORBIDDEN) expect({ where, leaked: text.includes(secret) ? secret : null }).toEqual({ where, leaked: null });
      expect({ where, note: text.includes('翻译暂不可用') }).toEqual({ where, note: true });
    }
    // The stored digest holds no technical reason either (it is read again for later renders).
    const stored = await temp.store.getDigest(digest.name);
    expect(stored === undefined || !JSON.stringify(stored.entries.slice(0, 2)).includes(TOKEN)).toBe(true);
    await temp.cleanup();
    temp = undefined;
  });
});

describe('why an entry was selected, for a reader', () => {
  const selection = { score: 0.05, reason: 'close to "Attention" (0.05): matched "ti:llm*"', method: 'lexical-tfidf' };

  it('says it in the reader language, with no score, ranker id or query syntax', () => {
    const why = { nearest: 'Attention Is All You Need', keywords: ['ti:llm*', '"large language model"', 'abs:rag'] };
    const zh = selectionLine({ ...selection, why }, 'zh');
    expect(zh).toBe('匹配你的关键词：llm、large language model、rag；与你的文献库相似：Attention Is All You Need');
    expect(selectionLine({ ...selection, why: { keywords: ['llm'] } }, 'en')).toBe('Matches your keywords: llm');
    expect(selectionLine({ ...selection, why: { authors: ['G. Hopper'], updated: true } }, 'fr')).toBe(
      'Nouvelle version, résumé modifié ; Auteurs que vous suivez : G. Hopper',
    );
    for (const lang of ['zh', 'en', 'ja', 'de']) expect(selectionLine({ ...selection, why }, lang)).not.toMatch(/0\.05|lexical|tfidf|ti:|abs:|"|\*/);
  });

  it('says nothing when there is nothing beyond the subscribed categories, or only the old technical reason', () => {
    expect(selectionLine(selection, 'zh')).toBe('');
    expect(selectionLine({ ...selection, why: {} }, 'en')).toBe('');
  });

  it('says when a paper is like one the reader starred or hid (decision 0051), in every reader language', () => {
    expect(selectionLine({ ...selection, why: { starred: 'Speech in Noise' } }, 'zh')).toBe('与你收藏的论文相似：Speech in Noise');
    expect(selectionLine({ ...selection, why: { hidden: 'Speech in Noise' } }, 'en')).toBe('Ranked lower: like a paper you hid: Speech in Noise');
    expect(selectionLine({ ...selection, why: { nearest: 'A', hidden: 'B' } }, 'zh')).toBe('与你的文献库相似：A；排名靠后：与你隐藏的论文相似：B');
    const english = selectionLine({ ...selection, why: { starred: 'S', hidden: 'H' } }, 'en');
    for (const lang of ['zh', 'ja', 'ko', 'fr', 'de', 'es', 'it', 'pt', 'ru'])
      expect(selectionLine({ ...selection, why: { starred: 'S', hidden: 'H' } }, lang)).not.toBe(english);
  });

  it('cleans query syntax from matched terms', () => {
    expect(['ti:llm*', 'abs:"graph neural"', 'all:rag', '"x"', 'plain'].map(readerKeyword)).toEqual(['llm', 'graph neural', 'rag', 'x', 'plain']);
  });
});
