// The runner's gate between its console and a program's output: the run's
// script prints a per-run ready marker (random, chosen by the host) with its pid
// before it execs the program; everything before it on the console is the
// runner's own (its typed command line, the shell's markers) and never reaches
// the program's output, everything after it is the program's, passed on whole.

/** Watches the run's output for the script's ready line; passes on what the program prints after it. */
export class ReadyBarrier {
  onReady: (pid: number) => void = () => undefined;
  private text = '';
  private passed = false;
  /** The end of the ready line and the console's echo of the released line: not the program's output. */
  private newlinesToSkip = 2;

  constructor(
    private readonly marker: string,
    private readonly onOutput: ((text: string) => void) | undefined,
  ) {}

  feed(chunk: string): void {
    if (this.passed) {
      this.pass(chunk);
      return;
    }
    this.text += chunk;
    const m = new RegExp(`${this.marker}(\\d+)_`).exec(this.text);
    if (m === null) return;
    this.passed = true;
    this.onReady(Number.parseInt(m[1]!, 10));
    this.pass(this.text.slice(m.index + m[0].length));
  }

  private pass(chunk: string): void {
    while (this.newlinesToSkip > 0 && chunk.startsWith('\n')) {
      chunk = chunk.slice(1);
      this.newlinesToSkip--;
    }
    if (chunk !== '') {
      this.newlinesToSkip = 0;
      this.onOutput?.(chunk);
    }
  }
}

/** The output without what came before the program (the ready line and the echoed release line). */
export function stripReady(output: string, marker: string): string {
  const m = new RegExp(`^[^]*?${marker}\\d+_\\n?\\n?`).exec(output);
  return m === null ? output : output.slice(m[0].length);
}
