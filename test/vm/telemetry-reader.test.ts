// The telemetry ring is read while the guest keeps running: between the host's
// read of the count and its read of the ring, the kernel may overwrite the
// oldest slots. A model of the kernel's writer (struct tal_record, seq word
// stored as seq + 1 and 0 while busy) runs "between" the host's reads here.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONTROL_HEADER_SIZE, CONTROL_OFFSETS, RECORD_OFFSETS, RECORD_SIZE, type ControlRegion, type GuestMemory } from '../../main/vm/control-region.js';
import { TelemetryReader } from '../../main/vm/telemetry.js';
import { accountProgram } from '../../main/runner/program-accounting.js';

const ENTRIES = 8;
const PATH_INT80 = 1;

/** Guest memory holding one control region; `beforeRingRead` lets the "guest" run just before the ring is copied. */
class ModelGuest implements GuestMemory {
  readonly region: ControlRegion = {
    address: 0x1000,
    size: CONTROL_HEADER_SIZE + ENTRIES * RECORD_SIZE,
    ringOffset: CONTROL_HEADER_SIZE,
    ringEntries: ENTRIES,
  };
  readonly bytes = new Uint8Array(this.region.size);
  private readonly view = new DataView(this.bytes.buffer);
  beforeRingRead: () => void = () => undefined;

  /** One system call as the kernel records it; `busy` leaves the slot mid-write. */
  syscall(pid: number, nr: number, busy = false): void {
    const seq = this.view.getUint32(CONTROL_OFFSETS.nextSeq, true);
    this.view.setUint32(CONTROL_OFFSETS.nextSeq, seq + 1, true);
    const by = CONTROL_OFFSETS.syscallsByPath + 4 * PATH_INT80;
    this.view.setUint32(by, this.view.getUint32(by, true) + 1, true);
    const at = CONTROL_HEADER_SIZE + (seq % ENTRIES) * RECORD_SIZE;
    this.view.setUint32(at + RECORD_OFFSETS.seq, 0, true);
    if (busy) return;
    this.view.setUint32(at + RECORD_OFFSETS.pid, pid, true);
    this.view.setUint32(at + RECORD_OFFSETS.nr, nr, true);
    this.view.setUint32(at + RECORD_OFFSETS.path, PATH_INT80, true);
    this.view.setUint32(at + RECORD_OFFSETS.seq, seq + 1, true);
  }

  async readMemory(addr: number, len: number): Promise<Uint8Array> {
    const offset = addr - this.region.address;
    if (offset === this.region.ringOffset) this.beforeRingRead();
    return this.bytes.slice(offset, offset + len);
  }

  async writeMemory(addr: number, bytes: Uint8Array): Promise<void> {
    this.bytes.set(bytes, addr - this.region.address);
  }
}

describe('telemetry ring reader', () => {
  it('reads every record in order when the guest is quiet', async () => {
    const guest = new ModelGuest();
    for (let i = 0; i < 5; i++) guest.syscall(7, 20);
    const batch = await new TelemetryReader(guest, guest.region).readSince(0);
    assert.deepEqual(
      batch.records.map((r) => r.seq),
      [0, 1, 2, 3, 4],
    );
    assert.equal(batch.nextSeq, 5);
    assert.equal(batch.dropped, 0);
  });

  it('keeps the records still intact when the guest overwrites the oldest slots mid-read', async () => {
    const guest = new ModelGuest();
    for (let i = 0; i < 30; i++) guest.syscall(7, 20);
    // Three calls of another process land after the count was read, before the ring was copied:
    // slots of seq 22..24 now hold 30..32. The records of 25..29 are still the program's.
    guest.beforeRingRead = () => {
      guest.beforeRingRead = () => undefined;
      for (let i = 0; i < 3; i++) guest.syscall(99, 3);
    };
    const batch = await new TelemetryReader(guest, guest.region).readSince(0);
    assert.deepEqual(
      batch.records.map((r) => r.seq),
      [25, 26, 27, 28, 29],
    );
    assert.ok(batch.records.every((r) => r.pid === 7 && r.nr === 20));
    assert.equal(batch.dropped, 25);
    assert.equal(batch.nextSeq, 30);
  });

  it('drops everything it asked for when the ring turned over completely mid-read, and resumes after it', async () => {
    const guest = new ModelGuest();
    for (let i = 0; i < 10; i++) guest.syscall(7, 20);
    guest.beforeRingRead = () => {
      guest.beforeRingRead = () => undefined;
      for (let i = 0; i < ENTRIES + 2; i++) guest.syscall(99, 3);
    };
    const reader = new TelemetryReader(guest, guest.region);
    const batch = await reader.readSince(4);
    assert.deepEqual(batch.records, []);
    assert.equal(batch.dropped, 6);
    assert.equal(batch.nextSeq, 10);
    const next = await reader.readSince(batch.nextSeq);
    assert.deepEqual(
      next.records.map((r) => r.seq),
      [12, 13, 14, 15, 16, 17, 18, 19],
    );
    assert.equal(next.dropped, 2);
  });

  it('ends the batch at a record the kernel is still writing', async () => {
    const guest = new ModelGuest();
    for (let i = 0; i < 3; i++) guest.syscall(7, 20);
    guest.syscall(7, 20, true);
    const batch = await new TelemetryReader(guest, guest.region).readSince(0);
    assert.deepEqual(
      batch.records.map((r) => r.seq),
      [0, 1, 2],
    );
    assert.equal(batch.nextSeq, 3);
  });

  it('itemizes a run whose ring was overwritten mid-read (the lane is not one "earlier calls" block)', async () => {
    const guest = new ModelGuest();
    const reader = new TelemetryReader(guest, guest.region);
    const base = await reader.counters();
    for (let i = 0; i < 40; i++) guest.syscall(7, 20);
    guest.beforeRingRead = () => {
      guest.beforeRingRead = () => undefined;
      guest.syscall(99, 3);
    };
    const batch = await reader.readSince(base.nextSeq);
    const after = await reader.counters();
    const calls = accountProgram(batch.records, 7, 'kernel', { int80: 0, sysenter: 0, direct: 0 }, batch.dropped);
    assert.equal(batch.records.length, ENTRIES - 1);
    assert.equal(calls.records.length, ENTRIES - 1);
    assert.equal(after.nextSeq - base.nextSeq, 41);
  });
});
