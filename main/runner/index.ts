// Public API of the program runner.

export { ProgramRunner, RUN_MODES } from './run-program.js';
export type { AttachOptions, RunMode, RunRequest, RunResult, SyscallSummary } from './run-program.js';
export { launchRunner } from './launch-runner.js';
export type { RunnerGuest } from './launch-runner.js';
