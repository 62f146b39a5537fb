/**
 * The calendar's stops as a user meets them, through the built CLI with `--now` against the simulated arXiv: a missed
 * Friday whose OAI-PMH request fails exits 5 and names the day; one OAI-PMH does not have yet exits 75; the watermark
 * stays before it both times.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliSandbox, type CliSandbox } from '../helpers/cli.js';
import { startArxivWorld, type ArxivWorld } from '../helpers/arxiv-world.js';

describe('xivdigest run: a missed day it cannot get', () => {
  let sandbox: CliSandbox;
  let world: ArxivWorld;
  let env: Record<string, string>;

  beforeAll(async () => {
    sandbox = createCliSandbox();
    world = await startArxivWorld({ from: '2026-11-16', until: '2026-11-24' });
    env = { XIVDIGEST_ARXIV_RSS_URL: world.server.url, XIVDIGEST_ARXIV_OAI_URL: `${world.server.url}/oai` };
    const config = {
      arxiv: { maxRetries: 0 },
      subscriptions: [{ name: 'nlp', categories: 'cs.CL', outputs: { dir: join(sandbox.dir, 'out'), formats: ['md'] } }],
    };
    writeFileSync(join(sandbox.dir, 'xivdigest.config.json'), JSON.stringify(config));
  });
  afterAll(async () => {
    await world.close();
    sandbox.cleanup();
  });

  it('exits 5 naming the day when OAI-PMH fails for it, 75 while OAI-PMH has nothing for it yet', async () => {
    // Sat 10:00 EST, a first run: the Saturday feed is empty, so Friday 11-20 must come from OAI-PMH, which fails.
    world.now = new Date('2026-11-21T15:00:00Z');
    world.faults.oaiFails.add('2026-11-20');
    const failed = await sandbox.run(['run', '--now', world.now.toISOString()], { env });
    expect(failed.code, failed.stderr).toBe(5);
    expect(failed.stderr).toMatch(/could not get arXiv's announcement of 2026-11-20/);
    expect(world.oaiRequests()).toEqual(['2026-11-20..2026-11-20']);

    world.faults.oaiFails.clear();
    world.faults.oaiEmpty.add('2026-11-20');
    const waiting = await sandbox.run(['run', '--now', world.now.toISOString(), '--json'], { env });
    expect(waiting.code, waiting.stderr).toBe(75);
    const [report] = JSON.parse(waiting.stdout) as Array<{ days: string[]; coverage: Array<{ day: string; status: string }>; watermark: { after?: string } }>;
    expect(report!.days).toEqual([]);
    expect(report!.coverage.map((day) => `${day.day} ${day.status}`)).toEqual(['2026-11-20 not-yet', '2026-11-21 empty']);
    expect(report!.watermark.after).toBeUndefined();
  });
});
