/** The scheduler on a manual clock: restarts, catch-up, overlaps, DST, failures and graceful stop, with real state files. */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { XivdigestError } from '../core/errors.js';
import {
  DEFAULT_RETRY_SCHEDULE,
  DEFAULT_SCHEDULE,
  createManualClock,
  createScheduler,
  describeSchedule,
  stopOnSignals,
  type ManualClock,
  type SchedulerClock,
  type ScheduledJob,
  type SchedulerEvent,
  type ScheduleStateStore,
} from './index.js';
import { createJsonFileScheduleStateStore, createMemoryScheduleStateStore } from '../../test/helpers/schedule-state-store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xivdigest-schedule-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A job that records the slots it ran; `hold` makes each run wait until released. */
function recordingJob(name: string, cron: string, timezone: string, options: { hold?: boolean; fail?: boolean } = {}) {
  const runs: string[] = [];
  const releases: Array<() => void> = [];
  const signals: AbortSignal[] = [];
  const job: ScheduledJob = {
    name,
    cron,
    timezone,
    async run(at, context) {
      runs.push(at.toISOString());
      signals.push(context.signal);
      if (options.hold) await new Promise<void>((resolve) => releases.push(resolve));
      if (options.fail) throw new Error(`run ${at.toISOString()} failed`);
    },
  };
  return { job, runs, releases, signals };
}

async function startScheduler(
  jobs: ScheduledJob[],
  store: ScheduleStateStore,
  clock: ManualClock,
  extra: { catchUpOnFirstStart?: boolean; catchUp?: boolean } = {},
) {
  const events: SchedulerEvent[] = [];
  const scheduler = createScheduler({ jobs, store, clock, onEvent: (event) => events.push(event), ...extra });
  await scheduler.start();
  await scheduler.idle();
  return { scheduler, events };
}

/** Moves the clock and waits until the scheduler has nothing in flight. */
async function advance(clock: ManualClock, scheduler: { idle(): Promise<void> }, to: string) {
  await clock.advanceTo(to);
  await scheduler.idle();
}

