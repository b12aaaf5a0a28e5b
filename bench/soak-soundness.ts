// npm run soak:soundness -- --minutes N [--out PATH] [--seed S] [--guest-share F]
// State-embedding validation of the checker for as long as asked: generated
// units in batches, and mutants of the examples and the accept corpus. Prints a
// progress line, and at the end writes a report (JSON and a readable summary):
// programs generated, accepted, validated, and each violation with a minimized
// reproducer. Exits 1 when anything was found. With --guest-share F (0 … 1),
// that fraction of the generated batches also runs in the guest in kernel mode
// (ring 0), judged against the host run (tal/validate/ring0.ts), through the
// harness that signs unchecked instrumented images (unchecked-instrumented-guest.ts).

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { generatedBatch, mutantBatch, newTally, type Tally } from '../tal/validate/campaign.js';
import { UncheckedInstrumentedGuest } from './unchecked-instrumented-guest.js';

const UNITS_PER_BATCH = 50;
const MUTANTS_PER_BATCH = 20;

function corpus(): { file: string; source: string }[] {
  const dirs = [join('tal', 'examples'), join('test', 'check', 'accept')];
  return dirs.flatMap((d) =>
    readdirSync(d)
      .filter((f) => f.endsWith('.tal'))
      .sort()
      .map((f) => ({ file: join(d, f), source: readFileSync(join(d, f), 'utf8') })),
  );
}

function summary(t: Tally, minutes: number): string {
  const per = (n: number): string => (n / Math.max(minutes, 1e-9)).toFixed(0);
  const lines = [
    `# Soundness soak: state-embedding validation of the checker`,
    ``,
    `- wall time: ${minutes.toFixed(1)} min`,
    `- programs generated: ${t.generated} (${per(t.generated)}/min)`,
    `- accepted by the checker: ${t.accepted} (${per(t.accepted)}/min); rejected: ${t.rejected}`,
    `- validated (every claim held on the path run): ${t.validated} (${per(t.validated)}/min)`,
    `- inconclusive (time limit or a division fault): ${t.inconclusive}`,
    `- instrumented images run: ${t.runs}`,
    `- validated in ring 0 too (the guest in kernel mode; same exit and output as on the host): ${t.ring0.validated} programs in ${t.ring0.runs} images${t.ring0.inconclusive > 0 ? `; ${t.ring0.inconclusive} cut off by the guest's time limit` : ''}`,
    `- rejections by code: ${
      Object.entries(t.rejectCodes)
        .sort((a, b) => b[1] - a[1])
        .map(([c, n]) => `${c} ${n}`)
        .join(', ') || 'none'
    }`,
    `- instruction forms validated: ${Object.keys(t.forms).length} — ${Object.keys(t.forms).sort().join('; ')}`,
    `- findings: ${t.findings.length}`,
  ];
  for (const f of t.findings) {
    lines.push(
      '',
      `## ${f.kind}: ${f.message}`,
      '',
      `from ${f.origin}${f.repeats !== undefined ? ` (and ${f.repeats} more programs)` : ''}; minimized reproducer:`,
      '',
      '```tal',
      f.reproducer.trimEnd(),
      '```',
    );
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '5' },
      out: { type: 'string', default: join('test-artifacts', `soak-soundness-${new Date().toISOString().replace(/[:.]/g, '-')}`) },
      seed: { type: 'string', default: String(Date.now() % 1_000_000) },
      'guest-share': { type: 'string', default: '0' },
    },
  });
  const minutes = Number(values.minutes);
  const seed = Number(values.seed);
  const share = Number(values['guest-share']);
  if (!(minutes > 0) || !Number.isInteger(seed) || !(share >= 0 && share <= 1)) {
    throw new Error('usage: soak:soundness -- --minutes N [--out PATH] [--seed S] [--guest-share F, 0 … 1]');
  }
  const files = corpus();
  const t = newTally();
  const t0 = Date.now();
  const deadline = t0 + minutes * 60_000;
  const ring0 = share > 0 ? await UncheckedInstrumentedGuest.launch() : undefined;
  let batch = 0;
  try {
    while (Date.now() < deadline) {
      // Batch b goes to ring 0 when it carries the running share past a whole number: the first batch, then evenly spread.
      const toRing0 = ring0 !== undefined && Math.ceil((batch + 1) * share) > Math.ceil(batch * share);
      await generatedBatch(t, seed + batch, UNITS_PER_BATCH, toRing0 ? { ring0 } : {});
      await mutantBatch(t, seed + batch, files, MUTANTS_PER_BATCH);
      batch++;
      const m = (Date.now() - t0) / 60_000;
      process.stdout.write(
        `\r[${m.toFixed(1)} min] generated ${t.generated}  accepted ${t.accepted}  validated ${t.validated} (${(t.validated / m).toFixed(0)}/min)${ring0 !== undefined ? `  in ring 0 ${t.ring0.validated}` : ''}  inconclusive ${t.inconclusive}  findings ${t.findings.length}   `,
      );
    }
  } finally {
    await ring0?.stop();
  }
  const elapsed = (Date.now() - t0) / 60_000;
  mkdirSync(dirname(values.out), { recursive: true });
  const text = summary(t, elapsed);
  writeFileSync(`${values.out}.json`, JSON.stringify({ seed, minutes: elapsed, guestShare: share, ...t }, null, 2));
  writeFileSync(`${values.out}.md`, text);
  process.stdout.write(`\n${text}\nreport: ${values.out}.md, ${values.out}.json (seed ${seed})\n`);
  process.exitCode = t.findings.length > 0 ? 1 : 0;
}

await main();
