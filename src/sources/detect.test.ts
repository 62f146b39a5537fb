import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { detectFileFormat, detectFormat } from './detect.js';

describe('detectFormat', () => {
  it.each([
    ['<?xml version="1.0"?>\n<rss version="2.0">', 'arxiv-rss'],
    ['\uFEFF<?xml version="1.0"?>\n<!-- note -->\n<rdf:RDF xmlns:rdf="…">', 'arxiv-rdf'],
    ['<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">', 'oai-pmh'],
    ['<feed xmlns="http://www.w3.org/2005/Atom"><link href="http://rss.arxiv.org/atom/cs.CL" rel="self"/>', 'arxiv-atom'],
    ['<feed xmlns="http://www.w3.org/2005/Atom"><title>arXiv Query: search_query=all</title>', 'arxiv-api'],
    ['{"url": "https://export.arxiv.org/api/query?id_list=abc", "status_code": 400, "body": "<?xml"}', 'arxiv-api-recorded'],
    ['{"id": "0704.0001", "authors_parsed": [["Balázs", "C.", ""]], "update_date": "2008-11-13"}\n{"id":', 'kaggle'],
    ['{"title": "Foo", "translated_title": "富", "tldr": "…"}\n', 'seed-cache'],
    ['{\n    "title": "Foo",\n    "translated_title": "富"\n}', 'seed-cache'],
    ['# 摘要\n\n| Ref | Title | Summary |', 'digest-md'],
  ])('tells %j', (head, format) => {
    expect(detectFormat(head).format).toBe(format);
  });

  it('says what it saw when it cannot tell', () => {
    expect(detectFormat('<html><body>')).toEqual({ format: undefined, seen: 'XML with root element <html>' });
    expect(detectFormat('hello').seen).toBe('text starting "hello"');
  });

  it('reads the start of gzip files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xivdigest-detect-'));
    const file = join(dir, 'snapshot.json.gz');
    writeFileSync(file, gzipSync(`${JSON.stringify({ id: '0704.0001', authors_parsed: [], update_date: '2008-11-13' })}\n`.repeat(2000)));
    expect(await detectFileFormat(file)).toMatchObject({ format: 'kaggle', gzip: true });
  });
});

describe('detectFormat with a DOCTYPE', () => {
  it('says DOCTYPE and entity declarations are refused, not "without a root element"', () => {
    const detected = detectFormat('<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY lol "lol">\n<!ENTITY lol2 "&lol;&lol;">\n]>\n<rss version="2.0"/>');
    expect(detected.format).toBeUndefined();
    expect(detected.seen).toMatch(/DOCTYPE and entity declarations are refused for safety/);
  });

  it('looks past a DOCTYPE with an internal subset that declares no entity', () => {
    expect(detectFormat('<!DOCTYPE rss [ <!-- note --> ]>\n<rss version="2.0"/>').format).toBe('arxiv-rss');
  });
});
