// `tal run`: check and build on the host, then boot (or resume) the guest,
// deliver, run, and report the program's system calls by path. It lives in
// main/ because it needs the guest; the toolchain's commands are tal/cli.ts.

import { buildSource, SYSCALLS } from '../../tal/index.js';
import { EXIT_OK, EXIT_REJECTED, EXIT_USAGE, parse, printDiagnostics, readText, UsageError, type Io } from '../../tal/cli.js';
import { launchRunner } from '../runner/index.js';
import { VmError } from '../vm/index.js';

const MODES = ['kernel', 'user', 'user-sysenter'] as const;
type Mode = (typeof MODES)[number];

/** tal run: check and build on the host, then boot (or resume) the guest, deliver, run, and report the system calls by path. */
export async function runInGuest(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { mode: { type: 'string', short: 'm' }, timeout: { type: 'string' } });
  if (positionals.length < 1) throw new UsageError('expected a TAL file');
  const [file, ...programArgs] = positionals as [string, ...string[]];
  const mode = (values.mode ?? 'kernel') as Mode;
  if (!MODES.includes(mode)) throw new UsageError(`--mode must be one of ${MODES.join(', ')}`);
  const timeoutMs = values.timeout === undefined ? 30_000 : Number(values.timeout) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new UsageError('--timeout takes seconds');
  const built = buildSource(readText(file), file);
  printDiagnostics(io, built.diagnostics);
  if (!built.ok || built.checked === undefined) {
    io.err(`${file}: rejected; nothing was run\n`);
    return EXIT_REJECTED;
  }
  io.err(`tal run: starting the guest…\n`);
  let guest: Awaited<ReturnType<typeof launchRunner>>;
  try {
    guest = await launchRunner({ onProgress: (p) => io.err(`  boot: ${p.stage} (${Math.round(p.ms)} ms)\n`) });
  } catch (e) {
    if (!(e instanceof VmError)) throw e;
    io.err(`tal run: the guest could not start: ${e.message} (${e.code})\n`);
    return EXIT_USAGE;
  }
  try {
    io.err(
      `tal run: guest ready in ${Math.round(guest.boot.totalMs)} ms${guest.boot.mode === 'restore' ? ' (snapshot)' : ''}; running ${file} in ${mode} mode\n`,
    );
    const r = await guest.runner.run({ talo: built.checked, mode, args: programArgs, timeoutMs, onOutput: (t) => io.out(t) });
    // The program's own calls (the kernel's global counters also count the shell and talexec).
    const by: Record<string, number> = { direct: 0, int80: 0, sysenter: 0 };
    for (const c of r.syscalls.byCall) by[c.path] = (by[c.path] ?? 0) + c.count;
    io.err(
      `\ntal run: ${r.status}, exit status ${r.exitCode}${r.killedByFault ? ' (killed by a fault)' : ''}, ${r.wallMs.toFixed(0)} ms, ${r.instructions} guest instructions\n`,
    );
    io.err(
      `the program's syscalls by path: direct ${by.direct}, int80 ${by.int80}, sysenter ${by.sysenter}${r.syscalls.dropped > 0 ? ` (${r.syscalls.dropped} events dropped)` : ''}\n`,
    );
    for (const c of r.syscalls.byCall) {
      const name = SYSCALLS.find((p) => p.nr === c.nr)?.name ?? `nr ${c.nr}`;
      io.err(
        `  ${name.padEnd(16)} ${c.path.padEnd(9)} ${String(c.count).padStart(8)} calls ${(c.cycles / Math.max(1, c.count)).toFixed(0).padStart(8)} cycles/call\n`,
      );
    }
    if (r.status === 'refused') io.err('tal run: the guest kernel refused the image ring 0 (see docs/architecture.md, "Guest kernel")\n');
    return r.status === 'exited' && r.exitCode === 0 ? EXIT_OK : EXIT_REJECTED;
  } catch (e) {
    if (!(e instanceof VmError)) throw e;
    io.err(`tal run: the run failed in the guest: ${e.message} (${e.code})\n`);
    return EXIT_USAGE;
  } finally {
    await guest.vm.stop();
  }
}
