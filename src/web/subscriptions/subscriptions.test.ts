/**
 * Readers' subscriptions on the web (docs/decisions/0039) against a running server (real HTTP, cookies, multipart
 * forms), real SQLite and the email channel's settings pointing at a real SMTP server. Sessions are started in the
 * reader store as sign-in does (the emailed link itself is the browser test's and the accounts tests' subject).
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../../../test/helpers/smtp-sink.js';
import { paperOf, syntheticPapers } from '../../../test/helpers/synthetic-papers.js';
import { createTempStore, type TempStore } from '../../../test/helpers/temp-store.js';
import { signedInSession } from '../../../test/helpers/store-session.js';
import { subscriptionForm as form } from '../../../test/helpers/subscription-form.js';
import type { Subscription } from '../../core/config/schema.js';
import { checkSubscription } from '../../config.js';
import { readerStoreOf, subscriptionStoreOf } from '../../store/index.js';
import type { Reader } from '../../store/reader-store.js';
import { keyedTag } from '../accounts/crypto.js';
import { createSignInMailer } from '../accounts/setup.js';
import { createWebApp } from '../app.js';
import { webSubscriptionsForRun } from './setup.js';
import { secretKeyFrom } from './secrets.js';

const SECRET = 'a-test-secret-of-more-than-32-characters';
const KEY_ENV = { XIVDIGEST_SECRET_KEY: randomBytes(32).toString('base64') };
const PAPERS = syntheticPapers(12).map((fake, index) => ({
  ...paperOf(fake),
  categories: [index % 3 === 2 ? 'cs.LG' : 'cs.CL'],
  announced: '2026-11-24T00:00:00Z',
}));
/** A library of two of the day's papers, so that the lexical ranking has something to score against. */
const LIBRARY = PAPERS.slice(0, 2)
  .map(
    (paper, index) => `@article{lib${index},\n  title = {${paper.title}},\n  abstract = {${paper.abstract}},\n  author = {Author, A.},\n  year = {2025}\n}\n`,
  )
  .join('\n');

interface Response {
  status: number;
  text: string;
  location: string | null;
}

