// Turns the guest's console output (ttyS0) into boot stages. Nothing writes to
// ttyS0 before the kernel (SeaBIOS logs to port 0x402), so the first byte means
// the kernel is running; the first line that is not a timestamped printk line
// (or the kernel's "Run /init" line) means userspace has started.

export const BOOT_STAGES = ['bios', 'kernel', 'init', 'prompt'] as const;
export type BootStage = (typeof BOOT_STAGES)[number];

export interface BootProgress {
  stage: BootStage;
  /** Milliseconds since boot() was called. */
  ms: number;
}

const PRINTK_LINE = /^\s*\[\s*\d+\.\d+\]/;
const INIT_MESSAGE = /Run \/init|Run .* as init process/;
// A shell prompt at the end of the output, possibly followed by busybox's cursor-position query (ESC [ 6 n).
const PROMPT_TAIL = /[#$] (?:\x1b\[6n)?$/;

export class BootProgressTracker {
  private readonly reached = new Set<BootStage>();
  private pendingLine = '';
  private tail = '';

  constructor(
    private readonly startedAt: number,
    private readonly now: () => number,
    private readonly onStage: (progress: BootProgress) => void,
  ) {}

  has(stage: BootStage): boolean {
    return this.reached.has(stage);
  }

  /** Marks a stage (and every earlier one not yet seen) as reached. */
  reach(stage: BootStage): void {
    for (const earlier of BOOT_STAGES.slice(0, BOOT_STAGES.indexOf(stage) + 1)) {
      if (this.reached.has(earlier)) continue;
      this.reached.add(earlier);
      this.onStage({ stage: earlier, ms: this.now() - this.startedAt });
    }
  }

  /** Feed ttyS0 output; returns true when the output now ends in something that looks like a shell prompt. */
  feed(text: string): boolean {
    if (text.length === 0) return false;
    this.reach('kernel');
    this.tail = (this.tail + text).slice(-64);
    const lines = (this.pendingLine + text).split('\n');
    this.pendingLine = (lines.pop() ?? '').slice(-512);
    if (!this.has('init')) {
      for (const line of lines) {
        const trimmed = line.replace(/\r$/, '');
        if (INIT_MESSAGE.test(trimmed) || (trimmed.trim() !== '' && !PRINTK_LINE.test(trimmed))) {
          this.reach('init');
          break;
        }
      }
    }
    if (!PROMPT_TAIL.test(this.tail) || PRINTK_LINE.test(this.pendingLine)) return false;
    this.reach('init');
    return true;
  }
}