describe('createScheduler', () => {
  it('runs the default schedule at 00:30 Eastern on weekdays, once per slot, and records it', async () => {
    const clock = createManualClock('2026-11-27T12:00:00Z'); // Friday
    const store = createMemoryScheduleStateStore({ now: () => clock.now() });
    const { job, runs } = recordingJob('cs.CL', DEFAULT_SCHEDULE.cron, DEFAULT_SCHEDULE.timezone);
    const { scheduler, events } = await startScheduler([job], store, clock);
    expect(scheduler.upcoming()).toEqual([{ job: 'cs.CL', next: new Date('2026-11-30T05:30:00Z') }]);

    await advance(clock, scheduler, '2026-11-30T05:29:59Z');
    expect(runs).toEqual([]);
    await advance(clock, scheduler, '2026-12-01T06:00:00Z');
    expect(runs).toEqual(['2026-11-30T05:30:00.000Z', '2026-12-01T05:30:00.000Z']);
    expect(await store.getLastRun('cs.CL')).toEqual({ slot: '2026-12-01T05:30:00.000Z', status: 'done', at: '2026-12-01T05:30:00.000Z' });
    expect(events.filter((event) => event.type === 'run-finished')).toHaveLength(2);
    await scheduler.stop();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('restart: stopped before a slot, restarted after it, runs the slot once; restarted again, still once', async () => {
    const path = join(dir, 'state', 'schedule.json');
    const clock = createManualClock('2026-11-30T12:00:00Z'); // Monday, after Monday's slot
    const store = createJsonFileScheduleStateStore(path, { now: () => clock.now() });
    const first = recordingJob('digest', DEFAULT_SCHEDULE.cron, DEFAULT_SCHEDULE.timezone);
    // The first start ever: nothing recorded, so nothing is caught up (the default).
    const one = await startScheduler([first.job], store, clock);
    expect(first.runs).toEqual([]);
    await advance(clock, one.scheduler, '2026-12-01T05:31:00Z');
    expect(first.runs).toEqual(['2026-12-01T05:30:00.000Z']);
    await one.scheduler.stop();

    // Down across Wednesday's slot; restarted Wednesday 09:00 UTC with a fresh process (new store object, same file).
    await clock.advanceTo('2026-12-02T09:00:00Z');
    const second = recordingJob('digest', DEFAULT_SCHEDULE.cron, DEFAULT_SCHEDULE.timezone);
    const two = await startScheduler([second.job], createJsonFileScheduleStateStore(path, { now: () => clock.now() }), clock);
    expect(second.runs).toEqual(['2026-12-02T05:30:00.000Z']);
    expect(two.events).toContainEqual({ type: 'run-started', job: 'digest', slot: '2026-12-02T05:30:00.000Z', catchUp: true });
    await two.scheduler.stop();

    // Restarted again the same morning: the slot is done, nothing runs.
    await clock.advanceTo('2026-12-02T09:30:00Z');
    const third = recordingJob('digest', DEFAULT_SCHEDULE.cron, DEFAULT_SCHEDULE.timezone);
    const three = await startScheduler([third.job], createJsonFileScheduleStateStore(path, { now: () => clock.now() }), clock);
    expect(third.runs).toEqual([]);
    // …and goes on with Thursday's slot.
    await advance(clock, three.scheduler, '2026-12-03T05:30:00Z');
    expect(third.runs).toEqual(['2026-12-03T05:30:00.000Z']);
    await three.scheduler.stop();

    const saved = JSON.parse(await readFile(path, 'utf8'));
    expect(saved).toEqual({ version: 1, jobs: { digest: { slot: '2026-12-03T05:30:00.000Z', status: 'done', at: '2026-12-03T05:30:00.000Z' } } });
    expect((await readdir(join(dir, 'state'))).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('catches up only the latest missed slot, once, after a long stop', async () => {
    const clock = createManualClock('2026-12-07T12:00:00Z');
    const store = createMemoryScheduleStateStore({ now: () => clock.now() });
    await store.recordRun('digest', '2026-12-01T05:30:00.000Z', 'done');
    const { job, runs } = recordingJob('digest', DEFAULT_SCHEDULE.cron, DEFAULT_SCHEDULE.timezone);
    const { scheduler } = await startScheduler([job], store, clock);
    expect(runs).toEqual(['2026-12-07T05:30:00.000Z']);
    await scheduler.stop();
  });

  it('catch-up can be turned off, and turned on for a first start', async () => {
    const clock = createManualClock('2026-12-07T12:00:00Z');
    const store = createMemoryScheduleStateStore();
    await store.recordRun('a', '2026-12-01T05:30:00.000Z', 'done');
    const a = recordingJob('a', DEFAULT_SCHEDULE.cron, DEFAULT_SCHEDULE.timezone);
    const off = await startScheduler([a.job], store, clock, { catchUp: false });
    expect(a.runs).toEqual([]);
    await off.scheduler.stop();

    const b = recordingJob('b', DEFAULT_SCHEDULE.cron, DEFAULT_SCHEDULE.timezone);
    const first = await startScheduler([b.job], store, clock, { catchUpOnFirstStart: true });
    expect(b.runs).toEqual(['2026-12-07T05:30:00.000Z']);
    await first.scheduler.stop();
  });

  it('does not repeat a slot whose run was cut off (status running), and runs the next one', async () => {
    const clock = createManualClock('2026-12-01T06:00:00Z');
    const store = createMemoryScheduleStateStore();
    await store.recordRun('digest', '2026-12-01T05:30:00.000Z', 'running');
    const { job, runs } = recordingJob('digest', DEFAULT_SCHEDULE.cron, DEFAULT_SCHEDULE.timezone);
    const { scheduler, events } = await startScheduler([job], store, clock);
    expect(runs).toEqual([]);
    expect(events).toContainEqual({ type: 'run-skipped', job: 'digest', slot: '2026-12-01T05:30:00.000Z', reason: 'interrupted' });
    await advance(clock, scheduler, '2026-12-02T05:30:00Z');
    expect(runs).toEqual(['2026-12-02T05:30:00.000Z']);
    await scheduler.stop();
  });

  it('never overlaps runs of one job: a slot that comes while the last run goes on is skipped', async () => {
    const clock = createManualClock('2026-12-01T00:00:00Z');
    const store = createMemoryScheduleStateStore();
    const slow = recordingJob('slow', '*/10 * * * *', 'UTC', { hold: true });
    const { scheduler, events } = await startScheduler([slow.job], store, clock);
    await clock.advanceTo('2026-12-01T00:10:00Z');
    expect(slow.runs).toEqual(['2026-12-01T00:10:00.000Z']);
    expect(scheduler.running()).toEqual(['slow']);
    await clock.advanceTo('2026-12-01T00:20:00Z');
    expect(slow.runs).toHaveLength(1);
    expect(events).toContainEqual({ type: 'run-skipped', job: 'slow', slot: '2026-12-01T00:20:00.000Z', reason: 'overlap' });
    slow.releases.shift()!();
    await scheduler.idle();
    expect(await store.getLastRun('slow')).toMatchObject({ slot: '2026-12-01T00:10:00.000Z', status: 'done' });
    await clock.advanceTo('2026-12-01T00:30:00Z');
    expect(slow.runs).toEqual(['2026-12-01T00:10:00.000Z', '2026-12-01T00:30:00.000Z']);
    slow.releases.shift()!();
    await scheduler.stop();
  });

  it('two jobs with the same slot run side by side, each once', async () => {
    const clock = createManualClock('2026-12-01T00:00:00Z');
    const store = createMemoryScheduleStateStore();
    const a = recordingJob('a', '0 1 * * *', 'UTC');
    const b = recordingJob('b', '0 20 * * *', 'America/New_York');
    const { scheduler } = await startScheduler([a.job, b.job], store, clock);
    await advance(clock, scheduler, '2026-12-01T01:00:00Z');
    expect([a.runs, b.runs]).toEqual([['2026-12-01T01:00:00.000Z'], ['2026-12-01T01:00:00.000Z']]);
    await scheduler.stop();
  });

  it('DST: a 02:30 slot in the spring gap runs once (at 03:00), a 01:30 slot in the autumn overlap runs once', async () => {
    const clock = createManualClock('2026-03-07T00:00:00Z');
    const store = createMemoryScheduleStateStore();
    const spring = recordingJob('spring', '30 2 * * *', 'America/New_York');
    const autumn = recordingJob('autumn', '30 1 * * *', 'America/New_York');
    const { scheduler } = await startScheduler([spring.job, autumn.job], store, clock);
    for (const day of ['2026-03-07', '2026-03-08', '2026-03-09', '2026-03-10']) await advance(clock, scheduler, `${day}T12:00:00Z`);
    expect(spring.runs).toEqual(['2026-03-07T07:30:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z', '2026-03-10T06:30:00.000Z']);
    await clock.advanceTo('2026-10-31T00:00:00Z');
    autumn.runs.length = 0;
    for (const time of ['2026-10-31T12:00:00Z', '2026-11-01T05:45:00Z', '2026-11-01T06:45:00Z', '2026-11-01T12:00:00Z', '2026-11-02T12:00:00Z']) {
      await advance(clock, scheduler, time);
    }
    expect(autumn.runs).toEqual(['2026-10-31T05:30:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
    await scheduler.stop();
  });

  it('runs the latest passed slot when its timer fires late (the machine slept through slots)', async () => {
    let now = new Date('2026-12-01T00:30:00Z');
    const timers: Array<() => void> = [];
    const sleepy: SchedulerClock = { now: () => now, setTimer: (callback) => timers.push(callback), clearTimer: () => undefined };
    const store = createMemoryScheduleStateStore();
    const { job, runs } = recordingJob('hourly', '0 * * * *', 'UTC');
    const events: SchedulerEvent[] = [];
    const scheduler = createScheduler({ jobs: [job], store, clock: sleepy, onEvent: (event) => events.push(event) });
    await scheduler.start();
    expect(timers).toHaveLength(1);
    now = new Date('2026-12-01T03:10:00Z');
    timers.shift()!();
    await scheduler.idle();
    expect(runs).toEqual(['2026-12-01T03:00:00.000Z']);
    expect(events).toContainEqual({ type: 'run-started', job: 'hourly', slot: '2026-12-01T03:00:00.000Z', catchUp: true });
    expect(scheduler.upcoming()).toEqual([{ job: 'hourly', next: new Date('2026-12-01T04:00:00Z') }]);
    await scheduler.stop();
  });

  it('records a failed run, reports it, and goes on to the next slot', async () => {
    const clock = createManualClock('2026-12-01T00:00:00Z');
    const store = createMemoryScheduleStateStore();
    const failing = recordingJob('broken', '0 * * * *', 'UTC', { fail: true });
    const { scheduler, events } = await startScheduler([failing.job], store, clock);
    await advance(clock, scheduler, '2026-12-01T01:00:00Z');
    expect(await store.getLastRun('broken')).toMatchObject({ slot: '2026-12-01T01:00:00.000Z', status: 'failed' });
    const failed = events.find((event) => event.type === 'run-failed');
    expect(failed && failed.type === 'run-failed' && (failed.error as Error).message).toBe('run 2026-12-01T01:00:00.000Z failed');
    await advance(clock, scheduler, '2026-12-01T02:00:00Z');
    expect(failing.runs).toEqual(['2026-12-01T01:00:00.000Z', '2026-12-01T02:00:00.000Z']);
    await scheduler.stop();
  });

  it('stop() waits for the running job, fires nothing more, and with abort aborts its signal', async () => {
    const clock = createManualClock('2026-12-01T00:00:00Z');
    const store = createMemoryScheduleStateStore();
    const slow = recordingJob('slow', '0 * * * *', 'UTC', { hold: true });
    const { scheduler, events } = await startScheduler([slow.job], store, clock);
    await clock.advanceTo('2026-12-01T01:00:00Z');
    let stopped = false;
    const stopping = scheduler.stop({ abort: true }).then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    expect(slow.signals[0]!.aborted).toBe(true);
    expect(clock.pendingTimers()).toBe(0);
    slow.releases.shift()!();
    await stopping;
    expect(stopped).toBe(true);
    expect(await store.getLastRun('slow')).toMatchObject({ status: 'done' });
    expect(events.at(-1)).toEqual({ type: 'scheduler-stopped' });
    await clock.advanceTo('2026-12-01T05:00:00Z');
    expect(slow.runs).toHaveLength(1);
    await scheduler.stop(); // twice is fine
  });

  it('stops on a real signal through stopOnSignals, and the handler can be removed', async () => {
    const clock = createManualClock('2026-12-01T00:00:00Z');
    const store = createMemoryScheduleStateStore();
    const slow = recordingJob('slow', '0 * * * *', 'UTC', { hold: true });
    const { scheduler } = await startScheduler([slow.job], store, clock);
    await clock.advanceTo('2026-12-01T01:00:00Z');
    const received: string[] = [];
    const stoppedAll = new Promise<void>((resolve) => {
      const dispose = stopOnSignals(scheduler, {
        signals: ['SIGUSR2'],
        onStopped: (signal) => {
          received.push(signal);
          dispose();
          resolve();
        },
      });
    });
    process.kill(process.pid, 'SIGUSR2');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received).toEqual([]); // still waiting for the running job
    slow.releases.shift()!();
    await stoppedAll;
    expect(received).toEqual(['SIGUSR2']);
    expect(process.listenerCount('SIGUSR2')).toBe(0);
  });

  it('rejects bad cron expressions, time zones and names with CONFIG_INVALID and the field path', () => {
    const store = createMemoryScheduleStateStore();
    const run = async () => undefined;
    const cases: Array<[ScheduledJob[], string, RegExp]> = [
      [[{ name: 'a', cron: '61 * * * *', timezone: 'UTC', run }], 'jobs.0.cron', /not a cron expression/],
      [[{ name: 'a', cron: '* * * *', timezone: 'UTC', run }], 'jobs.0.cron', /not a cron expression/],
      [[{ name: 'a', cron: '0 0 31 2 *', timezone: 'UTC', run }], 'jobs.0.cron', /never runs/],
      [[{ name: 'a', cron: '0 0 * * *', timezone: 'Eastern', run }], 'jobs.0.timezone', /not a time zone/],
      [
        [
          { name: 'a', cron: '0 0 * * *', timezone: 'UTC', run, paths: { cron: 'subscriptions.2.schedule.cron' } },
          { name: 'b', cron: 'x', timezone: 'UTC', run },
        ],
        'jobs.1.cron',
        /"x"/,
      ],
      [
        [{ name: 'a', cron: '0 0 * * *', timezone: 'Mars/Base', run, paths: { timezone: 'subscriptions.0.schedule.timezone' } }],
        'subscriptions.0.schedule.timezone',
        /Mars\/Base/,
      ],
      [
        [
          { name: 'a', cron: '0 0 * * *', timezone: 'UTC', run },
          { name: 'a', cron: '0 1 * * *', timezone: 'UTC', run },
        ],
        'jobs.1.name',
        /used twice/,
      ],
    ];
    for (const [jobs, path, message] of cases) {
      let caught: unknown;
      try {
        createScheduler({ jobs, store });
      } catch (error) {
        caught = error;
      }
      expect(XivdigestError.isInstance(caught), path).toBe(true);
      const error = caught as XivdigestError;
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.details.path).toBe(path);
      expect(error.message).toMatch(message);
      expect(error.message.startsWith(`${path}:`)).toBe(true);
      expect(error.hint).toBeTruthy();
    }
  });
});

describe('describeSchedule', () => {
  it('lists the next runs in the zone and in UTC, across a weekend and in summer time', () => {
    const winter = describeSchedule(DEFAULT_SCHEDULE.cron, DEFAULT_SCHEDULE.timezone, { count: 3, from: new Date('2026-11-27T12:00:00Z') });
    expect(winter.lines).toEqual([
      'Mon 2026-11-30 00:30 EST  (Mon 2026-11-30 05:30 UTC)',
      'Tue 2026-12-01 00:30 EST  (Tue 2026-12-01 05:30 UTC)',
      'Wed 2026-12-02 00:30 EST  (Wed 2026-12-02 05:30 UTC)',
    ]);
    const summer = describeSchedule(DEFAULT_RETRY_SCHEDULE.cron, DEFAULT_RETRY_SCHEDULE.timezone, { count: 1, from: new Date('2026-06-05T12:00:00Z') });
    expect(summer.runs[0]!.at.toISOString()).toBe('2026-06-08T07:30:00.000Z');
    expect(summer.lines[0]).toBe('Mon 2026-06-08 03:30 EDT  (Mon 2026-06-08 07:30 UTC)');
    expect(describeSchedule('0 9 * * *', 'Asia/Shanghai', { count: 1, from: new Date('2026-12-01T00:00:00Z') }).lines[0]).toBe(
      'Tue 2026-12-01 09:00 GMT+8  (Tue 2026-12-01 01:00 UTC)',
    );
  });
});

describe('createJsonFileScheduleStateStore', () => {
  it('reads what an earlier instance wrote, and says STORE_ERROR for a damaged file', async () => {
    const path = join(dir, 'schedule.json');
    const store = createJsonFileScheduleStateStore(path, { now: () => new Date('2026-12-01T05:30:01Z') });
    expect(await store.getLastRun('x')).toBeUndefined();
    await Promise.all([store.recordRun('x', '2026-12-01T05:30:00.000Z', 'running'), store.recordRun('y', '2026-12-01T05:30:00.000Z', 'done')]);
    const again = createJsonFileScheduleStateStore(path);
    expect(await again.getLastRun('x')).toEqual({ slot: '2026-12-01T05:30:00.000Z', status: 'running', at: '2026-12-01T05:30:01.000Z' });
    expect(await again.getLastRun('y')).toMatchObject({ status: 'done' });

    await writeFile(path, '{"version":1,"jobs":{"x":{"slot":1}}}');
    await expect(again.getLastRun('x')).rejects.toMatchObject({ code: 'STORE_ERROR' });
    await writeFile(path, '{not json');
    await expect(again.recordRun('x', 's', 'done')).rejects.toMatchObject({ code: 'STORE_ERROR', message: expect.stringContaining('not valid JSON') });
  });
});

describe('jobs replaced while running (web subscriptions created, edited, deleted)', () => {
  it('arms an added job for its next slot, re-arms a changed cron, disarms a removed job, and refuses a bad list whole', async () => {
    const clock = createManualClock('2026-11-23T10:00:00Z');
    const store = createMemoryScheduleStateStore();
    const daily = recordingJob('daily', '0 12 * * *', 'UTC');
    const { scheduler, events } = await startScheduler([daily.job], store, clock);

    const added = recordingJob('bob-nlp', '30 10 * * *', 'UTC');
    expect(scheduler.replaceJobs([daily.job, added.job])).toEqual({ added: ['bob-nlp'], removed: [], rescheduled: [] });
    expect(events).toContainEqual({ type: 'job-scheduled', job: 'bob-nlp', next: new Date('2026-11-23T10:30:00Z') });
    await clock.advanceTo('2026-11-23T10:31:00Z');
    await scheduler.idle();
    expect(added.runs).toEqual(['2026-11-23T10:30:00.000Z']);

    // Edited: a new cron is re-armed; the new `run` is what fires.
    const edited = recordingJob('bob-nlp', '45 10 * * *', 'UTC');
    expect(scheduler.replaceJobs([daily.job, edited.job])).toEqual({ added: [], removed: [], rescheduled: ['bob-nlp'] });
    await clock.advanceTo('2026-11-23T10:46:00Z');
    await scheduler.idle();
    expect(edited.runs).toEqual(['2026-11-23T10:45:00.000Z']);
    expect(added.runs).toHaveLength(1);

    // A list with a bad cron changes nothing.
    expect(() => scheduler.replaceJobs([daily.job, recordingJob('bad', 'not a cron', 'UTC').job])).toThrow(/jobs\.1\.cron/);
    expect(scheduler.upcoming().map((item) => item.job)).toEqual(['daily', 'bob-nlp']);

    // Deleted: its slots no longer fire; the others go on.
    expect(scheduler.replaceJobs([daily.job])).toEqual({ added: [], removed: ['bob-nlp'], rescheduled: [] });
    await clock.advanceTo('2026-11-24T12:01:00Z');
    await scheduler.idle();
    expect(edited.runs).toHaveLength(1);
    expect(daily.runs).toEqual(['2026-11-23T12:00:00.000Z', '2026-11-24T12:00:00.000Z']);
    await scheduler.stop();
  });
});
