// The exact instruction count of a walk split into what each system call adds
// and what every exec pays once, from two walks of different sizes: the counts
// are v86's instruction counter, the calls the guest kernel's telemetry, so
// nothing here is estimated from samples.

export interface WalkCount {
  /** Guest instructions of one walk, exec to exit. */
  instructions: number;
  /** System calls the walk made. */
  calls: number;
}

export interface CostSplit {
  /** Instructions each further call adds: the call and the program's work that comes with it. */
  perCall: number;
  /** Instructions the walk pays whatever its size: exec, image check, setup and exit. */
  perExec: number;
}

/** The line through two walks: instructions = perExec + perCall × calls. */
export function splitCosts(small: WalkCount, large: WalkCount): CostSplit {
  const calls = large.calls - small.calls;
  if (calls <= 0) throw new Error(`the larger walk must make more calls (${small.calls} then ${large.calls})`);
  const perCall = (large.instructions - small.instructions) / calls;
  return { perCall, perExec: small.instructions - perCall * small.calls };
}
