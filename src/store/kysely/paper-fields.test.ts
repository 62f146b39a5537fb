/** The paper-fields hand-over: what crosses to the writer thread prepares to exactly what the records prepare to. */
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { openLocalFile } from '../../app.js';
import type { Paper } from '../../core/paper.js';
import { hasSharedFixtures, sharedFixtureFiles } from '../../../test/helpers/shared-fixtures.js';
import { feedPrefixes, paperFields, papersFromFields } from './paper-fields.js';
import { PAPER_WRITE_COLUMNS, paperToRow, pushPaperValues } from './rows/papers.js';
import { preparedOwnVersion, preparedRow, preparePapers } from './rows/prepared.js';

/** The fields after a structured clone, as the writer thread receives them. */
function cloned(values: unknown[]): unknown[] {
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(values);
  const message = receiveMessageOnPort(port2)!.message as unknown[];
  port1.close();
  return message;
}

function expectSamePrepared(papers: Paper[]): void {
  const fields = paperFields(papers);
  expect(fields).toBeDefined();
  const now = '2025-04-28T00:00:00.000Z';
  expect(preparePapers(papersFromFields(cloned(fields!)), now, feedPrefixes)).toEqual(preparePapers(papers, now));
}

const base: Paper = {
  id: '2504.00001',
  version: 2,
  title: 'A title',
  authors: [{ name: 'Ada Lovelace', affiliations: ['Analytical Engine Society', 'Elsewhere'] }, { name: 'Alan "Quote" Turing' }],
  abstract: 'An abstract with “unicode”, a \\ backslash and a\nline feed.',
  categories: ['cs.CL', 'cs.AI'],
  links: { abs: 'https://arxiv.org/abs/2504.00001', pdf: 'https://arxiv.org/pdf/2504.00001v2', html: '', doi: 'https://doi.org/10.1/x' },
  versions: [{ version: 1, submitted: '2025-04-01T00:00:00Z', size: '10kb', sourceType: 'D' }, { version: 2 }],
  source: 'arxiv-rss',
};

describe('prepared values', () => {
  it('follow PAPER_WRITE_COLUMNS, which the readers of prepared values index by position', () => {
    const row = paperToRow({ ...base, feed: { title: 'T', description: `prefix ${base.abstract}`, link: 'L' } }, '2025-04-28T00:00:00.000Z');
    const values: unknown[] = [];
    pushPaperValues(row, { submitted_at: 'S', size: 'Z', source_type: 'D' }, values);
    expect(values).toHaveLength(PAPER_WRITE_COLUMNS.length);
    const byColumn = Object.fromEntries(PAPER_WRITE_COLUMNS.map((column, index) => [column, values[index]]));
    expect(byColumn).toEqual({
      ...row,
      feed_description: 'prefix ',
      feed_description_is_prefix: 1,
      version_in_row: 1,
      version_submitted_at: 'S',
      version_size: 'Z',
      version_source_type: 'D',
    });
    expect(preparedRow(values, 0)).toEqual(row);
    expect(preparedOwnVersion(values, 0)).toEqual({ submitted_at: 'S', size: 'Z', source_type: 'D' });
  });
});

describe('paperFields', () => {
  it('prepares to the same values as the records, whatever optional fields they have', () => {
    const prefix = 'arXiv:2504.00001v2 Announce Type: replace \nAbstract: ';
    expectSamePrepared([
      base,
      {
        ...base,
        id: '2504.00002',
        feed: { title: 'A title', description: `${prefix}${base.abstract}`, link: 'L' },
        announceType: 'replace',
        announced: '2025-04-28',
      },
      { ...base, id: '2504.00003', feed: { title: 'T', description: 'Another text', link: '' }, abstractTruncated: true, legacyFlags: ['UPDATED'] },
      { ...base, id: '2504.00004', version: null, versions: [], links: { abs: 'x' }, authors: [], categories: [], abstract: '', title: '' },
      {
        ...base,
        id: '2504.00005',
        doi: '10.1/x',
        journalRef: 'J. 1',
        comments: '3 pages',
        license: 'L',
        reportNo: 'R-1',
        submitter: 'S',
        submitted: '2025-01-01T00:00:00Z',
        updated: '2025-02-01T00:00:00Z',
        oai: { identifier: 'oai:arXiv.org:2504.00005', sets: ['cs'] },
      },
      // The same paper twice, and a lone surrogate and a separator-like character in text.
      { ...base, title: 'Lone \ud800 surrogate \u0000 and NUL' },
    ]);
  });

  it('leaves records of an unusual shape to be prepared by the caller', () => {
    const unusual: Array<Partial<Paper> | Record<string, unknown>> = [
      { links: { abs: 'x', other: 'y' } },
      { version: '2' },
      { abstractTruncated: 1 },
      { authors: [{ name: 3 }] },
      { categories: 'cs.CL' },
      { feed: { title: 'T', description: 5, link: 'L' } },
      { versions: [{ version: '1' }] },
      { doi: 10 },
    ];
    for (const change of unusual) expect(paperFields([{ ...base, ...change } as Paper]), JSON.stringify(change)).toBeUndefined();
    expect(paperFields([null as unknown as Paper])).toBeUndefined();
  });

  it.skipIf(!hasSharedFixtures)('prepares every record of the recorded arXiv documents as the records do', async () => {
    for (const file of sharedFixtureFiles('arxiv', (name) => /\.(xml|jsonl)$/.test(name) && !name.includes('error'))) {
      const papers: Paper[] = [];
      const { events } = await openLocalFile(file);
      for await (const event of events) if (event.type === 'paper') papers.push(event.paper);
      if (papers.length > 0) expectSamePrepared(papers);
    }
  });
});
