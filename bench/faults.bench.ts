/**
 * `npm run bench:faults [-- --kills N --seed S --db sqlite|postgres]`: kill -9 of `xivdigest run` at N random moments
 * (default 20; seeded, the seed is printed), each followed by a rerun, through the built CLI against local arXiv, LLM
 * and (slow) webhook servers. Prints one row per kill and a summary: identical files, deliveries received once or
 * with the same Idempotency-Key, LLM calls against papers + in flight, the killed run shown as interrupted.
 * Needs `npm run build` first. PostgreSQL uses XIVDIGEST_TEST_PG_URL. Never asserts; the suite's short mode does.
 */
import { parseArgs } from 'node:util';
import { createRandom } from '../test/helpers/random.js';
import { createFaultWorld, faultDatabase, describeKillPlan, killPlan, killTrial, referenceRun, type KillTrial } from '../test/helpers/fault-world.js';

/** What the killed run was doing, from what the servers had seen. */
function phase(row: KillTrial): string {
  if (row.killedAfter.exited) return 'finished';
  if (row.killedAfter.posts > 0) return 'delivering';
  if (row.killedAfter.llmRequests > 0) return 'enriching';
  return 'starting';
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { kills: { type: 'string' }, seed: { type: 'string' }, db: { type: 'string' } } });
  const kills = Number(values.kills ?? 20);
  const seed = Number(values.seed ?? Math.floor(Math.random() * 2 ** 31));
  const kind = values.db === 'postgres' ? 'postgres' : 'sqlite';
  const pgUrl = process.env.XIVDIGEST_TEST_PG_URL;
  if (kind === 'postgres' && !pgUrl) throw new Error('--db postgres needs XIVDIGEST_TEST_PG_URL');
  const database = (dir: string) => faultDatabase(kind, dir, pgUrl);
  const papers = 6;
  const hookDelayMs = 1500;
  const world = await createFaultWorld({ papers, llmLatencyMs: 600, hookDelayMs: () => hookDelayMs, concurrency: 2 });
  const random = createRandom(seed);
  console.log(`bench:faults: ${kills} kills on ${kind}, seed ${seed} (--seed ${seed} replays them), ${papers} papers, LLM concurrency 2`);
  try {
    const reference = await referenceRun(world, database);
    const files = reference.files;
    console.log(`clean run: ${reference.spanMs} ms (first LLM call at ${reference.firstCallMs} ms), ${Object.keys(files).length} files\n`);
    const rows: KillTrial[] = [];
    const header = [
      '#',
      'kill at',
      'phase',
      'LLM req. before kill',
      'posts before kill',
      'rerun',
      'files',
      'posts',
      'same key',
      'dup. flag',
      'LLM calls',
      'killed run',
      'ok',
    ];
    console.log(header.join('\t'));
    for (let trial = 1; trial <= kills; trial += 1) {
      const plan = killPlan(random, reference, papers, hookDelayMs);
      const row = await killTrial(world, database, files, plan);
      rows.push(row);
      console.log(
        [
          trial,
          describeKillPlan(plan),
          phase(row),
          row.killedAfter.llmRequests,
          row.killedAfter.posts,
          row.rerunCode,
          row.filesIdentical ? 'identical' : 'DIFFER',
          row.posts,
          row.posts > 1 ? (row.sameKey ? 'yes' : 'NO') : '-',
          row.possiblyDuplicated ? 'yes' : '-',
          `${row.llmCalls}/${papers}+2`,
          row.killedRunStatus,
          row.problems.length === 0 ? 'yes' : `NO: ${row.problems.join('; ')}`,
        ].join('\t'),
      );
    }
    const good = rows.filter((row) => row.problems.length === 0).length;
    const killedMidDelivery = rows.filter((row) => phase(row) === 'delivering').length;
    const killedEnriching = rows.filter((row) => phase(row) === 'enriching').length;
    const twice = rows.filter((row) => row.posts > 1).length;
    const interrupted = rows.filter((row) => row.killedRunStatus === 'interrupted').length;
    const maxCalls = Math.max(...rows.map((row) => row.llmCalls));
    console.log(
      `\n${good}/${rows.length} kills kept every promise; ${killedEnriching} killed while enriching, ${killedMidDelivery} mid-delivery, ${twice} delivered twice (all with one key: ${rows.filter((row) => row.posts > 1).every((row) => row.sameKey)}); ` +
        `${interrupted} killed runs shown as interrupted; at most ${maxCalls} LLM calls for ${papers} papers (bound ${papers + 2})`,
    );
  } finally {
    await world.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
