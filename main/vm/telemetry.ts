// Reads the guest kernel's syscall telemetry: counters from the control page
// and the ring of records, incrementally by sequence number. The host writes
// only the enable flag. Layout: control-region.ts (docs/telemetry.md).

import {
  CONTROL_OFFSETS,
  RECORD_OFFSETS,
  RECORD_SIZE,
  SYSCALL_PATHS,
  readCounters,
  type ControlCounters,
  type ControlRegion,
  type GuestMemory,
  type SyscallPath,
} from './control-region.js';

export interface SyscallRecord {
  /** 0, 1, 2, … in the order the kernel recorded them. */
  seq: number;
  pid: number;
  /** Guest TSC when the call started (v86's TSC runs at 1 GHz of host time). */
  tsc: bigint;
  nr: number;
  path: SyscallPath | 'unknown';
  /** TSC cycles spent in the call (≈ ns of host time). */
  cycles: number;
  /** The call's return value (negative errno on failure). */
  ret: number;
}

export interface TelemetryBatch {
  records: SyscallRecord[];
  /** Pass this to the next readSince(). */
  nextSeq: number;
  /** Records overwritten before they were read (the ring holds ringEntries). */
  dropped: number;
}

export class TelemetryReader {
  constructor(
    private readonly vm: GuestMemory,
    readonly region: ControlRegion,
  ) {}

  counters(): Promise<ControlCounters> {
    return readCounters(this.vm, this.region);
  }

  /** Turn recording on or off in the guest kernel (the only word of the ring the host writes). */
  async setEnabled(enabled: boolean): Promise<void> {
    const word = new Uint8Array(4);
    new DataView(word.buffer).setUint32(0, enabled ? 1 : 0, true);
    await this.vm.writeMemory(this.region.address + CONTROL_OFFSETS.telemetryEnabled, word);
  }

  /**
   * Records with sequence numbers ≥ `seq`, oldest first. A record the kernel is writing at this
   * moment ends the batch; it is read next time. A `seq` ahead of the kernel's count means the guest
   * went back in time (restoreState, a new boot): reading restarts at the oldest record in the ring.
   * The guest keeps running while the host reads, so the ring's oldest slots may be overwritten
   * between reading the count and reading the ring: the count is read again afterwards, and only
   * slots no later call could have reached by then are taken; the rest are dropped.
   */
  async readSince(seq: number): Promise<TelemetryBatch> {
    const { nextSeq: written } = await this.counters();
    const entries = this.region.ringEntries;
    if (seq > written) seq = Math.max(0, written - entries);
    if (seq === written) return { records: [], nextSeq: written, dropped: 0 };
    const ring = await this.vm.readMemory(this.region.address + this.region.ringOffset, entries * RECORD_SIZE);
    const { nextSeq: writtenAfter } = await this.counters();
    const first = Math.min(Math.max(seq, writtenAfter - entries), written);
    const dropped = first - seq;
    const records: SyscallRecord[] = [];
    for (let s = first; s < written; s++) {
      const record = parseRecord(ring, (s & (entries - 1)) * RECORD_SIZE);
      if (record.seq !== s) return { records, nextSeq: s, dropped };
      records.push(record);
    }
    return { records, nextSeq: written, dropped };
  }
}

/** One ring slot; its `seq` is -1 while the kernel is writing it (the stored word is seq + 1, 0 meaning busy). */
export function parseRecord(ring: Uint8Array, offset: number): SyscallRecord {
  const view = new DataView(ring.buffer, ring.byteOffset + offset, RECORD_SIZE);
  const path = view.getUint32(RECORD_OFFSETS.path, true);
  return {
    seq: view.getUint32(RECORD_OFFSETS.seq, true) - 1,
    pid: view.getUint32(RECORD_OFFSETS.pid, true),
    tsc: view.getBigUint64(RECORD_OFFSETS.tsc, true),
    nr: view.getUint32(RECORD_OFFSETS.nr, true),
    path: SYSCALL_PATHS[path as keyof typeof SYSCALL_PATHS] ?? 'unknown',
    cycles: view.getUint32(RECORD_OFFSETS.cycles, true),
    ret: view.getInt32(RECORD_OFFSETS.ret, true),
  };
}
