// Handlers for transport tests: each records the payload it received and
// answers with a fixed value, so a test can tell whether a message reached
// the handler and exactly what it carried.

import type { LabMethod } from '../../preload/contract.js';
import type { LabHandlers } from '../../main/ipc/router.js';

export interface RecordingHandlers {
  handlers: LabHandlers;
  calls: Array<{ method: LabMethod; req: unknown }>;
}

export function recordingHandlers(overrides: Partial<LabHandlers> = {}): RecordingHandlers {
  const calls: RecordingHandlers['calls'] = [];
  const rec =
    <T>(method: LabMethod, value: T) =>
    async (req: unknown): Promise<T> => {
      calls.push({ method, req });
      return value;
    };
  const vm = { state: 'stopped' as const, message: 'test' };
  const handlers: LabHandlers = {
    listExamples: rec('listExamples', []),
    checkSource: rec('checkSource', { ok: true, diagnostics: [], trace: [] }),
    buildSource: rec('buildSource', { ok: false, diagnostics: [], listing: [] }),
    runProgram: rec('runProgram', { status: 'unavailable' as const, mode: 'user' as const, message: 'test', diagnostics: [] }),
    stopRun: rec('stopRun', { stopped: false, message: 'test' }),
    getVmStatus: rec('getVmStatus', vm),
    restartVm: rec('restartVm', vm),
    snapshotVm: rec('snapshotVm', { ok: false, message: 'test' }),
    sendSerial: rec('sendSerial', null),
    getTelemetry: rec('getTelemetry', {
      available: false,
      message: '',
      totals: { trap: 0, direct: 0 },
      ratePerSec: { trap: 0, direct: 0 },
      stats: [],
      recent: [],
      lastRuns: {},
    }),
    resetTelemetry: rec('resetTelemetry', null),
    listBenchResults: rec('listBenchResults', { directory: '', runs: [], problems: [] }),
    listFiles: rec('listFiles', { dir: '', files: [] }),
    openFile: rec('openFile', { ok: false, message: 'test' }),
    saveFile: rec('saveFile', { ok: false, message: 'test' }),
    renameFile: rec('renameFile', { ok: false, message: 'test' }),
    ...overrides,
  };
  return { handlers, calls };
}
