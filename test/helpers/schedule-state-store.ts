/** ScheduleStateStore in memory and in a JSON file, for the scheduler's tests; production uses the store's (cli/commands/serve.ts). */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { XivdigestError } from '../../src/core/errors.js';
import type { ScheduledRunRecord, ScheduledRunStatus, ScheduleStateStore } from '../../src/core/schedule-state.js';

export interface StateStoreOptions {
  /** The time written as `at`; defaults to the system clock. */
  now?: () => Date;
}

export function createMemoryScheduleStateStore(options: StateStoreOptions = {}): ScheduleStateStore {
  const now = options.now ?? (() => new Date());
  const records = new Map<string, ScheduledRunRecord>();
  return {
    async getLastRun(job) {
      const record = records.get(job);
      return record ? { ...record } : undefined;
    },
    async recordRun(job, slot, status) {
      records.set(job, { slot, status, at: now().toISOString() });
    },
  };
}

interface StateFile {
  version: 1;
  jobs: Record<string, ScheduledRunRecord>;
}

const STATUSES: readonly ScheduledRunStatus[] = ['running', 'done', 'failed'];

/**
 * Keeps the records in one JSON file. Each write goes to a temporary file that is then renamed over the old one, so a
 * crash leaves the old or the new file, never half of one. Writes from this process are serialized; two processes
 * sharing one file are not supported (use the database store).
 */
export function createJsonFileScheduleStateStore(path: string, options: StateStoreOptions = {}): ScheduleStateStore {
  const now = options.now ?? (() => new Date());
  let queue: Promise<unknown> = Promise.resolve();

  const load = async (): Promise<StateFile> => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, jobs: {} };
      throw storeError(`could not read the schedule state file ${path}`, error);
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw storeError(`the schedule state file ${path} is not valid JSON`, error, 'Delete it to start afresh; the scheduler then waits for the next slot.');
    }
    if (!isStateFile(data)) {
      throw storeError(
        `the schedule state file ${path} does not hold { version: 1, jobs: { name: { slot, status, at } } }`,
        undefined,
        'Delete it to start afresh.',
      );
    }
    return data;
  };

  const serialized = <T>(work: () => Promise<T>): Promise<T> => {
    const result = queue.then(work, work);
    queue = result.catch(() => undefined);
    return result;
  };

  return {
    getLastRun(job) {
      return serialized(async () => {
        const record = (await load()).jobs[job];
        return record ? { ...record } : undefined;
      });
    },
    recordRun(job, slot, status) {
      return serialized(async () => {
        const data = await load();
        data.jobs[job] = { slot, status, at: now().toISOString() };
        const temporary = `${path}.${process.pid}.tmp`;
        try {
          await mkdir(dirname(path), { recursive: true });
          await writeFile(temporary, `${JSON.stringify(data, null, 2)}\n`, 'utf8');
          await rename(temporary, path);
        } catch (error) {
          throw storeError(`could not write the schedule state file ${path}`, error, 'Check that its folder exists and is writable.');
        }
      });
    },
  };
}

function isStateFile(data: unknown): data is StateFile {
  if (typeof data !== 'object' || data === null) return false;
  const file = data as Partial<StateFile>;
  if (file.version !== 1 || typeof file.jobs !== 'object' || file.jobs === null) return false;
  return Object.values(file.jobs).every(
    (record) =>
      typeof record === 'object' && record !== null && typeof record.slot === 'string' && typeof record.at === 'string' && STATUSES.includes(record.status),
  );
}

function storeError(message: string, cause: unknown, hint = 'Check the file and its permissions.'): XivdigestError {
  return new XivdigestError({ code: 'STORE_ERROR', message, hint, cause, details: {} });
}
