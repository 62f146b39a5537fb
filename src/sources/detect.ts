/** Tells which arXiv format a local file is in, from its first bytes, so `ingest FILE` needs no flags. */
import { open } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';

export type LocalFormat = 'arxiv-rss' | 'arxiv-atom' | 'arxiv-rdf' | 'arxiv-api' | 'arxiv-api-recorded' | 'oai-pmh' | 'kaggle' | 'digest-md' | 'seed-cache';

export interface Detection {
  format: LocalFormat | undefined;
  /** The file is gzip-compressed (the Kaggle dump often is). */
  gzip: boolean;
  /** What was seen, for the error message when nothing matched. */
  seen: string;
}

const HEAD_BYTES = 16 * 1024;

/** Reads the first bytes of a file (decompressing a gzip prefix) and detects its format. */
export async function detectFileFormat(path: string): Promise<Detection> {
  const handle = await open(path, 'r');
  let bytes: Buffer;
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    bytes = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  const gzip = bytes[0] === 0x1f && bytes[1] === 0x8b;
  if (gzip) {
    try {
      bytes = gunzipSync(bytes, { finishFlush: 2 /* Z_SYNC_FLUSH: a prefix of the stream is enough */ });
    } catch {
      return { format: undefined, gzip, seen: 'gzip data that could not be read' };
    }
  }
  const head = bytes.toString('utf8');
  return { ...detectFormat(head), gzip };
}

/** Detects the format from the start of a document. */
export function detectFormat(head: string): { format: LocalFormat | undefined; seen: string } {
  const text = head.replace(/^\uFEFF/, '');
  const trimmed = text.trimStart();
  if (trimmed.startsWith('<')) return detectXml(trimmed);
  if (trimmed.startsWith('{')) return detectJson(trimmed);
  if (trimmed.startsWith('# 摘要')) return { format: 'digest-md', seen: 'a cn-chat-arxiv Markdown digest' };
  return { format: undefined, seen: `text starting ${JSON.stringify(trimmed.slice(0, 40))}` };
}

function detectXml(text: string): { format: LocalFormat | undefined; seen: string } {
  // DTDs are never read (no entity is ever expanded, no external entity fetched): a document that declares
  // entities is refused here with that reason rather than "without a root element".
  if (/<!DOCTYPE[^>[]*\[[\s\S]*?<!ENTITY/i.test(text.slice(0, 4096))) {
    return {
      format: undefined,
      seen: 'XML with a DOCTYPE that declares entities (DOCTYPE and entity declarations are refused for safety: xivdigest never reads a DTD)',
    };
  }
  // Skip the XML declaration, processing instructions, comments and DOCTYPE (with its internal subset) to reach the root element.
  const body = text.replace(/^(?:\s*(?:<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>[]*(?:\[[\s\S]*?\]\s*)?>))*\s*/, '');
  const root = /^<([A-Za-z_][\w.:-]*)/.exec(body)?.[1];
  switch (root) {
    case 'rss':
      return { format: 'arxiv-rss', seen: 'an RSS 2.0 feed' };
    case 'rdf:RDF':
      return { format: 'arxiv-rdf', seen: 'an RSS 1.0/RDF feed' };
    case 'OAI-PMH':
      return { format: 'oai-pmh', seen: 'an OAI-PMH response' };
    case 'feed':
      // rss.arxiv.org/atom feeds carry announce types; API responses carry OpenSearch counts and an API self link.
      if (/announce_type|rss\.arxiv\.org/.test(text)) return { format: 'arxiv-atom', seen: 'an arXiv Atom feed' };
      return { format: 'arxiv-api', seen: 'an arXiv API response' };
    default:
      return { format: undefined, seen: root ? `XML with root element <${root}>` : 'XML without a root element' };
  }
}

function detectJson(text: string): { format: LocalFormat | undefined; seen: string } {
  // A recorded HTTP response wrapping an API body: {"url": …, "status_code": …, "body": "<?xml …"}.
  if (/^\{\s*"(?:url|status_code|body)"/.test(text) && /"body"\s*:/.test(text) && /"status_code"\s*:/.test(text)) {
    return { format: 'arxiv-api-recorded', seen: 'a recorded arXiv API response (JSON)' };
  }
  const firstLine = text.slice(0, text.indexOf('\n') >= 0 ? text.indexOf('\n') : text.length);
  const sample = firstLine.trim() === '{' ? text : firstLine;
  if (/"(?:translated_title|translated_abstract|tldr)"\s*:/.test(sample)) return { format: 'seed-cache', seen: 'cn-chat-arxiv cache records' };
  if (/"authors_parsed"\s*:|"update_date"\s*:/.test(sample)) return { format: 'kaggle', seen: 'Kaggle arXiv metadata (JSON lines)' };
  return { format: undefined, seen: 'JSON that is neither Kaggle metadata nor a recorded API response' };
}
