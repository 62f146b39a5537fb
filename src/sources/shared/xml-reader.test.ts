/** Tests of the streaming XML tokenizer: chunk boundaries, entities, CDATA, namespaces and every malformed case. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { XivdigestError } from '../../core/errors.js';
import type { SourceEvent } from '../../core/source.js';
import { hasSharedFixtures, sharedFixture } from '../../../test/helpers/shared-fixtures.js';
import { createXmlReader, streamXml, type XmlHandler } from './xml-reader.js';

type XmlEvent = ['open', string, string, Record<string, string>] | ['close', string, string] | ['text', string];

/** A handler that records events, merging text calls (one text node may arrive in several calls). */
function recorder(): { handler: XmlHandler; events: XmlEvent[] } {
  const events: XmlEvent[] = [];
  const handler: XmlHandler = {
    onOpen: (ns, local, attributes) => events.push(['open', ns, local, attributes]),
    onClose: (ns, local) => events.push(['close', ns, local]),
    onText: (text) => {
      const last = events[events.length - 1];
      if (last?.[0] === 'text') last[1] += text;
      else events.push(['text', text]);
    },
  };
  return { handler, events };
}

function tokenize(document: string, chunkSize = document.length || 1): XmlEvent[] {
  const { handler, events } = recorder();
  const reader = createXmlReader(handler, { origin: 'test.xml' });
  for (let offset = 0; offset < document.length; offset += chunkSize) reader.write(document.slice(offset, offset + chunkSize));
  reader.end();
  return events;
}

function tokenizeError(document: string, chunkSize = document.length || 1): XivdigestError {
  try {
    tokenize(document, chunkSize);
  } catch (error) {
    if (XivdigestError.isInstance(error)) return error;
    throw error;
  }
  throw new Error(`no error for ${JSON.stringify(document)}`);
}

const ATOM = 'http://www.w3.org/2005/Atom';
const ARXIV = 'http://arxiv.org/schemas/atom';

// Every construct the reader knows, so that each one gets cut by some chunk boundary.
const KITCHEN_SINK = `\ufeff<?xml version='1.0' encoding='UTF-8'?>
<!DOCTYPE feed [ <!ENTITY ignored "never expanded"> <!-- ] > inside --> ]>
<!-- a comment with <tags> & ampersands -->
<feed xmlns="${ATOM}" xmlns:arxiv='${ARXIV}'>
  <title type="html">Caf&#xE9; &amp; th&#233; &lt;b&gt; &quot;q&quot; &apos;a&apos;</title>
  <?processing instruction?>
  <entry>
    <summary><![CDATA[x < y && <b>raw</b> ]] ]>]]> and after</summary>
    <arxiv:doi xmlns:arxiv="${ARXIV}">10.1103/PhysRevB.70.220503</arxiv:doi>
    <link href="http://arxiv.org/abs/2504.17830v1?a=1&amp;b=2" rel='alternate' />
    <plain xmlns="">no namespace</plain>
    <p:x xmlns:p="urn:p"><p:y p:attr = "v" /></p:x>
    <empty></empty>
    <multi>line one\r\nline two\rline three</multi>
    <emoji>\u{1F600} \u00e9\u00e8</emoji>
  </entry>
</feed>
<!-- trailing comment -->
`;

