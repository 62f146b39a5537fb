/** The state aggregate's queries (StateStore): small JSON values under keys. */
import type { StateStore } from '../state-store.js';
import type { Queries } from './query.js';
import { canonicalJson, readJsonValue } from './rows/json.js';

export const stateQueries = {
  getState: {
    kind: 'read',
    action: (key) => `read state ${key}`,
    run: async (executor, _context, key) => {
      const row = await executor.selectFrom('state').select('value').where('key', '=', key).executeTakeFirst();
      return row === undefined ? undefined : readJsonValue(row.value);
    },
  },

  setState: {
    kind: 'write',
    action: (key) => `save state ${key}`,
    outcome: 'the value saved earlier, if any, is unchanged',
    run: async (trx, _context, key, value) => {
      if (value === undefined) {
        await trx.deleteFrom('state').where('key', '=', key).execute();
        return;
      }
      const row = { key, value: canonicalJson(value), updated_at: new Date().toISOString() };
      await trx
        .insertInto('state')
        .values(row)
        .onConflict((conflict) => conflict.column('key').doUpdateSet({ value: row.value, updated_at: row.updated_at }))
        .execute();
    },
  },
} satisfies Queries<StateStore>;
