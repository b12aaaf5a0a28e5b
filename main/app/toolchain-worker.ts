// The worker thread the lab checks and builds in (see isolated-toolchain.ts):
// it answers one request at a time with the same replies the lab shows. A
// program that makes the checker slow or hungry costs this thread, which the
// main process stops at its time limit; V8's resourceLimits end it at its
// memory limit.

import { parentPort } from 'node:worker_threads';
import type { BuildReply, CheckReply } from '../../preload/contract.js';
import { buildListing, checkReply } from './toolchain.js';
import type { ToolchainJob, ToolchainAnswer } from './isolated-toolchain.js';

const port = parentPort;
if (port === null) throw new Error('toolchain-worker.js runs only as a worker thread');

port.postMessage('ready'); // the toolchain's modules are loaded: the main thread starts its clocks now
port.on('message', (job: ToolchainJob) => {
  let answer: ToolchainAnswer;
  try {
    const value: CheckReply | BuildReply = job.op === 'check' ? checkReply(job.req) : buildListing(job.req);
    answer = { id: job.id, value };
  } catch (error) {
    // A checker exception (e.g. a RangeError from a deep type) is an answer too, never a dead worker.
    answer = { id: job.id, thrown: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
  port.postMessage(answer);
});