describe('createXmlReader', () => {
  it('reads elements, attributes, entities, CDATA and namespaces', () => {
    const events = tokenize(KITCHEN_SINK).filter((event) => event[0] !== 'text' || event[1].trim() !== '');
    expect(events).toEqual([
      ['open', ATOM, 'feed', { xmlns: ATOM, 'xmlns:arxiv': ARXIV }],
      ['open', ATOM, 'title', { type: 'html' }],
      ['text', 'Café & thé <b> "q" \'a\''],
      ['close', ATOM, 'title'],
      ['open', ATOM, 'entry', {}],
      ['open', ATOM, 'summary', {}],
      ['text', 'x < y && <b>raw</b> ]] ]> and after'],
      ['close', ATOM, 'summary'],
      ['open', ARXIV, 'doi', { 'xmlns:arxiv': ARXIV }],
      ['text', '10.1103/PhysRevB.70.220503'],
      ['close', ARXIV, 'doi'],
      ['open', ATOM, 'link', { href: 'http://arxiv.org/abs/2504.17830v1?a=1&b=2', rel: 'alternate' }],
      ['close', ATOM, 'link'],
      ['open', '', 'plain', { xmlns: '' }],
      ['text', 'no namespace'],
      ['close', '', 'plain'],
      ['open', 'urn:p', 'x', { 'xmlns:p': 'urn:p' }],
      ['open', 'urn:p', 'y', { 'p:attr': 'v' }],
      ['close', 'urn:p', 'y'],
      ['close', 'urn:p', 'x'],
      ['open', ATOM, 'empty', {}],
      ['close', ATOM, 'empty'],
      ['open', ATOM, 'multi', {}],
      ['text', 'line one\nline two\nline three'],
      ['close', ATOM, 'multi'],
      ['open', ATOM, 'emoji', {}],
      ['text', '\u{1F600} \u00e9\u00e8'],
      ['close', ATOM, 'emoji'],
      ['close', ATOM, 'entry'],
      ['close', ATOM, 'feed'],
    ]);
  });

  it('gives the same events for every chunk size', () => {
    const expected = tokenize(KITCHEN_SINK);
    for (let size = 1; size <= KITCHEN_SINK.length; size += 1) {
      expect(tokenize(KITCHEN_SINK, size), `chunk size ${size}`).toEqual(expected);
    }
  });

  it('gives the same events for random split points', () => {
    const expected = tokenize(KITCHEN_SINK);
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let round = 0; round < 200; round += 1) {
      const { handler, events } = recorder();
      const reader = createXmlReader(handler, { origin: 'test.xml' });
      for (let offset = 0; offset < KITCHEN_SINK.length;) {
        const size = 1 + Math.floor(random() * 40);
        reader.write(KITCHEN_SINK.slice(offset, offset + size));
        offset += size;
      }
      reader.end();
      expect(events).toEqual(expected);
    }
  });

  it('keeps an old-style namespace redeclared on each element (2016 arXiv API)', () => {
    const document = `<feed xmlns="${ATOM}"><entry><arxiv:doi xmlns:arxiv="${ARXIV}">10.1/x</arxiv:doi><arxiv:comment xmlns:arxiv="${ARXIV}">5 pages</arxiv:comment></entry></feed>`;
    const opened = tokenize(document)
      .filter((event) => event[0] === 'open')
      .map((event) => `${event[1]} ${event[2]}`);
    expect(opened).toEqual([`${ATOM} feed`, `${ATOM} entry`, `${ARXIV} doi`, `${ARXIV} comment`]);
  });

  it('lets an inner default namespace end with its element', () => {
    const document = '<a xmlns="urn:a"><b xmlns="urn:b"><c/></b><d/></a>';
    const opened = tokenize(document)
      .filter((event) => event[0] === 'open')
      .map((event) => `${event[1]} ${event[2]}`);
    expect(opened).toEqual(['urn:a a', 'urn:b b', 'urn:b c', 'urn:a d']);
  });

  it('resolves names under sibling elements that declare the same prefixes differently', () => {
    // Scopes with the same declarations are shared between siblings (OAI-PMH declares them on every record): one
    // with other declarations must not reuse them, and the first must still resolve as before after it.
    const document =
      '<r><a xmlns="urn:1" xmlns:p="urn:p"><x/><p:y/></a><a xmlns="urn:2" xmlns:p="urn:p"><x/><p:y/></a>' +
      '<a xmlns="urn:1" xmlns:p="urn:q"><x/><p:y/></a><a xmlns="urn:1" xmlns:p="urn:p"><x/><p:y/></a></r>';
    const names = tokenize(document)
      .filter((event) => event[0] === 'open' && event[2] !== 'a' && event[2] !== 'r')
      .map((event) => `${event[1]} ${event[2]}`);
    expect(names).toEqual(['urn:1 x', 'urn:p y', 'urn:2 x', 'urn:p y', 'urn:1 x', 'urn:q y', 'urn:1 x', 'urn:p y']);
  });

  it('normalizes whitespace in attribute values but keeps character references', () => {
    const [open] = tokenize('<a t="x\ny\tz&#10;w"/>');
    expect(open).toEqual(['open', '', 'a', { t: 'x y z\nw' }]);
  });

  it('decodes references that a chunk boundary cuts', () => {
    for (let size = 1; size < 12; size += 1) {
      expect(tokenize('<a>&amp;&#x1F600;&lt;</a>', size)).toEqual([
        ['open', '', 'a', {}],
        ['text', '&\u{1F600}<'],
        ['close', '', 'a'],
      ]);
    }
  });
});

