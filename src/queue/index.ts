/** The job queue adapters: in this process (the default) or BullMQ on Redis (`queue.url`), and the names of the queues. */
export { createInProcessQueue } from './in-process.js';
export { createBullmqQueue, type BullmqQueueOptions } from './bullmq.js';
export { providerQueueName } from './names.js';
