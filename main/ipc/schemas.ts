// The runtime validator of every request the renderer can send. Main treats
// the renderer as untrusted: a payload reaches a handler only after its
// channel's schema accepted it. Objects are strict (unknown keys rejected) and
// every string and array is bounded, so a hostile page cannot make main
// allocate without limit or smuggle extra fields past a handler.

import { z } from 'zod';
import { MAX_SOURCE_CHARS, RUN_LIMITS, SERIAL_PORT_COUNT, type LabMethod, type LabMethods } from '../../preload/contract.js';

export { MAX_SOURCE_CHARS };
export const MAX_SERIAL_INPUT_CHARS = 64 * 1024;
export const MAX_ARGS = RUN_LIMITS.args;
export const MAX_ARG_CHARS = RUN_LIMITS.argChars;

const noPayload = z.strictObject({});

// A bare name: no directory separators, no leading dot, so it can never name a host path.
const fileName = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/, 'a bare file name of letters, digits, "_", "-" and "." (no directories)');

// Every limit says itself in words: these messages reach the person as they are.
const sourceRequest = z.strictObject({
  source: z.string().max(MAX_SOURCE_CHARS, `the program is longer than ${MAX_SOURCE_CHARS / 1024} KiB`),
  file: fileName,
});

const argument = z
  .string()
  .max(MAX_ARG_CHARS, `an argument is longer than ${MAX_ARG_CHARS} characters`)
  .refine((s) => !s.includes('\0'), 'arguments cannot contain the NUL character');

const workspaceName = z.string().max(200, 'a file name is longer than 200 characters');

type Schemas = { readonly [M in LabMethod]: z.ZodType<LabMethods[M]['req']> };

export const REQUEST_SCHEMAS: Schemas = {
  listExamples: noPayload,
  checkSource: sourceRequest,
  buildSource: sourceRequest,
  runProgram: z.strictObject({
    source: sourceRequest.shape.source,
    file: fileName,
    mode: z.enum(['kernel', 'user'], 'the mode is "kernel" or "user"'),
    args: z.array(argument).max(MAX_ARGS, `at most ${MAX_ARGS} arguments`),
    stdin: z
      .string()
      .max(RUN_LIMITS.stdinChars, `standard input is longer than ${RUN_LIMITS.stdinChars / 1024} KiB`)
      .optional(),
    stdinFrom: z.enum(['text', 'terminal']).optional(),
  }),
  stopRun: noPayload,
  getVmStatus: noPayload,
  restartVm: noPayload,
  snapshotVm: z.strictObject({ action: z.enum(['save', 'restore']) }),
  sendSerial: z.strictObject({
    port: z
      .number()
      .int()
      .min(0)
      .max(SERIAL_PORT_COUNT - 1),
    data: z.string().min(1).max(MAX_SERIAL_INPUT_CHARS),
  }),
  getTelemetry: noPayload,
  resetTelemetry: noPayload,
  listBenchResults: noPayload,
  // Workspace names are checked in words by main/app/workspace.ts; here they are only bounded.
  listFiles: noPayload,
  openFile: z.strictObject({ name: workspaceName }),
  saveFile: z.strictObject({
    name: workspaceName,
    source: sourceRequest.shape.source,
    overwrite: z.boolean(),
    ifVersion: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'a file version is 64 hex digits')
      .optional(),
  }),
  renameFile: z.strictObject({ from: workspaceName, to: workspaceName }),
};