describe('createXmlReader: malformed documents', () => {
  const cases: Array<[string, string, number, number, RegExp]> = [
    ['mismatched end tag', '<a>\n  <b></a>', 2, 6, /<\/a> does not match the open element <b>/],
    ['unclosed element', '<a>\n<b></b>', 2, 8, /ends before <\/a>/],
    ['text after the root', '<a/>\njunk', 2, 1, /text after the root element/],
    ['second root element', '<a/><b/>', 1, 5, /second root element <b>/],
    ['text before the root', 'hello <a/>', 1, 1, /text before the root element/],
    ['"<" in text', '<a>1 < 2</a>', 1, 6, /after "<"/],
    ['bare ampersand', '<a>\nfish & chips</a>', 2, 6, /"&" that starts no entity reference/],
    ['ampersand at end of text', '<a>x&</a>', 1, 5, /"&" that starts no entity reference/],
    ['unknown named entity', '<a>x&nbsp;y</a>', 1, 5, /&nbsp; is not defined in XML|"&nbsp;" is not defined in XML/],
    ['bad character reference', '<a>&#xZZ;</a>', 1, 4, /not a valid XML character/],
    ['NUL character reference', '<a>&#0;</a>', 1, 4, /not a valid XML character/],
    ['EOF inside a start tag', '<a>\n  <b attr="x', 2, 3, /ends inside a start tag/],
    ['EOF inside an end tag', '<a></a', 1, 4, /ends inside an end tag/],
    ['EOF inside a comment', '<a><!-- x', 1, 4, /ends inside a comment/],
    ['EOF inside CDATA', '<a><![CDATA[ x', 1, 4, /ends inside a CDATA section/],
    ['EOF after "<"', '<a><', 1, 4, /ends inside a tag/],
    ['unquoted attribute', '<a b=c/>', 1, 6, /not quoted/],
    ['attribute without value', '<a b/>', 1, 5, /has no "="/],
    ['duplicate attribute', '<a b="1" b="2"/>', 1, 10, /appears twice/],
    ['"<" in an attribute value', '<a b="x<y"/>', 1, 8, /"<" in the value/],
    ['undeclared prefix', '<x:a/>', 1, 1, /prefix "x" .* is not declared/],
    ['end tag without start', '</a>', 1, 1, /closes no open element/],
    ['empty document', '  \n', 2, 1, /no root element/],
    ['bad "<!"', '<a><!foo></a>', 1, 4, /"<!" that starts no comment/],
    ['XML declaration not first', '<a/>\n<?xml version="1.0"?>', 2, 1, /XML declaration that is not at the start/],
  ];

  for (const [name, document, line, column, what] of cases) {
    it(`${name}: line ${line}, column ${column}, for every chunk size`, () => {
      for (let size = 1; size <= Math.max(1, document.length); size += 1) {
        const error = tokenizeError(document, size);
        expect(error.code).toBe('XML_MALFORMED');
        expect(error.message).toMatch(/^Malformed XML in test\.xml at line \d+, column \d+: /);
        expect(error.message).toMatch(what);
        expect(error.details, `chunk size ${size}`).toEqual({ origin: 'test.xml', line, column });
        expect(error.hint).toMatch(/fetch it again/);
      }
    });
  }

  it('counts lines across many chunks before the error', () => {
    const document = `<a>\n${'<b>x</b>\n'.repeat(500)}<c></b></a>`;
    for (const size of [1, 7, 64, 1000, document.length]) {
      expect(tokenizeError(document, size).details).toEqual({ origin: 'test.xml', line: 502, column: 4 });
    }
  });
});

