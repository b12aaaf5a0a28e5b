// Checking and building off the main thread, with a time and a memory limit.
// The checker's work depends on the program, and the program comes from
// whoever typed or shared it: a hostile one can make the checker slow, deep or
// hungry. Here that costs a worker thread, never the lab's main process: past
// the time limit the worker is terminated (and a fresh one started), past the
// memory limit V8 ends it; either way the request gets a diagnostic that says
// which limit was hit, and the next request is served as usual.

import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BuildReply, CheckReply, Diagnostic, SourceRequest } from '../../preload/contract.js';
import { unpackedFromAsar } from '../vm/runtime-paths.js';
import { buildImage } from './toolchain.js';
import type { BuiltImage, TalToolchain } from './integration.js';

export interface ToolchainLimits {
  /** Wall time one check or build may take, in ms. */
  timeMs: number;
  /** V8 heap (old generation) of the worker, in MiB. */
  memoryMiB: number;
}

export const DEFAULT_LIMITS: ToolchainLimits = { timeMs: 5_000, memoryMiB: 256 };

export type ToolchainJob = { id: number; op: 'check' | 'build'; req: SourceRequest };
export type ToolchainAnswer = { id: number; value: CheckReply | BuildReply } | { id: number; thrown: string };
/** The worker's first message, once it has loaded the toolchain. */
export type ToolchainReady = 'ready';

type Waiter = { worker: Worker; resolve: (a: ToolchainAnswer | { limit: string }) => void };

export class IsolatedToolchain implements TalToolchain {
  /** The current worker once it has loaded the toolchain. */
  private worker: Promise<Worker> | null = null;
  private readonly workers = new Map<Worker, Promise<Worker>>();
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();
  /** One job at a time: a job's time limit then measures its own work, not the queue before it. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly limits: ToolchainLimits = DEFAULT_LIMITS) {}

  async check(req: SourceRequest): Promise<CheckReply> {
    const answer = await this.submit('check', req);
    if ('value' in answer) return answer.value as CheckReply;
    return { ok: false, diagnostics: [limitDiagnostic(req, answer)], trace: [] };
  }

  /**
   * The worker builds first (bounded); only a program it built within the limits is built again here,
   * in main, for the CheckedImage the runner signs: that second build does the same, already bounded, work.
   */
  async build(req: SourceRequest, forRun = false): Promise<BuiltImage> {
    const answer = await this.submit('build', req);
    if (!('value' in answer)) return { ok: false, diagnostics: [limitDiagnostic(req, answer)], listing: [] };
    const reply = answer.value as BuildReply;
    if (!forRun || !reply.ok) return reply;
    const { checked } = buildImage(req);
    return checked === undefined ? reply : { ...reply, checked };
  }

  async close(): Promise<void> {
    this.worker = null;
    const all = [...this.workers.keys()];
    this.workers.clear();
    await Promise.all(all.map((w) => w.terminate()));
  }

  private submit(op: ToolchainJob['op'], req: SourceRequest): Promise<ToolchainAnswer | { limit: string }> {
    const result = this.queue.then(() => this.runJob(op, req));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async runJob(op: ToolchainJob['op'], req: SourceRequest): Promise<ToolchainAnswer | { limit: string }> {
    let worker: Worker;
    try {
      worker = await this.ensureWorker();
    } catch (error) {
      return { limit: `the checker's thread could not start (${(error as Error).message})` };
    }
    const id = this.nextId++;
    return new Promise((resolve) => {
      // The clock starts once the worker has loaded the toolchain: the limit is on the program's checking.
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        this.discard(worker);
        resolve({ limit: `it took longer than ${formatMs(this.limits.timeMs)}, the lab's time limit` });
      }, this.limits.timeMs);
      this.waiting.set(id, {
        worker,
        resolve: (a) => {
          clearTimeout(timer);
          this.waiting.delete(id);
          // An idle worker must not keep the process alive (ref() again for the next job).
          if (this.waiting.size === 0) worker.unref();
          resolve(a);
        },
      });
      worker.ref();
      worker.postMessage({ id, op, req } satisfies ToolchainJob);
    });
  }

  private ensureWorker(): Promise<Worker> {
    if (this.worker) return this.worker;
    const worker = new Worker(toolchainWorkerPath(), {
      resourceLimits: { maxOldGenerationSizeMb: this.limits.memoryMiB, maxYoungGenerationSizeMb: Math.min(32, this.limits.memoryMiB / 4) },
    });
    const ready = new Promise<Worker>((resolve, reject) => {
      worker.once('message', () => resolve(worker)); // the worker's first message says it loaded
      worker.once('error', reject);
    });
    ready.catch(() => undefined);
    worker.on('message', (a: ToolchainAnswer | ToolchainReady) => {
      if (a !== 'ready') this.waiting.get(a.id)?.resolve(a);
    });
    const fail = (limit: string): void => {
      if (this.worker === ready) this.worker = null;
      for (const w of [...this.waiting.values()]) if (w.worker === worker) w.resolve({ limit });
    };
    worker.on('error', (error: Error & { code?: string }) =>
      fail(
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? `it needed more than ${this.limits.memoryMiB} MiB of memory, the lab's limit`
          : `the checker's thread failed (${error.message})`,
      ),
    );
    worker.on('exit', () => fail("the checker's thread ended unexpectedly"));
    this.workers.set(worker, ready);
    this.worker = ready;
    return ready;
  }

  /** Forget a worker that hit a limit; the next job starts a fresh one. */
  private discard(worker: Worker): void {
    if (this.worker === this.workers.get(worker)) this.worker = null;
    this.workers.delete(worker);
    void worker.terminate();
  }
}

function toolchainWorkerPath(): string {
  return unpackedFromAsar(fileURLToPath(new URL('./toolchain-worker.js', import.meta.url)));
}

function limitDiagnostic(req: SourceRequest, answer: { limit: string } | { thrown: string }): Diagnostic {
  const why = 'limit' in answer ? answer.limit : `the checker failed: ${answer.thrown}`;
  return {
    code: 'E_CHECK_LIMIT',
    severity: 'error',
    file: req.file,
    line: 1,
    col: 1,
    message: `checking was stopped: ${why}; the program is refused`,
    hint: 'programs whose checking needs this much are refused; split long code types or large polymorphic stacks into smaller pieces',
  };
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
}
