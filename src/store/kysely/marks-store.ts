/**
 * The MarksStore on the store's own database connection (outside the writer thread), for SQLite and PostgreSQL; one
 * statement per write, as the reader store does (docs/decisions/0040).
 */
import type { MarksStore, MarkKind, Unsubscription } from '../marks-store.js';
import type { OpenedDatabase } from './dialect.js';
import { createOneStatement } from './one-statement.js';

const normalize = (email: string): string => email.trim().toLowerCase();

export function createKyselyMarksStore(opened: Pick<OpenedDatabase, 'db' | 'location'>, isClosed: () => boolean): MarksStore {
  const run = createOneStatement(opened, isClosed);
  return {
    async setMark(readerId, paperId, kind, now = new Date()) {
      if (kind === 'clear') {
        await run('clear a mark', (db) => db.deleteFrom('reader_marks').where('reader_id', '=', readerId).where('paper_id', '=', paperId).execute());
        return;
      }
      const at = now.toISOString();
      await run('mark a paper', (db) =>
        db
          .insertInto('reader_marks')
          .values({ reader_id: readerId, paper_id: paperId, kind, at })
          .onConflict((conflict) => conflict.columns(['reader_id', 'paper_id']).doUpdateSet({ kind, at }))
          .execute(),
      );
    },

    async getMarks(readerId, options = {}) {
      const ids = options.paperIds;
      if (ids && ids.length === 0) return [];
      const rows = await run('read marks', (db) => {
        let query = db.selectFrom('reader_marks').select(['paper_id', 'kind', 'at']).where('reader_id', '=', readerId);
        if (ids) query = query.where('paper_id', 'in', [...ids]);
        if (options.kind) query = query.where('kind', '=', options.kind);
        return query.orderBy('at', 'desc').orderBy('paper_id').execute();
      });
      return rows.map((row) => ({ paperId: row.paper_id, kind: (row.kind === 'hide' ? 'hide' : 'star') as MarkKind, at: row.at }));
    },

    async unsubscribe(subscription, recipient, via, now = new Date()) {
      const result = await run('record an unsubscription', (db) =>
        db
          .insertInto('unsubscriptions')
          .values({ subscription, recipient: normalize(recipient), at: now.toISOString(), via })
          .onConflict((conflict) => conflict.columns(['subscription', 'recipient']).doNothing())
          .executeTakeFirst(),
      );
      return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
    },

    async resubscribe(subscription, recipient) {
      const result = await run('undo an unsubscription', (db) =>
        db.deleteFrom('unsubscriptions').where('subscription', '=', subscription).where('recipient', '=', normalize(recipient)).executeTakeFirst(),
      );
      return Number(result.numDeletedRows) > 0;
    },

    async unsubscribed(subscription) {
      const rows = await run('read unsubscriptions', (db) =>
        db.selectFrom('unsubscriptions').selectAll().where('subscription', '=', subscription).orderBy('recipient').execute(),
      );
      return rows.map((row): Unsubscription => ({
        subscription: row.subscription,
        recipient: row.recipient,
        at: row.at,
        via: row.via === 'one-click' ? 'one-click' : 'link',
      }));
    },
  };
}

/** The marks store of each store createStore opened. */
const marksStores = new WeakMap<object, MarksStore>();

export function registerMarksStore(store: object, marks: MarksStore): void {
  marksStores.set(store, marks);
}

export function kyselyMarksStore(store: object): MarksStore | undefined {
  return marksStores.get(store);
}
