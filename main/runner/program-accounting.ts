// A run's system calls, counted for the program alone (by its pid) and exactly,
// however many it makes. The kernel's counters by path are exact but global;
// its record ring names the caller but keeps only the last 2,048 calls. The
// runner makes the two meet: it turns the counters' baseline on only once the
// program's process is parked just before `exec talexec` (see run-program.ts),
// so after the baseline the only calls on the program's path that are not the
// program's own are talexec's prctl and execve (int $0x80, so only in user
// mode) and calls of other processes, which come after the program (the
// runner's shell reaping it) and so are still in the ring. Whatever the ring
// lost on the program's path is then the program's, minus talexec's two.

import type { SyscallPath } from '../vm/control-region.js';
import type { SyscallRecord } from '../vm/telemetry.js';

export const NR_EXECVE = 11;
export const NR_PRCTL = 172;

/** The path every system call of a program takes in each mode. */
export const PROGRAM_PATH = { kernel: 'direct', user: 'int80', 'user-sysenter': 'sysenter' } as const satisfies Record<string, SyscallPath>;
export type AccountedMode = keyof typeof PROGRAM_PATH;

export interface SyscallSummary {
  nr: number;
  path: SyscallPath | 'unknown';
  count: number;
  /** Sum of TSC cycles in the calls (≈ ns of host time). */
  cycles: number;
}

export interface ProgramCalls {
  /** Every system call the program made (exact when `exact`). */
  total: number;
  /** The calls the ring still held, by number and path: they add up to total − notItemized. */
  byCall: SyscallSummary[];
  /** Calls the ring overwrote before the runner read it: counted in total, not itemized by number. */
  notItemized: number;
  /** The program's recorded calls, oldest first (at most the ring's size): the picture of the run. */
  records: SyscallRecord[];
  /**
   * False only in user-sysenter mode when the ring overflowed: the program shares the sysenter path
   * with the shell that starts it, so the lost calls cannot all be attributed.
   */
  exact: boolean;
}

/**
 * records: every record since the baseline that the ring still held, oldest first;
 * pathDelta: the kernel's counter increase on each path since the baseline; dropped: records lost.
 */
export function accountProgram(
  records: readonly SyscallRecord[],
  pid: number | null,
  mode: AccountedMode,
  pathDelta: Record<SyscallPath, number>,
  dropped: number,
): ProgramCalls {
  const own = programRecords(records, pid);
  const byCall = summarise(own);
  if (dropped === 0 || pid === null) return { total: own.length, byCall, notItemized: 0, records: own, exact: true };
  const path = PROGRAM_PATH[mode];
  const visibleOnPath = records.filter((r) => r.path === path).length;
  const lostOnPath = Math.max(0, pathDelta[path] - visibleOnPath);
  // talexec's prctl and execve of the image go through int $0x80: on the program's path only in user mode.
  const mine = records.filter((r) => r.pid === pid);
  const talexecSeen =
    mine.filter((r) => r.nr === NR_PRCTL && r.path === 'int80').length > 0 ? 2 : mine.some((r) => r.nr === NR_EXECVE && r.path === 'int80') ? 1 : 0;
  const talexecLost = path === 'int80' ? 2 - talexecSeen : 0;
  const notItemized = Math.max(0, lostOnPath - talexecLost);
  return { total: own.length + notItemized, byCall, notItemized, records: own, exact: path !== 'sysenter' };
}

/**
 * The program's own calls: its process first runs the wrapper shell and talexec, whose last act before
 * execve() of the image is prctl(PR_TAL_SET_MODE); keep what follows, minus that execve when it returned.
 */
export function programRecords(records: readonly SyscallRecord[], pid: number | null): SyscallRecord[] {
  const own = records.filter((r) => r.pid === pid);
  let start = 0;
  for (let i = own.length - 1; i >= 0; i--) {
    if (own[i]!.nr === NR_PRCTL && own[i]!.ret === 0) {
      start = i + 1;
      break;
    }
  }
  if (own[start]?.nr === NR_EXECVE) start++;
  return own.slice(start);
}

function summarise(records: readonly SyscallRecord[]): SyscallSummary[] {
  const byKey = new Map<string, SyscallSummary>();
  for (const record of records) {
    const key = `${record.nr}/${record.path}`;
    let entry = byKey.get(key);
    if (!entry) byKey.set(key, (entry = { nr: record.nr, path: record.path, count: 0, cycles: 0 }));
    entry.count++;
    entry.cycles += record.cycles;
  }
  return [...byKey.values()].sort((a, b) => b.count - a.count || a.nr - b.nr);
}
