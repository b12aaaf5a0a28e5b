// npm run soak:guest -- --minutes N [--seed S]: the hostile guest cases of
// hostile-cases.ts in a loop for N minutes (default 20) on one guest, with a
// progress line and a closing report (also written to
// test-artifacts/soak-guest.json). After every case: no oops or panic counted in
// the control region, a clean kernel log, another shell answers; unsigned or foreign-signed images never
// start in ring 0; an emulator death (the guest restarted from its snapshot)
// is counted. Exit status 1 if any of those went wrong.

import { mkdir, writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { resumeGuest } from '../vm/guest-fixture.js';
import { armGuest, assertGuestHealthy } from './forged-image-guest.js';
import { CASES, rng } from './hostile-cases.js';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '20' }, seed: { type: 'string' } } });
const minutes = Number(values.minutes);
const seed = values.seed !== undefined ? Number(values.seed) : Date.now() % 2 ** 31;
if (!(minutes > 0) || !Number.isInteger(seed)) {
  console.error('usage: npm run soak:guest -- --minutes N [--seed S]');
  process.exit(2);
}

const guest = await resumeGuest();
let h = await armGuest(guest);
let emulatorDeaths = 0;
guest.vm.on('recovered', () => {
  emulatorDeaths++;
});
const next = rng(seed);
const byKind: Record<string, number> = {};
const failures: { case: number; kind: string; error: string }[] = [];
let cases = 0;
let images = 0;
let uncheckedAdmissions = 0;
let oopsOrUnhealthy = 0;
const started = performance.now();
const deadline = started + minutes * 60_000;

function progress(): void {
  const s = Math.round((performance.now() - started) / 1000);
  process.stdout.write(
    `\r[${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}] cases ${cases} images ${images} ` +
      `oops/unhealthy ${oopsOrUnhealthy} emulator deaths ${emulatorDeaths} unchecked ring-0 admissions ${uncheckedAdmissions} failures ${failures.length}   `,
  );
}

while (performance.now() < deadline) {
  const run = CASES[Math.floor(next() * CASES.length)]!;
  cases++;
  try {
    const outcome = await run(h, next);
    images += outcome.images;
    uncheckedAdmissions += outcome.uncheckedAdmissions;
    byKind[outcome.kind] = (byKind[outcome.kind] ?? 0) + 1;
    if (outcome.uncheckedAdmissions) failures.push({ case: cases, kind: outcome.kind, error: `admitted to ring 0: ${outcome.detail}` });
  } catch (error) {
    failures.push({ case: cases, kind: run.name, error: (error as Error).message.slice(0, 500) });
  }
  try {
    await assertGuestHealthy(h, `case ${cases}`);
  } catch (error) {
    oopsOrUnhealthy++;
    failures.push({ case: cases, kind: 'health', error: (error as Error).message.slice(0, 500) });
    // A restarted guest has lost the test key: arm it again and go on.
    h = await armGuest(guest);
  }
  progress();
}

const report = {
  seed,
  minutes,
  cases,
  images,
  byKind,
  oopsOrUnhealthy,
  emulatorDeaths,
  uncheckedAdmissions,
  failures,
};
process.stdout.write('\n');
console.log(JSON.stringify(report, null, 2));
await mkdir('test-artifacts', { recursive: true });
await writeFile('test-artifacts/soak-guest.json', `${JSON.stringify(report, null, 2)}\n`);
await guest.vm.stop();
process.exit(failures.length || oopsOrUnhealthy || emulatorDeaths || uncheckedAdmissions ? 1 : 0);
