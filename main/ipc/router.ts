// Turns an untrusted (method, payload) pair into a validated handler call.
// Both transports (Electron IPC and the web shell's WebSocket) go through
// dispatch(), so validation and error reporting are identical in both shells.

import { LAB_METHODS, type IpcError, type IpcReply, type LabMethod, type LabMethods } from '../../preload/contract.js';
import { REQUEST_SCHEMAS } from './schemas.js';

export type LabHandlers = {
  [M in LabMethod]: (req: LabMethods[M]['req']) => Promise<LabMethods[M]['res']>;
};

const KNOWN_METHODS: ReadonlySet<string> = new Set(LAB_METHODS);

/** How a refused request is named to the person ("cannot run: at most 64 arguments"). */
const METHOD_TITLES: { readonly [M in LabMethod]: string } = {
  listExamples: 'cannot list the examples',
  checkSource: 'cannot check',
  buildSource: 'cannot build',
  runProgram: 'cannot run',
  stopRun: 'cannot stop',
  getVmStatus: 'cannot read the guest status',
  restartVm: 'cannot restart',
  snapshotVm: 'cannot snapshot',
  sendSerial: 'cannot send to the terminal',
  getTelemetry: 'cannot read telemetry',
  resetTelemetry: 'cannot reset the counters',
  listBenchResults: 'cannot list benchmark results',
  listFiles: 'cannot list the workspace',
  openFile: 'cannot open',
  saveFile: 'cannot save',
  renameFile: 'cannot rename',
};

export function isLabMethod(value: unknown): value is LabMethod {
  return typeof value === 'string' && KNOWN_METHODS.has(value);
}

export interface LabRouter {
  dispatch(method: unknown, payload: unknown): Promise<IpcReply<unknown>>;
}

export function createRouter(handlers: LabHandlers): LabRouter {
  return {
    async dispatch(method, payload) {
      // A Set lookup, not handlers[method]: "constructor" or "__proto__" must not resolve to anything.
      if (!isLabMethod(method)) {
        return fail({ code: 'E_UNKNOWN_METHOD', message: `unknown method ${describe(method)}` });
      }
      const parsed = REQUEST_SCHEMAS[method].safeParse(payload);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const error: IpcError = { code: 'E_BAD_PAYLOAD', message: `${METHOD_TITLES[method]}: ${issue.message}` };
        if (issue.path.length > 0) error.path = issue.path.map(String).join('.');
        return fail(error);
      }
      try {
        const handler = handlers[method] as (req: unknown) => Promise<unknown>;
        return { ok: true, value: await handler(parsed.data) };
      } catch (err) {
        // Handlers report expected failures inside their reply; reaching here is a bug, but the
        // renderer still gets a clear answer instead of a hung promise.
        return fail({ code: 'E_HANDLER', message: `${method} failed: ${err instanceof Error ? err.message : String(err)}` });
      }
    },
  };
}

function fail(error: IpcError): IpcReply<never> {
  return { ok: false, error };
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
  return `of type ${value === null ? 'null' : typeof value}`;
}
