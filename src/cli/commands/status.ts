/** `xivdigest status`: what an operator checks first: the store, each subscription's last run, runs in progress, texts, failures. */
import type { Command } from 'commander';
import { redact } from '../../core/redact.js';
import type { RunCommand } from '../context.js';
import { CommandFailed, EXIT } from '../exit.js';

export function registerStatus(program: Command, run: RunCommand): void {
  program
    .command('status')
    .description("show the store, each subscription's last run and next slot, runs in progress, texts and recent failures")
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Shows where the data lives (passwords masked); each subscription with its last run (status, when, papers, failures)
and its next scheduled slot; runs in progress with the host and pid holding the claim, the age of its last
heartbeat, what it has done so far and an ETA from the subscription's earlier runs; stored texts per language (ok,
failed, pending); and the recent failed, partial or interrupted runs with their reason. It only reads.

Exit codes: 0 all well; 1 something needs attention (a subscription's last run failed, was partial or was
interrupted; the database's migrations do not match this version), listed under "needs attention"; 3 config;
6 database unreachable. Meant for a monitoring check: \`xivdigest status --quiet >/dev/null || alert\`.

Examples:
  xivdigest status
  xivdigest status --json | jq '.running'`,
    )
    .action((options: { json?: boolean }) =>
      run(async (context) => {
        const loaded = context.config();
        const store = await context.app().store();
        const { collectStatus, formatStatus } = await import('../status.js');
        const queueConfig = loaded.config.queue;
        const countsReader = queueConfig.url ? (await import('../../app-llm.js')).queueCountsReader(queueConfig) : undefined;
        const queues = countsReader?.read;
        const status = await collectStatus({ store, subscriptions: loaded.config.subscriptions, ...(queues ? { queues } : {}) }).finally(() =>
          countsReader?.close(),
        );
        // Stored reports were redacted when saved; this masks anything learned since (decision 0025).
        context.print(redact(options.json ? JSON.stringify(status, null, 2) : formatStatus(status).join('\n')));
        if (status.attention.length > 0) throw new CommandFailed(EXIT.partial, `needs attention: ${status.attention.length} item(s)`);
      }),
    );
}
