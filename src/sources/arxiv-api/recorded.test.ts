import { describe, expect, it } from 'vitest';
import { XivdigestError } from '../../core/errors.js';
import type { SourceEvent } from '../../core/source.js';
import { parseRecordedApiResponse, repairMojibake } from './recorded.js';

const feed = (entries: string) => `<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <title>arXiv Query: id_list=2101.00001</title>
  <opensearch:totalResults>1</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
  ${entries}
</feed>`;

const entry = (author: string) => `<entry>
    <id>http://arxiv.org/abs/2101.00001v2</id>
    <title>A Made-Up Paper</title>
    <updated>2021-02-01T00:00:00Z</updated>
    <summary>We make things up.</summary>
    <category term="cs.CL" scheme="http://arxiv.org/schemas/atom"/>
    <published>2021-01-01T00:00:00Z</published>
    <arxiv:primary_category term="cs.CL"/>
    <author><name>${author}</name></author>
  </entry>`;

async function collect(text: string): Promise<SourceEvent[]> {
  const events: SourceEvent[] = [];
  for await (const event of parseRecordedApiResponse(text, { origin: 'recorded.json' })) events.push(event);
  return events;
}

describe('parseRecordedApiResponse', () => {
  it('parses the body and repairs UTF-8 that a recorder decoded as Latin-1', async () => {
    const latin1Mojibake = Buffer.from('Dirk Wübben', 'utf8').toString('latin1');
    const events = await collect(
      JSON.stringify({ url: 'https://export.arxiv.org/api/query?id_list=2101.00001', status_code: 200, body: feed(entry(latin1Mojibake)) }),
    );
    const paper = events.find((event) => event.type === 'paper');
    expect(paper?.type === 'paper' && paper.paper.authors[0]!.name).toBe('Dirk Wübben');
  });

  it('turns a non-2xx status without an arXiv error into SOURCE_HTTP, never zero papers', async () => {
    const error = await collect(JSON.stringify({ url: 'u', status_code: 503, body: '<html>down</html>' })).catch((caught: unknown) => caught);
    expect(XivdigestError.isInstance(error) && error.code).toBe('SOURCE_HTTP');
  });

  it('names the file when the JSON is broken', async () => {
    const error = await collect('{"url": ').catch((caught: unknown) => caught);
    expect(XivdigestError.isInstance(error) && error.code).toBe('INPUT_MALFORMED');
    expect((error as Error).message).toContain('recorded.json');
  });
});

describe('repairMojibake', () => {
  it('leaves correct text and text with characters beyond Latin-1 alone', () => {
    expect(repairMojibake('Wübben')).toBe('Wübben');
    expect(repairMojibake('WÃ¼bben 量子')).toBe('WÃ¼bben 量子');
    expect(repairMojibake('plain ASCII')).toBe('plain ASCII');
  });
});