describe('readers’ subscriptions through a running server', () => {
  let temp: TempStore;
  let sink: SmtpSink;
  let server: ServerType;
  let base: string;
  let configSubscriptions: Subscription[];
  const sessions = new Map<string, { reader: Reader; token: string }>();

  /** A reader's browser: their session cookie, and the CSRF token the site gives that session. */
  function as(who: 'anonymous' | 'ada' | 'bob' | 'root') {
    const session = sessions.get(who);
    const headers = (): Record<string, string> => (session ? { cookie: `xd_session=${session.token}` } : {});
    const csrf = session ? keyedTag(SECRET, 'csrf', `session:${session.token}`) : '';
    const read = async (response: globalThis.Response): Promise<Response> => ({
      status: response.status,
      text: await response.text(),
      location: response.headers.get('location'),
    });
    return {
      csrf,
      get: async (path: string) => read(await fetch(`${base}${path}`, { headers: headers(), redirect: 'manual' })),
      post: async (path: string, fields: Record<string, string>, options: { file?: { name: string; text: string }; csrf?: string | null } = {}) => {
        const body = new FormData();
        for (const [name, value] of Object.entries(fields)) body.set(name, value);
        const token = options.csrf === undefined ? csrf : options.csrf;
        if (token !== null) body.set('_csrf', token);
        if (options.file) body.set('library_file', new File([options.file.text], options.file.name, { type: 'application/octet-stream' }));
        return read(await fetch(`${base}${path}`, { method: 'POST', body, headers: headers(), redirect: 'manual' }));
      },
    };
  }

  async function start(env: Record<string, string>) {
    const store = temp.store;
    const mail = { host: '127.0.0.1', port: sink.port, ignoreTLS: true, from: 'xivdigest <noreply@example.org>' };
    const holder: { app?: ReturnType<typeof createWebApp> } = {};
    const started = serve({
      fetch: (request) => (holder.app ? holder.app.fetch(request) : new Response('starting', { status: 503 })),
      hostname: '127.0.0.1',
      port: 0,
    });
    await new Promise<void>((resolve) => started.once('listening', () => resolve()));
    const url = `http://127.0.0.1:${(started.address() as AddressInfo).port}`;
    holder.app = createWebApp({
      store,
      search: store,
      subscriptions: [],
      baseUrl: url,
      lang: 'en',
      accounts: {
        readers: readerStoreOf(store),
        mailer: createSignInMailer(mail, {}),
        secret: SECRET,
        signup: 'invite',
        admins: ['root@example.org'],
        trustProxy: false,
      },
      readerSubscriptions: { subscriptions: subscriptionStoreOf(store), configSubscriptions, mail, key: secretKeyFrom(env), env },
    });
    return { server: started, url };
  }

  beforeAll(async () => {
    temp = await createTempStore('sqlite');
    sink = await startSmtpSink();
    await temp.store.upsertPapers(PAPERS);
    const config = (name: string, to: string) =>
      checkSubscription({ name, categories: 'cs.LG', outputs: { channels: [{ type: 'email', host: '127.0.0.1', port: 25, from: 'x@example.org', to }] } })
        .subscription!;
    configSubscriptions = [config('lab-ml', 'ada@example.org'), config('ops', 'ops@example.org')];
    for (const who of ['ada', 'bob', 'root'] as const) {
      sessions.set(who, await signedInSession(temp.store, `${who}@example.org`, who === 'root' ? 'admin' : 'reader'));
    }
    ({ server, url: base } = await start(KEY_ENV));
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await sink?.close();
    await temp?.cleanup();
  });

  it('creates a subscription from the form: field errors next to their field, secrets encrypted and masked, a preview with scores and reasons', async () => {
    const ada = as('ada');
    const empty = await ada.get('/subscriptions');
    expect(empty.status).toBe(200);
    // Config-file subscriptions read-only: to a reader, those that email them.
    expect(empty.text).toContain('lab-ml');
    expect(empty.text).not.toContain('>ops<');
    const blank = await ada.get('/subscriptions/new');
    expect(blank.text).toContain('<datalist id="arxiv-categories">');
    expect(blank.text).toContain('<option value="cs.CL">');

    const bad = await ada.post('/subscriptions', form('nlp', { categories: 'cs.CLL', query: 'ti:(llm AND', topK: '-2' }));
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/id="f-categories"[^>]*aria-invalid="true"/);
    expect(bad.text).toMatch(
      /<pre class="field-error" id="error-categories" role="alert">category expression error at column 1: &quot;cs.CLL&quot; is not an arXiv category or archive; did you mean cs.CL\?/,
    );
    expect(bad.text).toMatch(/id="error-query" role="alert">query error at column 12: expected a term after AND/);
    expect(bad.text).toMatch(/id="error-topK" role="alert">Too small/);
    // What was typed comes back for fixing (a file chosen is chosen again: browsers do not send it twice).
    expect(bad.text).toContain('value="ti:(llm AND"');

    const webhook = 'https://hooks.example.org/services/T000/B000/abcdefghijklmnop';
    const saved = await ada.post('/subscriptions', form('nlp', { webhook_url: webhook }), { file: { name: 'mine.bib', text: LIBRARY } });
    expect(saved.status, saved.text).toBe(303);
    const [row] = await subscriptionStoreOf(temp.store).list({ readerId: sessions.get('ada')!.reader.id });
    expect(row).toMatchObject({ name: 'ada-nlp', libraryFiles: [{ fileName: 'mine.bib', format: 'bibtex' }] });
    // The subscription is the config file's fields; the webhook URL is nowhere in the database in the clear.
    expect(checkSubscription({ ...row!.subscription, outputs: { channels: [] } }).problems).toEqual([]);
    const dump = JSON.stringify(await temp.query('select * from reader_subscriptions'));
    expect(dump).not.toContain('hooks.example.org');
    expect(row!.secrets).toMatch(/^v1\./);

    const edit = await ada.get(`/subscriptions/${row!.id}`);
    expect(edit.status).toBe(200);
    expect(edit.text).not.toContain(webhook);
    expect(edit.text).toContain('placeholder="••••mnop (kept when left blank)"');
    // Left blank, the secret is kept; the run gets it back.
    expect((await ada.post(`/subscriptions/${row!.id}`, form('nlp', { topK: '2' }))).status).toBe(303);
    const forRun = await webSubscriptionsForRun(
      { config: { subscriptions: configSubscriptions, web: { mail: { host: '127.0.0.1', port: sink.port, from: 'x@example.org' } } }, env: KEY_ENV } as never,
      temp.store,
    );
    expect(forRun.problems).toEqual([]);
    const running = forRun.subscriptions.find((subscription) => subscription.name === 'ada-nlp')!;
    expect(running.ranking.topK).toBe(2);
    expect(running.outputs.channels).toEqual([
      expect.objectContaining({ type: 'email', host: '127.0.0.1', to: ['ada@example.org'] }),
      expect.objectContaining({ type: 'webhook', url: webhook }),
    ]);
    expect(running.library.files).toHaveLength(1);

    const preview = await ada.get(`/subscriptions/${row!.id}/preview`);
    expect(preview.status).toBe(200);
    expect(preview.text).toContain(
      'On 2026-11-24, the latest announcement day stored for its categories, it would have delivered 2 papers and skipped 6 (ranked by lexical-tfidf)',
    );
    const selectedRows = preview.text.match(/<tr class="selected">.*?<\/tr>/g) ?? [];
    expect(selectedRows).toHaveLength(2);
    expect(selectedRows[0]).toMatch(/<td>0\.\d{3}<\/td><td>close to &quot;/);
    expect(preview.text).toMatch(/<tr class="skipped">.*ranked below the top 2 \(score/);
    // The account's export holds the subscription, never its secrets.
    const exported = await ada.get('/account/export.json');
    expect(exported.status).toBe(200);
    expect(JSON.parse(exported.text).subscriptions).toMatchObject([{ name: 'ada-nlp', hasSecrets: true, libraryFiles: [{ fileName: 'mine.bib' }] }]);
    expect(exported.text).not.toContain('hooks.example.org');
    expect(exported.text).not.toContain(row!.secrets!);
  });

  it('refuses a private webhook address (the SSRF guard) and an invalid URL, next to the field', async () => {
    const ada = as('ada');
    const local = await ada.post('/subscriptions', form('local', { webhook_url: 'http://127.0.0.1:9/hook' }));
    expect(local.status).toBe(400);
    expect(local.text).toMatch(/id="error-webhook_url" role="alert">[^<]*(private|loopback)/i);
    // The URL typed is not shown back either.
    expect(local.text).not.toContain('127.0.0.1:9/hook');
    const slack = await ada.post('/subscriptions', form('slack', { slack_url: 'not a url' }));
    expect(slack.status).toBe(400);
    expect(slack.text).toMatch(/id="error-slack_url" role="alert">/);
    // A config subscription's name cannot be taken.
    const taken = checkSubscription({ name: 'ada-lab', categories: 'cs.CL' }).subscription!;
    configSubscriptions.push(taken);
    const clash = await as('ada').post('/subscriptions', form('lab'));
    configSubscriptions.pop();
    expect(clash.status).toBe(400);
    expect(clash.text).toMatch(/id="error-name" role="alert">the name ada-lab belongs to a subscription of the config file/);
  });

  it('without XIVDIGEST_SECRET_KEY, a secret is refused with the variable named; without secrets the form still saves', async () => {
    const keyless = await start({});
    const previous = base;
    base = keyless.url;
    try {
      const bob = as('bob');
      const refused = await bob.post('/subscriptions', form('chat', { slack_url: 'https://hooks.slack.com/services/T/B/secret123456' }));
      expect(refused.status).toBe(400);
      expect(refused.text).toMatch(/id="error-slack_url" role="alert">[^<]*XIVDIGEST_SECRET_KEY is not set/);
      expect((await bob.post('/subscriptions', form('plain'))).status).toBe(303);
    } finally {
      base = previous;
      await new Promise((resolve) => keyless.server.close(resolve));
    }
  });

  it('authorization: every route as anonymous, reader A, reader B and admin, on the objects of each; another’s is 404', async () => {
    const store = subscriptionStoreOf(temp.store);
    const ensure = async (who: 'ada' | 'bob', short: string) => {
      const found = (await store.list({ readerId: sessions.get(who)!.reader.id })).find((row) => row.name === `${who}-${short}`);
      if (found) return found.id;
      expect((await as(who).post('/subscriptions', form(short))).status).toBe(303);
      return (await store.list({ readerId: sessions.get(who)!.reader.id })).find((row) => row.name === `${who}-${short}`)!.id;
    };
    const objects = { ada: await ensure('ada', 'matrix'), bob: await ensure('bob', 'matrix') };
    const who = ['anonymous', 'ada', 'bob', 'root'] as const;
    type Who = (typeof who)[number];
    const owns = (actor: Who, owner: 'ada' | 'bob') => actor === owner;
    const cells: Array<{ route: string; actor: Who; expected: number; check?: (response: Response) => void }> = [];
    for (const actor of who) {
      const signedIn = actor !== 'anonymous';
      const anonymous = (status: number) => (signedIn ? status : 303);
      for (const route of [
        'GET /subscriptions',
        'GET /subscriptions/new',
        'GET /subscriptions/categories.json',
        'GET /subscriptions/check.json?query=ti:x',
        'POST /subscriptions',
        'POST /subscriptions/preview',
      ])
        cells.push({ route, actor, expected: anonymous(route === 'POST /subscriptions' ? 303 : 200) });
      for (const owner of ['ada', 'bob'] as const) {
        const id = objects[owner];
        const mine = owns(actor, owner);
        const admin = actor === 'root';
        cells.push({ route: `GET /subscriptions/${id}`, actor, expected: anonymous(mine || admin ? 200 : 404) });
        cells.push({ route: `GET /subscriptions/${id}/preview`, actor, expected: anonymous(mine || admin ? 200 : 404) });
        cells.push({ route: `POST /subscriptions/${id}`, actor, expected: anonymous(mine ? 303 : 404) });
        cells.push({ route: `POST /subscriptions/${id}/delete?keep`, actor, expected: anonymous(mine || admin ? 400 : 404) });
        cells.push({ route: `POST /subscriptions/preview?id=${id}`, actor, expected: anonymous(mine ? 200 : 404) });
      }
    }
    const seen: string[] = [];
    for (const cell of cells) {
      const [method, target] = cell.route.split(' ') as ['GET' | 'POST', string];
      const client = as(cell.actor);
      const [path, search] = target.split('?') as [string, string | undefined];
      let response: Response;
      if (method === 'GET') response = await client.get(target);
      else if (search === 'keep') response = await client.post(path, {});
      else if (search?.startsWith('id=')) response = await client.post(path, { ...form('x'), id: search.slice(3) });
      else if (path === '/subscriptions') response = await client.post(path, form(`made-${seen.length}`));
      else if (path === '/subscriptions/preview') response = await client.post(path, form('x'));
      else {
        const owner = path.includes(objects.ada) ? 'ada' : 'bob';
        response = await client.post(path, form('matrix', { topK: String(seen.length + 1) }));
        const row = await store.get({ id: objects[owner] });
        // Changed only by its owner.
        expect(row!.subscription, `${cell.actor} ${cell.route}`).toMatchObject({ name: `${owner}-matrix` });
        if (cell.expected !== 303) expect((row!.subscription.ranking as { topK?: number }).topK).not.toBe(seen.length + 1);
      }
      seen.push(`${cell.actor} ${cell.route} → ${response.status}`);
      expect(response.status, `${cell.actor} ${cell.route}`).toBe(cell.expected);
      if (cell.actor === 'anonymous') expect(response.location).toBe('/signin');
      if (cell.expected === 404) {
        // Not even the name of another reader's subscription shows.
        expect(response.text).not.toMatch(/(ada|bob)-matrix/);
      }
    }
    // Deleting: another reader's is not there; the owner and an admin may.
    expect((await as('bob').post(`/subscriptions/${objects.ada}/delete`, { confirm: 'yes' })).status).toBe(404);
    expect(await store.get({ id: objects.ada })).toBeDefined();
    expect((await as('ada').post(`/subscriptions/${objects.ada}/delete`, { confirm: 'yes' })).status).toBe(303);
    expect(await store.get({ id: objects.ada })).toBeUndefined();
    expect((await as('root').post(`/subscriptions/${objects.bob}/delete`, { confirm: 'yes' })).status).toBe(303);
    expect(await store.get({ id: objects.bob })).toBeUndefined();
    // A form without the CSRF token (or with another session's) changes nothing.
    const id = await ensure('ada', 'csrf');
    expect((await as('ada').post(`/subscriptions/${id}/delete`, { confirm: 'yes' }, { csrf: null })).status).toBe(403);
    expect((await as('ada').post(`/subscriptions/${id}/delete`, { confirm: 'yes' }, { csrf: as('bob').csrf })).status).toBe(403);
    expect(await store.get({ id })).toBeDefined();
    // The admin sees every reader's subscriptions listed, and every config-file one.
    const listed = await as('root').get('/subscriptions');
    expect(listed.text).toContain('ada-csrf');
    expect(listed.text).toContain('>ops<');
    const bobs = await as('bob').get('/subscriptions');
    expect(bobs.text).not.toContain('ada-');
    expect(bobs.text).not.toContain('lab-ml');
    expect(seen.length).toBe(cells.length);
  });
});
