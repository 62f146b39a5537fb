/** Constructed arXiv responses in the real formats: an rss.arxiv.org RSS 2.0 feed for a day, and an OAI-PMH arXivRaw page. */

export interface FeedPaper {
  id: string;
  version: number;
  title: string;
  abstract: string;
  authors: string[];
  /** Primary first. */
  categories: string[];
  announceType: 'new' | 'cross' | 'replace' | 'replace-cross';
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Mon, 16 Nov 2026 00:00:00 -0500`: midnight Eastern of the feed day (EST offset; the tests use November days). */
export function feedDate(day: string, offset = '-0500'): string {
  const date = new Date(`${day}T00:00:00Z`);
  return `${DAYS[date.getUTCDay()]}, ${String(date.getUTCDate()).padStart(2, '0')} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} 00:00:00 ${offset}`;
}

/** The rss.arxiv.org feed of `categories` for `day`, with these items (none: arXiv's empty feed). */
export function rssFeed(categories: string, day: string, papers: readonly FeedPaper[]): string {
  const date = feedDate(day);
  const items = papers
    .map(
      (paper) => `    <item>
      <title>${xml(paper.title)}</title>
      <link>https://arxiv.org/abs/${paper.id}</link>
      <description>arXiv:${paper.id}v${paper.version} Announce Type: ${paper.announceType} 
Abstract: ${xml(paper.abstract)}</description>
      <guid isPermaLink="false">oai:arXiv.org:${paper.id}v${paper.version}</guid>
${paper.categories.map((category) => `      <category>${category}</category>`).join('\n')}
      <pubDate>${date}</pubDate>
      <arxiv:announce_type>${paper.announceType}</arxiv:announce_type>
      <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>
      <dc:creator>${xml(paper.authors.join(', '))}</dc:creator>
    </item>`,
    )
    .join('\n');
  return `<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" version="2.0">
  <channel>
    <title>${categories} updates on arXiv.org</title>
    <link>http://rss.arxiv.org/rss/${categories}</link>
    <description>${categories} updates on the arXiv.org e-print archive.</description>
    <atom:link href="http://rss.arxiv.org/rss/${categories}" rel="self" type="application/rss+xml"/>
    <docs>http://www.rssboard.org/rss-specification</docs>
    <language>en-us</language>
    <lastBuildDate>${date}</lastBuildDate>
    <managingEditor>rss-help@arxiv.org</managingEditor>
    <pubDate>${date}</pubDate>
    <skipDays>
      <day>Saturday</day>
      <day>Sunday</day>
    </skipDays>
${items}
  </channel>
</rss>
`;
}

/** One OAI-PMH ListRecords page in arXivRaw, each record with its datestamp; none: arXiv's noRecordsMatch error. */
export function oaiArxivRawPage(records: ReadonlyArray<{ paper: FeedPaper; datestamp: string; set: string }>, request: string): string {
  const head = `<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">
<responseDate>2026-11-24T00:00:00Z</responseDate>
<request verb="ListRecords" metadataPrefix="arXivRaw">${xml(request)}</request>
`;
  if (records.length === 0) return `${head}<error code="noRecordsMatch">No records match</error>\n</OAI-PMH>\n`;
  const body = records
    .map(({ paper, datestamp, set }) => {
      const versions = Array.from(
        { length: paper.version },
        (_, index) =>
          `<version version="v${index + 1}"><date>Mon, 2 Nov 2026 1${index}:00:00 GMT</date><size>100kb</size><source_type>D</source_type></version>`,
      ).join('');
      return `<record>
<header>
 <identifier>oai:arXiv.org:${paper.id}</identifier>
 <datestamp>${datestamp}</datestamp>
 <setSpec>${set}</setSpec>
</header>
<metadata>
 <arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://arxiv.org/OAI/arXivRaw/ http://arxiv.org/OAI/arXivRaw.xsd">
 <id>${paper.id}</id><submitter>${xml(paper.authors[0] ?? 'Someone')}</submitter>${versions}<title>${xml(paper.title)}</title><authors>${xml(paper.authors.join(', '))}</authors><categories>${paper.categories.join(' ')}</categories><license>http://creativecommons.org/licenses/by/4.0/</license><abstract>  ${xml(paper.abstract)}
</abstract></arXivRaw>
</metadata>
</record>`;
    })
    .join('\n');
  return `${head}<ListRecords>\n${body}\n</ListRecords>\n</OAI-PMH>\n`;
}
