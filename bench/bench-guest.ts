// The guest as the benchmark uses it: a booted VM (resumed from the VM
// service's cached snapshot) with the guest tools installed on tmpfs, a
// separate tmpfs for the generated tree (unlimited inodes: the default tmpfs
// of a 128 MiB guest allows about 13,000), and shell commands that report the
// v86 instruction count they took.

import { performance } from 'node:perf_hooks';
import {
  GUEST_SHARE_DIR,
  instructionsBetween,
  launchGuest,
  locateControlRegion,
  manifestControlAddress,
  type ControlRegion,
  type LaunchedGuest,
  type VmService,
} from '../main/vm/index.js';
import { loadGuestTools, type GuestTools } from './guest-tools.js';
import { summarize } from './stats.js';

/** Guest tools and programs, copied off the 9p share so no run reads through 9p. */
export const GUEST_BIN = '/tmp/bench/bin';
/** Output files and the generated tree: a dedicated tmpfs. */
export const GUEST_WORK = '/tmp/bench/work';

export interface GuestRun {
  output: string;
  exitStatus: number;
  /** Guest instructions the command took, less the cost of an empty command (shell and serial round trip). */
  instructions: number;
  hostMs: number;
}

export class BenchError extends Error {
  constructor(
    readonly code: 'GUEST_COMMAND_FAILED' | 'BAD_OUTPUT' | 'UNAVAILABLE',
    message: string,
    readonly detail: { command?: string; output?: string } = {},
  ) {
    super(message);
  }
}

export class BenchGuest {
  /** Instructions of an empty command; subtracted from every run. */
  private emptyCommandInstructions = 0;
  private installed = 0;

  private constructor(
    readonly launched: LaunchedGuest,
    readonly tools: GuestTools,
    /** The patched kernel's control region, or why it was not found (an unpatched kernel has none). */
    readonly control: { region: ControlRegion } | { missing: string },
  ) {}

  get vm(): VmService {
    return this.launched.vm;
  }

  /** Resume (or cold boot and cache) the guest and install the guest tools. */
  static async start(): Promise<BenchGuest> {
    const tools = await loadGuestTools();
    const launched = await launchGuest({ snapshot: 'use' });
    try {
      // Located before anything runs in the guest, as the runner does: a program could forge a look-alike page later.
      const address = manifestControlAddress(launched.vm.images?.manifest ?? null);
      const control = await locateControlRegion(launched.vm, launched.vm.memoryBytes, address).then(
        (region) => ({ region }),
        (error: unknown) => ({ missing: error instanceof Error ? error.message : String(error) }),
      );
      const guest = new BenchGuest(launched, tools, control);
      await guest.setUp();
      return guest;
    } catch (error) {
      await launched.vm.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.vm.stop();
  }

  private async setUp(): Promise<void> {
    await this.check(
      `mkdir -p ${GUEST_BIN} ${GUEST_WORK} && ` +
        `{ grep -q ' ${GUEST_WORK} tmpfs ' /proc/mounts || mount -t tmpfs -o nr_inodes=0,size=64m benchwork ${GUEST_WORK}; }`,
    );
    for (const [name, bytes] of Object.entries(this.tools)) await this.install(name, bytes);
    const empty: number[] = [];
    for (let i = 0; i < 5; i++) empty.push((await this.run('true')).instructions);
    this.emptyCommandInstructions = summarize(empty).median;
  }

  /** Put an executable into GUEST_BIN; returns its guest path. */
  async install(name: string, bytes: Uint8Array): Promise<string> {
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new BenchError('BAD_OUTPUT', `bad guest file name ${JSON.stringify(name)}`);
    // A fresh share name per upload: the guest may still hold an older file of the same name open.
    const shareName = `bench-${process.pid}-${this.installed++}-${name}`;
    await this.vm.putFile(shareName, bytes);
    const target = `${GUEST_BIN}/${name}`;
    await this.check(
      `cp ${GUEST_SHARE_DIR}/${shareName} ${target}.new && chmod 755 ${target}.new && mv ${target}.new ${target} && rm ${GUEST_SHARE_DIR}/${shareName}`,
    );
    return target;
  }

  /** Run a shell command on ttyS0 and count the instructions it took. */
  async run(command: string, timeoutMs = 120_000): Promise<GuestRun> {
    const before = await this.vm.instructionCounter();
    const started = performance.now();
    const result = await this.vm.exec(command, { timeoutMs });
    const hostMs = performance.now() - started;
    const after = await this.vm.instructionCounter();
    const instructions = Math.max(0, instructionsBetween(before, after) - this.emptyCommandInstructions);
    return { output: result.output, exitStatus: result.exitStatus, instructions, hostMs };
  }

  /** Like run(), but a non-zero exit status is an error carrying the output. */
  async check(command: string, timeoutMs?: number): Promise<GuestRun> {
    const r = await this.run(command, timeoutMs);
    if (r.exitStatus !== 0) {
      throw new BenchError('GUEST_COMMAND_FAILED', `guest command failed (status ${r.exitStatus}): ${command}\n${r.output}`, {
        command,
        output: r.output,
      });
    }
    return r;
  }
}

/**
 * The key=value fields of the one output line that starts with `tag`
 * (the guest tools print e.g. "timeit status=0 ns=123").
 */
export function parseToolLine(output: string, tag: string): Record<string, string> {
  const line = output.split('\n').find((l) => l.startsWith(`${tag} `));
  if (line === undefined) throw new BenchError('BAD_OUTPUT', `no "${tag}" line in the output:\n${output}`, { output });
  const fields: Record<string, string> = {};
  for (const word of line.slice(tag.length + 1).split(' ')) {
    const eq = word.indexOf('=');
    if (eq > 0) fields[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return fields;
}

/** A numeric field of a tool line; a missing or non-numeric field is a BAD_OUTPUT error. */
export function numberField(fields: Record<string, string>, key: string, output: string): number {
  const text = fields[key];
  const value = text === undefined || !/^\d+$/.test(text) ? NaN : Number(text);
  if (!Number.isFinite(value)) throw new BenchError('BAD_OUTPUT', `field ${key} missing or not a number in:\n${output}`, { output });
  return value;
}

/** Single-quote a word for the guest shell. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