describe('streamXml', () => {
  function setup(emit: (event: SourceEvent) => void): XmlHandler {
    return {
      onOpen: (_ns, local) => {
        if (local === 'i') emit({ type: 'page', page: { count: 1 } });
      },
      onClose: () => undefined,
      onText: () => undefined,
    };
  }

  it('yields events as byte chunks arrive, decoding characters cut between chunks', async () => {
    const bytes = Buffer.from('<r>\u00e9<i/>\u{1F600}<i/></r>', 'utf8');
    async function* oneByteAtATime(): AsyncGenerator<Uint8Array> {
      for (const byte of bytes) yield Uint8Array.of(byte);
    }
    const events: SourceEvent[] = [];
    for await (const event of streamXml(oneByteAtATime(), { origin: 'bytes' }, setup)) events.push(event);
    expect(events).toHaveLength(2);
  });

  it('decodes ASCII chunks and switches to UTF-8 decoding at the first other byte, whatever the chunk sizes', async () => {
    // Long enough to be decoded in several pieces; a byte order mark and non-ASCII text after a long ASCII stretch.
    const items = Array.from({ length: 3000 }, (_, index) => `<i n="${index}">caf${index === 2500 ? '\u00e9 \u{1F600}' : 'e'}</i>`).join('');
    const document = `\ufeff<r>${items}</r>`;
    const bytes = Buffer.from(document, 'utf8');
    for (const size of [1, 3, 4096, 70_000, 300_000]) {
      async function* chunks(): AsyncGenerator<Uint8Array> {
        for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
      }
      const texts: string[] = [];
      const collect = (emit: (event: SourceEvent) => void): XmlHandler => {
        let text = '';
        return {
          onOpen: () => {
            text = '';
          },
          onClose: (_ns, local) => {
            if (local === 'i') texts.push(text);
            else emit({ type: 'page', page: { count: texts.length } });
          },
          onText: (chunk) => {
            text += chunk;
          },
        };
      };
      const events: SourceEvent[] = [];
      for await (const event of streamXml(chunks(), { origin: 'bytes' }, collect)) events.push(event);
      expect(events).toEqual([{ type: 'page', page: { count: 3000 } }]);
      expect(texts[2500]).toBe('caf\u00e9 \u{1F600}');
      expect(texts.filter((text) => text === 'cafe')).toHaveLength(2999);
    }
  });

  it('closes its input when the consumer stops early', async () => {
    let closed = false;
    async function* input(): AsyncGenerator<string> {
      try {
        yield '<r><i/>';
        yield '<i/>';
        yield '<i/></r>';
      } finally {
        closed = true;
      }
    }
    for await (const _event of streamXml(input(), { origin: 'early' }, setup)) break;
    expect(closed).toBe(true);
  });

  it('throws XML_MALFORMED with the origin', async () => {
    const run = async (): Promise<void> => {
      for await (const _event of streamXml('<r><i/>', { origin: 'https://example.org/feed' }, setup)) {
        // drain
      }
    };
    await expect(run()).rejects.toMatchObject({ code: 'XML_MALFORMED', message: expect.stringContaining('https://example.org/feed') });
  });
});

describe.skipIf(!hasSharedFixtures)('createXmlReader on real arXiv documents', () => {
  it('gives the same events for the quant-ph feed in whole, 1 KB and 7-byte chunks', () => {
    const document = readFileSync(sharedFixture('arxiv', 'rss-new-quant-ph-2025-04-28.xml'), 'utf8');
    const whole = tokenize(document);
    expect(whole.filter((event) => event[0] === 'open' && event[2] === 'item')).toHaveLength(81);
    expect(tokenize(document, 1024)).toEqual(whole);
    expect(tokenize(document, 7)).toEqual(whole);
  });

  it('reads the 2016 API response with per-element namespace declarations', () => {
    const document = readFileSync(sharedFixture('arxiv', 'api-legacy-id_list-1111.2011v2-2016-10-09.xml'), 'utf8');
    const dois = tokenize(document).filter((event) => event[0] === 'open' && event[2] === 'doi');
    expect(dois).toHaveLength(1);
    expect(dois[0]![1]).toBe(ARXIV);
  });
});
