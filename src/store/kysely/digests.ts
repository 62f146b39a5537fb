/** The digests aggregate's queries (DigestStore): a digest saved whole under its name, read back exactly. */
import type { DigestStore } from '../digest-store.js';
import { chunks, type Queries } from './query.js';
import { digestToRow, entryToRow, toDigest } from './rows/digests.js';

const DIGEST_ENTRY_COLUMN_COUNT = 16;

export const digestQueries = {
  saveDigest: {
    kind: 'write',
    action: (digest) => `save digest ${digest.name}`,
    outcome: 'a digest of that name saved earlier, if any, is unchanged',
    run: async (trx, context, digest) => {
      await trx.deleteFrom('digest_entries').where('digest_name', '=', digest.name).execute();
      await trx.deleteFrom('digests').where('name', '=', digest.name).execute();
      await trx.insertInto('digests').values(digestToRow(digest)).execute();
      const entries = digest.entries.map((entry, index) => entryToRow(digest.name, index, entry));
      for (const chunk of chunks(entries, context.rowsPerInsert(DIGEST_ENTRY_COLUMN_COUNT))) {
        await trx.insertInto('digest_entries').values(chunk).execute();
      }
    },
  },

  getDigest: {
    kind: 'read',
    action: (name) => `read digest ${name}`,
    run: async (executor, _context, name) => {
      const digest = await executor.selectFrom('digests').selectAll().where('name', '=', name).executeTakeFirst();
      if (!digest) return undefined;
      const entries = await executor.selectFrom('digest_entries').selectAll().where('digest_name', '=', name).orderBy('position').execute();
      return toDigest(digest, entries);
    },
  },

  listDigests: {
    kind: 'read',
    action: () => 'list digests',
    run: async (executor, _context) => {
      const rows = await executor
        .selectFrom('digests')
        .leftJoin('digest_entries', 'digest_entries.digest_name', 'digests.name')
        .select((eb) => ['digests.name', 'digests.style', 'digests.created_at', eb.fn.count<number | string | bigint>('digest_entries.position').as('entries')])
        .groupBy(['digests.name', 'digests.style', 'digests.created_at'])
        .orderBy('digests.created_at', 'desc')
        .orderBy('digests.name')
        .execute();
      // PostgreSQL's count() is a bigint, which pg returns as a string.
      return rows.map((row) => ({ name: row.name, style: row.style, entries: Number(row.entries), createdAt: row.created_at }));
    },
  },
} satisfies Queries<DigestStore>;
