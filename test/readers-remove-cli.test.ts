/**
 * `xivdigest readers remove` through the built CLI: like the site's account deletion, it remembers the names of the
 * reader's own subscriptions before they go with the reader, so that their digests stay private and nobody else takes
 * the names (docs/decisions/0045).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildDigest } from '../src/jobs/build-digest.js';
import { createStore, readerStoreOf, subscriptionStoreOf } from '../src/store/index.js';
import { createWebApp } from '../src/web/app.js';
import { resetPrivateFeed } from '../src/web/feeds/private.js';
import { digestPrivacyOf, privateFeedStateKey } from '../src/web/private-digests.js';
import { createCliSandbox, type CliSandbox } from './helpers/cli.js';
import { archiveDeps, seedArchive } from './helpers/web-archive.js';

const SECRET_ENV = { XIVDIGEST_WEB_SECRET: 'readers-remove-test-secret-of-more-than-32-characters' };
const DAY = '2026-11-24';

describe('xivdigest readers remove (built CLI)', () => {
  let sandbox: CliSandbox;
  beforeEach(() => {
    sandbox = createCliSandbox();
    writeFileSync(
      join(sandbox.dir, 'xivdigest.config.json'),
      JSON.stringify({ web: { accounts: true, secret: { env: 'XIVDIGEST_WEB_SECRET' }, mail: { host: '127.0.0.1', port: 2525, from: 'x@example.org' } } }),
    );
  });
  afterEach(() => sandbox?.cleanup());

  it("keeps the removed reader's digests private and their subscription names theirs", async () => {
    // Ada has a web subscription whose digest the daily run saved; no page has listed it yet.
    const store = await createStore({ url: sandbox.db });
    await seedArchive(store);
    const ada = await readerStoreOf(store).ensureReader('ada@example.org', { role: 'reader' });
    const nlp = { name: 'ada-nlp', categories: 'cs.CL' };
    await subscriptionStoreOf(store).save({ id: 's1', readerId: ada.id, name: 'ada-nlp', subscription: nlp, libraryFiles: [] }, { create: true });
    const papers = await store.getPapers({ ids: ['2611.00001'] });
    const digest = buildDigest({ name: `ada-nlp/${DAY}`, papers, texts: [], lang: 'zh', now: new Date() });
    await store.saveDigest({ ...digest, subscription: 'ada-nlp', day: DAY, title: 'xivdigest ada-nlp' });
    // Ada once reset her private feed's address (docs/decisions/0063): its key generation is kept for the subscription.
    await resetPrivateFeed(store, 's1');
    expect(await store.getState(privateFeedStateKey('s1'))).toEqual({ generation: 1 });
    await store.close();

    const removed = await sandbox.run(['readers', 'remove', 'Ada@Example.org'], { env: SECRET_ENV });
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stderr).toContain('removed ada@example.org');

    const after = await createStore({ url: sandbox.db });
    try {
      expect(await readerStoreOf(after).getReader({ email: 'ada@example.org' })).toBeUndefined();
      expect(await subscriptionStoreOf(after).list()).toEqual([]);
      // Her subscription's private feed key generation went with it.
      expect(await after.getState(privateFeedStateKey('s1'))).toBeUndefined();
      // A later page: the public archive leaves the digest out and answers "not found" for it.
      const app = createWebApp(archiveDeps(after));
      const listed = (await (await app.request('/api/digests')).json()) as { digests: Array<{ name: string }> };
      expect(listed.digests.map((item) => item.name)).toContain('cs.CL/2026-11-24');
      expect(listed.digests.map((item) => item.name)).not.toContain(`ada-nlp/${DAY}`);
      expect((await app.request(`/api/digests/ada-nlp/${DAY}`)).status).toBe(404);
      // Nobody else takes the name (and with it Ada's feedback and watermark kept under it).
      const bob = await readerStoreOf(after).ensureReader('bob@example.org', { role: 'reader' });
      expect(await digestPrivacyOf(after).mayName('ada-nlp', bob.id)).toBe(false);
    } finally {
      await after.close();
    }
  });

  it('withdraws an invitation, and says when there is neither', async () => {
    const invited = await sandbox.run(['readers', 'remove', 'carol@example.org'], { env: SECRET_ENV });
    expect(invited.code).not.toBe(0);
    expect(invited.stderr).toContain('No reader or invitation for carol@example.org');
    const store = await createStore({ url: sandbox.db });
    await readerStoreOf(store).invite('carol@example.org', 'cli');
    await store.close();
    const withdrawn = await sandbox.run(['readers', 'remove', 'carol@example.org'], { env: SECRET_ENV });
    expect(withdrawn.code, withdrawn.stderr).toBe(0);
    expect(withdrawn.stderr).toContain('withdrew the invitation of carol@example.org');
  });
});
