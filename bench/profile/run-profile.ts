// npm run bench:profile [-- --experiment find|echod --dirs D --files F --messages M --runs N --split]
//
// Where the guest instructions of the find or echod benchmark go, per mode:
// samples of the instruction pointer (see sampled-guest.ts) attributed to
// kernel functions and to the TAL program, for user (sysenter) and kernel
// mode, and the functions whose share grows most in kernel mode. For echod
// the samples cover the client's run against a server in the mode profiled.
// With --split (find only), exact counts instead of samples: each mode's walk
// over a tree of D/10 directories and F/10 files and over the full tree,
// split into instructions per call and per exec (find-split.ts).

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { APP_ROOT } from '../../main/app/resource-paths.js';
import { locateControlRegion, manifestControlAddress, SigningKey, TelemetryReader } from '../../main/vm/index.js';
import { GUEST_BIN, GUEST_WORK } from '../bench-guest.js';
import { loadGuestTools } from '../guest-tools.js';
import type { ExecMode } from '../../main/runner/admission.js';
import { TaloLauncher } from '../tal-launcher.js';
import { SampledGuest, type IpSample } from './sampled-guest.js';
import { parseKallsyms, profile, type ProfileRow } from './symbols.js';
import { measureFindSplit, type ModeSplit } from './find-split.js';

const TREE = `${GUEST_WORK}/tree`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      experiment: { type: 'string', default: 'find' },
      messages: { type: 'string', default: '2000' },
      dirs: { type: 'string', default: '2000' },
      files: { type: 'string', default: '20000' },
      runs: { type: 'string', default: '3' },
      top: { type: 'string', default: '25' },
      split: { type: 'boolean', default: false },
    },
  });
  const runs = Number(values.runs);
  const top = Number(values.top);
  const guest = await SampledGuest.start();
  try {
    const region = await locateControlRegion(guest, guest.memoryBytes, manifestControlAddress(guest.manifest));
    const key = SigningKey.generate();
    await key.injectInto(guest, region);
    const telemetry = new TelemetryReader(guest, region);
    await telemetry.setEnabled(false);

    await guest.exec(`mkdir -p ${GUEST_BIN} ${GUEST_WORK} && mount -t tmpfs -o nr_inodes=0,size=64m benchwork ${GUEST_WORK}`);
    const talexec = (await guest.exec('command -v talexec')).trim();
    const launcher = new TaloLauncher(talexec, key);
    const files = new Map<string, Uint8Array>(Object.entries(await loadGuestTools()));
    const program = values.experiment === 'echod' ? 'echod' : 'find';
    if (values.experiment !== program) throw new Error(`--experiment must be find or echod, got ${values.experiment}`);
    if (values.split && program !== 'find') throw new Error('--split measures find only');
    const built = launcher.build(program, await readFile(path.join(APP_ROOT, 'tal', 'examples', `${program}.tal`), 'utf8'));
    files.set(built.file, built.bytes);
    for (const [name, bytes] of files) {
      const shared = await guest.putFile(`profile-${name}`, bytes);
      await guest.exec(`cp ${shared} ${GUEST_BIN}/${name} && chmod 755 ${GUEST_BIN}/${name}`);
    }
    if (program === 'find') console.error((await guest.exec(`${GUEST_BIN}/mktree ${TREE} ${values.dirs} ${values.files}`, 600_000)).trim());
    if (values.split) {
      const small = `${TREE}-small`;
      const dirs = Math.max(1, Math.round(Number(values.dirs) / 10));
      const files = Math.round(Number(values.files) / 10);
      console.error((await guest.exec(`${GUEST_BIN}/mktree ${small} ${dirs} ${files}`, 600_000)).trim());
      printSplit(await measureFindSplit(guest, launcher, telemetry, { small, large: TREE }, runs), runs);
      return;
    }
    await guest.exec('cat /proc/kallsyms > /mnt/host/kallsyms');
    const symbols = parseKallsyms(Buffer.from(await guest.getFile('kallsyms')).toString('latin1'));

    const results = new Map<ExecMode, { rows: ProfileRow[]; samples: number; idle: number; instructions: number }>();
    for (const mode of ['user-sysenter', 'kernel'] as const) {
      const port = String(7600 + (mode === 'kernel' ? 1 : 0));
      if (program === 'echod') {
        await guest.exec(`( ${launcher.command('echod', mode, [port])} > ${GUEST_WORK}/echod.out 2>&1 & ); sleep 1; grep -q listening ${GUEST_WORK}/echod.out`);
      }
      const command =
        program === 'echod'
          ? `${GUEST_BIN}/echo_latency ${port} ${values.messages} 64 20`
          : `${GUEST_BIN}/timeit /dev/null ${launcher.command('find', mode, [TREE])}`;
      await guest.exec(command); // warm-up
      const samples: IpSample[] = [];
      let instructions = 0;
      for (let i = 0; i < runs; i++) {
        const r = await guest.sample(command);
        samples.push(...r.samples);
        instructions += r.instructions;
      }
      const { rows, idle } = profile(symbols, samples);
      results.set(mode, { rows, samples: samples.length / runs, idle: idle / runs, instructions: instructions / runs });
    }
    for (const [mode, r] of results) {
      console.log(
        `\n${mode}: ${Math.round(r.instructions / 1e6)} M instructions and ${Math.round(r.samples)} samples per run ` +
          `(${Math.round(r.idle)} idle, left out; shares below are of the busy samples)`,
      );
      for (const row of r.rows.slice(0, top))
        console.log(`  ${(row.share * 100).toFixed(1).padStart(5)}%  ${Math.round(((row.share * r.instructions) / 1e6) * 10) / 10} M  ${row.name}`);
    }
    const user = results.get('user-sysenter')!;
    const kernel = results.get('kernel')!;
    const millions = (r: { rows: ProfileRow[]; instructions: number }, name: string) =>
      ((r.rows.find((x) => x.name === name)?.share ?? 0) * r.instructions) / 1e6;
    const names = new Set([...user.rows, ...kernel.rows].map((r) => r.name));
    const growth = [...names].map((name) => ({ name, delta: millions(kernel, name) - millions(user, name) })).sort((a, b) => b.delta - a.delta);
    console.log('\nlargest growth in kernel mode (M instructions per run, estimated from sample shares):');
    for (const g of growth.slice(0, top)) console.log(`  ${g.delta >= 0 ? '+' : ''}${g.delta.toFixed(1).padStart(6)}  ${g.name}`);
  } finally {
    await guest.stop();
  }
}

function printSplit(splits: readonly ModeSplit[], runs: number): void {
  const m = (n: number) => (n / 1e6).toFixed(3);
  console.log(`\nfind, exact guest instructions (mean of ${runs} runs, telemetry off) and the walk's own system calls:`);
  console.log('  mode            calls small/large  M instructions small/large  instructions per call  M per exec');
  for (const s of splits) {
    console.log(
      `  ${s.mode.padEnd(14)}  ${`${s.small.calls}/${s.large.calls}`.padStart(17)}  ${`${m(s.small.instructions)}/${m(s.large.instructions)}`.padStart(26)}` +
        `  ${s.perCall.toFixed(0).padStart(21)}  ${m(s.perExec).padStart(10)}`,
    );
  }
  console.log("  (per call: the call and the program work that comes with it; per exec: everything a walk pays once, the shell's fork and exec included)");
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
