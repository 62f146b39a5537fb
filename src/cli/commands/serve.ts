/** `xivdigest serve --schedule`: the built-in scheduler, running each subscription on its cron in its time zone. */
import type { Command } from 'commander';
import { runSubscription } from '../../app-daily.js';
import { XivdigestError } from '../../core/errors.js';
import type { ScheduleStateStore, ScheduledRunRecord } from '../../core/schedule-state.js';
import { createScheduler, describeSchedule, stopOnSignals } from '../../schedule/index.js';
import type { Store } from '../../store/store.js';
import type { RunCommand } from '../context.js';
import { formatReport } from '../report.js';

/** The scheduler's memory in the database (state keys `schedule:<job>`), so that a restart never runs a slot twice. */
export function storeScheduleState(store: Store): ScheduleStateStore {
  return {
    getLastRun: (job) => store.getState<ScheduledRunRecord>(`schedule:${job}`),
    recordRun: (job, slot, status) => store.setState(`schedule:${job}`, { slot, status, at: new Date().toISOString() } satisfies ScheduledRunRecord),
  };
}

export function registerServe(program: Command, run: RunCommand): void {
  program
    .command('serve')
    .description('keep running and run every subscription on its schedule')
    .option('--schedule', 'run subscriptions on their cron schedules (required: the only thing serve does so far)')
    .option('--catch-up-first-start', 'on the very first start, also run the latest slot already past')
    .addHelpText('after', `
Each subscription runs on schedule.cron in schedule.timezone (default "30 0 * * 1-5" in America/New_York: 00:30
Eastern, Monday to Friday, half an hour after rss.arxiv.org builds the day's feed). The last slot of each
subscription is kept in the database: after a restart a missed slot runs once, a finished one never again. Stop
with Ctrl-C or SIGTERM; a running job finishes first.

Examples:
  xivdigest serve --schedule
  XIVDIGEST_CONFIG=/etc/xivdigest.json xivdigest serve --schedule --quiet`)
    .action((options: { schedule?: boolean; catchUpFirstStart?: boolean }) =>
      run(async (context) => {
        if (!options.schedule) throw new XivdigestError({ code: 'USAGE', message: 'serve needs --schedule', hint: 'Run `xivdigest serve --schedule`' });
        const loaded = await context.configForRun();
        const subscriptions = loaded.config.subscriptions;
        if (subscriptions.length === 0) {
          throw new XivdigestError({ code: 'CONFIG_INVALID', message: 'No subscriptions to schedule', hint: 'Add one under "subscriptions" in the config file' });
        }
        const app = context.app();
        const store = await app.store();
        const scheduler = createScheduler({
          store: storeScheduleState(store),
          catchUpOnFirstStart: options.catchUpFirstStart ?? false,
          jobs: subscriptions.map((subscription, index) => ({
            name: subscription.name,
            cron: subscription.schedule.cron,
            timezone: subscription.schedule.timezone,
            paths: { cron: `subscriptions.${index}.schedule.cron`, timezone: `subscriptions.${index}.schedule.timezone` },
            run: async () => {
              const result = await runSubscription({
                app,
                subscription,
                index,
                now: new Date(),
                env: loaded.env,
                onProgress: (message) => context.reporter.verbose(`${subscription.name}: ${message}`),
                onWarning: (message) => context.reporter.warn(message),
              });
              for (const line of formatReport(result.report)) context.reporter.info(line);
            },
          })),
          onEvent: (event) => {
            if (event.type === 'job-scheduled') context.reporter.info(`${event.job}: next run ${event.next.toISOString()}`);
            else if (event.type === 'run-started') context.reporter.info(`${event.job}: running the ${event.slot} slot${event.catchUp ? ' (missed while stopped)' : ''}`);
            else if (event.type === 'run-failed') context.reporter.warn(`${event.job}: the ${event.slot} run failed: ${(event.error as Error).message}`);
            else if (event.type === 'run-skipped') context.reporter.verbose(`${event.job}: ${event.slot} skipped (${event.reason})`);
          },
        });
        for (const subscription of subscriptions) {
          const description = describeSchedule(subscription.schedule.cron, subscription.schedule.timezone, { count: 3 });
          context.reporter.info(`${subscription.name}: ${subscription.schedule.cron} (${subscription.schedule.timezone}); next:`);
          for (const line of description.lines) context.reporter.info(`  ${line}`);
        }
        await new Promise<void>((resolve, reject) => {
          stopOnSignals(scheduler, { onStopped: () => resolve() });
          scheduler.start().catch(reject);
        });
      }),
    );
}
