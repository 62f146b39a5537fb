/**
 * PostgreSQL's GIN-only superset of a query and the estimate of its share of the papers (ADR 0064): the superset must
 * match every document the query does, on the real database, and the estimate follow its stated rules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseQuery } from '../../../select/query/parse.js';
import { createTempPostgresDatabase, postgresSkipReason, postgresTestUrl, type TempDatabase } from '../../../../test/helpers/temp-store.js';
import { tsVectorLiteral, type SearchSource } from './index-docs.js';
import { toLooseTsQuery, toTsQuery, tsExact, tsQueryShare } from './query.js';

const QUERIES = [
  'diffusion',
  '"large language models"',
  'reinforcement learning',
  'ti:retrieval',
  'abs:benchmark -survey',
  'graph OR "neural networks"',
  'language -"language models"',
  '-"language models" diffusion',
  '强化学习',
  'ti:检索',
  'au:"Ada Lovelace"',
  'transform*',
  'cat:cs.CL "language models"',
];

describe('toLooseTsQuery', () => {
  it('keeps what the GIN index answers alone, and loosens phrases and weights', () => {
    const loose = (q: string) => toLooseTsQuery(parseQuery(q));
    expect(tsExact(parseQuery('diffusion'))).toBe(true);
    expect(tsExact(parseQuery('reinforcement learning -survey'))).toBe(true);
    expect(tsExact(parseQuery('"large language models"'))).toBe(false);
    // `ti:` words have lexemes of their own (ADR 0068): one is exact; a phrase of them is not.
    expect(tsExact(parseQuery('ti:retrieval'))).toBe(true);
    expect(tsExact(parseQuery('ti:"retrieval models"'))).toBe(false);
    expect(loose('"large language models"')).toBe("(('large' & 'language' & 'models') | ('@large' & '@language' & '@models'))");
    expect(loose('ti:retrieval')).toBe("'^retrieval'");
    expect(loose('ti:"retrieval models"')).toBe("('^retrieval' & '^models')");
    expect(loose('abs:benchmark -survey')).toBe("('benchmark' & !('survey' | '@survey'))");
    // Leaving out less would leave out papers that match: a NOT of a phrase is dropped, and an OR with "anything" is anything.
    expect(loose('language -"language models"')).toBe("(('language' | '@language'))");
    expect(loose('-"language models"')).toBeUndefined();
    expect(loose('-"language models" OR ti:x')).toBeUndefined();
  });

  it("takes a phrase's rarest word alone when it is in under 5% of the papers", () => {
    const shares: Record<string, number> = { 强化: 0.03, 化学: 0.033, 学习: 0.23, large: 0.24, language: 0.18, models: 0.38, '^large': 0.02, '^rare': 0.001 };
    const share = (lexeme: string) => shares[lexeme] ?? 0.001;
    expect(toLooseTsQuery(parseQuery('强化学习'), share)).toBe("('强化' | '@强化')");
    expect(toLooseTsQuery(parseQuery('"large language models"'), share)).toBe("(('large' & 'language' & 'models') | ('@large' & '@language' & '@models'))");
    expect(toLooseTsQuery(parseQuery('ti:"large rare"'), share)).toBe("'^rare'");
    // The last word of a prefix phrase stands for many lexemes: never alone.
    expect(toLooseTsQuery(parseQuery('"language rar*"'), share)).toBe("(('language' & 'rar':*) | ('@language' & '@rar':*))");
  });

  const sources: SearchSource[] = [
    { title: 'Large language models for retrieval', abstract: 'We benchmark diffusion without a survey.' },
    { title: 'Language and models', abstract: 'Large, language: models of graph neural networks; a survey.' },
    { title: '强化学习的检索', abstract: '我们研究强化与学习。' },
    { title: 'Transformers', abstract: 'Reinforcement of learning; language models.', authors: ['Ada Lovelace'] },
    { title: 'Notes', abstract: 'Retrieval benchmark for language modelling.', categories: ['cs.CL'] },
  ].map((fields, index) => ({ id: `2501.0000${index}`, sortDay: '2025-01-01', authors: [], categories: ['cs.LG'], texts: [], ...fields }));

  describe.skipIf(!postgresTestUrl)('on PostgreSQL', () => {
    let database: TempDatabase;
    beforeAll(async () => {
      database = await createTempPostgresDatabase();
    });
    afterAll(async () => {
      await database?.cleanup();
    });

    it('matches every document the query matches', async () => {
      for (const q of QUERIES) {
        const node = parseQuery(q);
        const text = toTsQuery(node);
        // Without shares, and with every word rare (each phrase then by one word).
        for (const loose of [toLooseTsQuery(node), toLooseTsQuery(node, () => 0.01)]) {
          for (const source of sources) {
            const rows = await database.query<{ exact: boolean; loose: boolean }>(
              'select cast($1 as tsvector) @@ cast($2 as tsquery) as exact, $3::text is null or cast($1 as tsvector) @@ cast($3 as tsquery) as loose',
              [tsVectorLiteral(source), text, tsExact(node) ? text : (loose ?? null)],
            );
            if (rows[0]!.exact) expect({ q, id: source.id, loose: rows[0]!.loose }).toEqual({ q, id: source.id, loose: true });
          }
        }
      }
    });
  });
  if (!postgresTestUrl) it.skip(postgresSkipReason, () => undefined);
});

describe('tsQueryShare', () => {
  const shares: Record<string, number> = { large: 0.24, language: 0.18, models: 0.38, learning: 0.32, survey: 0.1, 'trans-a': 0.2, 'trans-b': 0.1 };
  const share = (text: string) =>
    tsQueryShare(text, (lexeme, prefix) =>
      prefix ? Object.entries(shares).reduce((sum, [name, value]) => (name.startsWith(lexeme) ? sum + value : sum), 0) : (shares[lexeme] ?? 0.001),
    );

  it('estimates words, ORs, NOTs, ANDs of related words and phrases, not counting weights', () => {
    expect(share("'large'")).toBeCloseTo(0.24);
    expect(share("('large' | 'nothing')")).toBeCloseTo(0.24 + 0.001 - 0.24 * 0.001);
    expect(share("!'survey'")).toBeCloseTo(0.9);
    // An AND: the rarest operand times the square roots of the others.
    expect(share("('language' & 'learning')")).toBeCloseTo(0.18 * Math.sqrt(0.32));
    // A phrase: half its rarest word.
    expect(share("('large' <-> 'language' <-> 'models')")).toBeCloseTo(0.09);
    // `abs:`'s weights keep most of a word: not counted (`ti:` has lexemes of its own, ADR 0068).
    expect(share("'large':CD")).toBeCloseTo(0.24);
    expect(share("'trans':*")).toBeCloseTo(0.3);
    expect(share("'it''s'")).toBeCloseTo(0.001);
    expect(share(toTsQuery(parseQuery('"large language models"')))).toBeCloseTo(0.09 + 0.0005 - 0.09 * 0.0005);
  });
});
