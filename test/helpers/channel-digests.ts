/** Digests for channel tests: Chinese texts, hostile strings aimed at each platform's markup, and large digests that must be split. */
import type { DeliveryContent } from '../../src/core/channel.js';
import type { Digest, DigestEntry } from '../../src/core/digest.js';

/** Strings that would ping, link, inject HTML or format if a channel forgot to escape them. */
export const HOSTILE = {
  script: '<script>alert("x")</script>',
  slackMention: '<!channel> <!here> <@U012AB3CD>',
  slackLink: '<https://evil.example/|click me>',
  markdown: '**bold** _it_ ~~s~~ `code` [link](https://evil.example/) # head > quote | pipe',
  telegramHtml: '<b>bold</b> <a href="https://evil.example/">x</a> & &amp; </i>',
  discordPing: '@everyone @here <@123456789012345678> <@&987654321098765432>',
  larkAt: '<at id=all></at> <at user_id="ou_x">someone</at>',
  weComMention: '<@zhangsan> <font color="warning">red</font>',
} as const;

export const HOSTILE_TEXT = Object.values(HOSTILE).join(' ');

/** One entry with Chinese texts; `number` makes its id and texts unique. */
export function makeEntry(number: number, options: { tldr?: string; title?: string; updatedFrom?: number; reason?: string } = {}): DigestEntry {
  const paperId = `2411.${String(10000 + number).padStart(5, '0')}`;
  const entry: DigestEntry = {
    paperId,
    version: options.updatedFrom !== undefined ? options.updatedFrom + 1 : 1,
    link: `https://arxiv.org/abs/${paperId}`,
    title: `Paper number ${number} on efficient transformers`,
    abstract: 'We study efficient transformers.',
    texts: {
      lang: 'zh',
      title: options.title ?? `第${number}篇：高效Transformer的研究`,
      tldr: options.tldr ?? `本文提出了一种新的高效注意力机制（编号 ${number}），在多个基准上取得了更好的结果。`,
      tldrEn: 'An efficient attention mechanism.',
      abstract: '我们研究高效的Transformer。',
    },
    textStatus: 'ok',
  };
  if (options.updatedFrom !== undefined) entry.updatedFrom = options.updatedFrom;
  if (options.reason !== undefined) Object.assign(entry, { selection: { score: 0.9, reason: options.reason, why: { nearest: options.reason } } });
  return entry;
}

export function makeDigest(entries: DigestEntry[], lang = 'zh'): Digest {
  return { name: 'cs.CL/2026-11-24', style: 'native', lang, createdAt: '2026-11-24T06:00:00Z', entries };
}

export function makeContent(digest: Digest, extra: Partial<DeliveryContent> = {}): DeliveryContent {
  return {
    subject: `arXiv cs.CL 每日摘要 2026-11-24（${digest.entries.length} 篇）`,
    digest,
    text: digest.entries.map((entry, index) => `${index + 1}. ${entry.texts.title}\n${entry.texts.tldr}\n${entry.link}`).join('\n\n'),
    ...extra,
  };
}

/** 120 entries with long TL;DRs: several messages on every platform. */
export function bigContent(count = 120): DeliveryContent {
  const long = '这是一个很长的中文摘要句子，用来测试消息拆分是否正确。'.repeat(12);
  return makeContent(makeDigest(Array.from({ length: count }, (_, index) => makeEntry(index + 1, { tldr: `${long}（第${index + 1}条）` }))));
}

/** A digest whose entries carry every hostile string, an updated flag and a selection reason. */
export function hostileContent(): DeliveryContent {
  return makeContent(
    makeDigest([
      makeEntry(1, { title: `标题 ${HOSTILE_TEXT}`, tldr: `摘要 ${HOSTILE_TEXT}`, reason: `理由 ${HOSTILE.slackMention} ${HOSTILE.discordPing}` }),
      makeEntry(2, { updatedFrom: 1 }),
    ]),
    { url: 'https://digest.example.org/cs.CL/2026-11-24' },
  );
}

/** A sleep for retries that returns at once and records each requested delay. */
export function instantSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    sleep: async (ms: number) => {
      delays.push(ms);
    },
  };
}
