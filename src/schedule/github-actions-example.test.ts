/** The GitHub Actions example, read line by line: its cron lines fit arXiv's feed times, and it passes the right secrets. */
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { easternDay, feedBuiltAt, isAnnouncementDay } from '../core/arxiv-calendar.js';
import { parseCron } from './cron.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const workflowPath = join(repoRoot, 'examples', 'github-actions', 'xivdigest.yml');
const workflow = readFileSync(workflowPath, 'utf8');
const lines = workflow.split('\n');
const readme = readFileSync(join(repoRoot, 'examples', 'README.md'), 'utf8');

/** `- cron: '…'` lines inside `on: schedule:`, with comments stripped. */
function cronLines(): string[] {
  const start = lines.findIndex((line) => /^\s{2}schedule:\s*$/.test(line));
  expect(start).toBeGreaterThan(-1);
  const crons: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^\s{0,2}\S/.test(line)) break; // the next key of `on:` or the top level
    const match = /^\s*-\s*cron:\s*(['"])(.+?)\1\s*(?:#.*)?$/.exec(line);
    if (match) crons.push(match[2]!);
  }
  return crons;
}

describe('examples/github-actions/xivdigest.yml', () => {
  it('has valid cron lines that fire after rss.arxiv.org built the day’s feed, in EST and in EDT, on weekdays only', () => {
    const crons = cronLines();
    expect(crons.length).toBeGreaterThanOrEqual(1);
    for (const cron of crons) {
      const parsed = parseCron(cron, 'UTC'); // GitHub reads cron in UTC
      // A whole year of runs, both sides of both DST switches.
      const runs = parsed.nextRuns(400, new Date('2026-01-01T00:00:00Z')).filter((run) => run < new Date('2027-01-01T00:00:00Z'));
      expect(runs.length).toBeGreaterThan(250);
      for (const run of runs) {
        const day = easternDay(run);
        const dow = new Date(`${day}T12:00:00Z`).getUTCDay();
        expect(dow >= 1 && dow <= 5, `${cron} at ${run.toISOString()} is on an Eastern weekend`).toBe(true);
        // Same Eastern day as the feed it reads, and after that feed was built.
        expect(run.getTime(), `${cron} at ${run.toISOString()}`).toBeGreaterThanOrEqual(feedBuiltAt(day).getTime());
        expect(run.toISOString().slice(0, 10)).toBe(day);
      }
      // Every announcement day of the year gets a run on its own day.
      const covered = new Set(runs.map((run) => easternDay(run)));
      for (let time = Date.UTC(2026, 0, 1); time < Date.UTC(2027, 0, 1); time += 86_400_000) {
        const day = new Date(time).toISOString().slice(0, 10);
        if (isAnnouncementDay(day)) expect(covered.has(day), `${cron} misses ${day}`).toBe(true);
      }
    }
  });

  it('passes every variable that src/llm/env.ts reads, each from the secret of the same name', () => {
    const envSource = readFileSync(join(repoRoot, 'src', 'llm', 'env.ts'), 'utf8');
    const read = new Set([...envSource.matchAll(/get\('([A-Z_]+)'\)/g)].map((match) => match[1]!));
    expect(read).toContain('OPENAI_API_KEY');
    expect(read).toContain('OPENAI_API_BASE');
    for (const name of read) {
      expect(workflow, name).toMatch(new RegExp(`^\\s+${name}: \\$\\{\\{ secrets\\.${name} \\}\\}\\s*$`, 'm'));
      expect(readme, `examples/README.md documents ${name}`).toContain(`\`${name}\``);
    }
    // The original workflow's push token (qhduan/cn-chat-arxiv .github/workflows/cn-chat-arxiv.yml).
    expect(workflow).toContain('secrets.DEPENDABOT_TOKEN');
    // Every secret the workflow reads is documented.
    for (const match of workflow.matchAll(/secrets\.([A-Z_]+)/g)) expect(readme, match[1]).toContain(`\`${match[1]}\``);
  });

  it('rolls the database cache forward and keeps the schedule alive under its own file name', () => {
    expect(workflow).toMatch(/key: xivdigest-db-\$\{\{ github\.run_id \}\}/);
    expect(workflow).toMatch(/restore-keys: \|\n\s+xivdigest-db-\n/);
    expect(workflow).toContain(`actions/workflows/${basename(workflowPath)}/enable`);
    expect(workflow).toMatch(/^\s+actions: write/m);
    expect(workflow).toMatch(/^\s+contents: write/m);
    expect(workflow).toMatch(/^\s+run: node "\$XIVDIGEST_SRC\/bin\/xivdigest\.js" run\s*$/m);
    // Built from a repository the user controls, never installed by name from the npm registry.
    expect(workflow).not.toMatch(/npm install (--global|-g)/);
    expect(workflow).toMatch(/repository: \$\{\{ vars\.XIVDIGEST_REPOSITORY \|\| github\.repository \}\}/);
    // No tabs: YAML forbids them for indentation.
    expect(workflow.includes('\t')).toBe(false);
  });
});
