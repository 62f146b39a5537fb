/**
 * What every start of the built CLI shows: `--version`, a `--help` that lists every command and every exit code,
 * and each command's own `--help` (which loads none of the command's heavy modules). Speed is measured by
 * `npm run bench:startup`, never asserted here.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT, EXIT_MEANINGS } from '../src/cli/exit.js';
import { createCliSandbox } from './helpers/cli.js';

const commandsDir = join(__dirname, '..', 'src', 'cli', 'commands');
const bin = join(__dirname, '..', 'bin', 'xivdigest.js');
const trace = join(__dirname, 'helpers', 'module-trace.mjs');

/** Top-level commands as their files register them: `program.command('name')` (subcommands hang off other names). */
function registeredCommands(): string[] {
  const names: string[] = [];
  for (const file of readdirSync(commandsDir).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))) {
    const source = readFileSync(join(commandsDir, file), 'utf8');
    for (const match of source.matchAll(/\bprogram\s*\.command\(\s*'([\w-]+)'/g)) names.push(match[1]!);
  }
  return names;
}

describe('xivdigest --version and --help', () => {
  const sandbox = createCliSandbox();
  afterAll(() => sandbox.cleanup());

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const result = await sandbox.run([flag]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout.trim()).toBe(version);
      expect(result.stderr).toBe('');
    }
  });

  it('--help lists every command its files register, and every exit code with its meaning', async () => {
    const result = await sandbox.run(['--help']);
    expect(result.code, result.stderr).toBe(0);
    const commands = registeredCommands();
    expect(commands.length).toBeGreaterThanOrEqual(13);
    const listed = [...result.stdout.matchAll(/^ {2}([\w-]+)(?: \[options\]| \[|\s)/gm)].map((match) => match[1]);
    for (const name of commands) expect(listed, `command ${name}`).toContain(name);
    const exitCodes = result.stdout.slice(result.stdout.indexOf('Exit codes:')).replace(/\s+/g, ' ');
    for (const key of Object.keys(EXIT) as Array<keyof typeof EXIT>) {
      expect(exitCodes, `exit code ${key}`).toContain(`${EXIT[key]} ${EXIT_MEANINGS[key]}`);
    }
    expect(exitCodes).toMatch(/8 delivery failed/);
    expect(exitCodes).toMatch(/75 not yet: arXiv has not published, or no worker took the jobs \(retry later\)/);
  });

  it('every command answers --help with exit 0 and its options', async () => {
    for (const name of [...registeredCommands(), 'config check', 'config schema', 'runs show']) {
      const result = await sandbox.run([...name.split(' '), '--help']);
      expect(result.code, `${name}: ${result.stderr}`).toBe(0);
      expect(result.stdout, name).toMatch(new RegExp(`^Usage: xivdigest ${name}\\b`));
      expect(result.stderr, name).toBe('');
    }
  }, 120_000);

  it('--version and --help load commander and the command files, no app, store, LLM, renderer or zod', () => {
    for (const args of [['--version'], ['--help'], ['fetch', '--help'], ['serve', '--help']]) {
      const result = spawnSync(process.execPath, ['--import', trace, bin, ...args], { cwd: sandbox.dir, encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
      const loaded = [...result.stderr.matchAll(/^module-loaded (\S+)$/gm)].map((match) => match[1]!);
      expect(
        loaded.some((url) => url.endsWith('/dist/cli/index.js')),
        'the trace works',
      ).toBe(true);
      // A command file that imports its heavy modules at the top (instead of in its action) shows up here.
      const packages = new Set(loaded.filter((url) => url.includes('/node_modules/')).map((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)![1]));
      expect([...packages], args.join(' ')).toEqual(['commander']);
      const heavy = loaded.filter((url) => /\/dist\/(app[^/]*\.js|store\/|llm\/|render\/|jobs\/|sources\/|channels\/|rank\/|core\/config\/)/.test(url));
      expect(heavy, args.join(' ')).toEqual([]);
    }
  });
});
