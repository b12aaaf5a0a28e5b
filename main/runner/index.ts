// Public API of the program runner.

export { ProgramRunner, EXEC_MODES } from './run-program.js';
export { admit, type ExecMode, type RunImage } from './admission.js';
export type { AttachOptions, RunRequest, RunResult, SyscallSummary } from './run-program.js';
export { launchRunner } from './launch-runner.js';
export type { RunnerGuest } from './launch-runner.js';
