// npm run soak:soundness -- --minutes N [--out PATH] [--seed S]
// State-embedding validation of the checker for as long as asked: generated
// units in batches, and mutants of the examples and the accept corpus. Prints a
// progress line, and at the end writes a report (JSON and a readable summary):
// programs generated, accepted, validated, and each violation with a minimized
// reproducer. Exits 1 when anything was found.

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { generatedBatch, mutantBatch, newTally, type Tally } from '../tal/validate/campaign.js';

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
    `- rejections by code: ${Object.entries(t.rejectCodes).sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ') || 'none'}`,
    `- instruction forms validated: ${Object.keys(t.forms).length} — ${Object.keys(t.forms).sort().join('; ')}`,
    `- findings: ${t.findings.length}`,
  ];
  for (const f of t.findings) {
    lines.push('', `## ${f.kind}: ${f.message}`, '', `from ${f.origin}${f.repeats !== undefined ? ` (and ${f.repeats} more programs)` : ''}; minimized reproducer:`, '', '```tal', f.reproducer.trimEnd(), '```');
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { minutes: { type: 'string', default: '5' }, out: { type: 'string', default: join('test-artifacts', `soak-soundness-${new Date().toISOString().replace(/[:.]/g, '-')}`) }, seed: { type: 'string', default: String(Date.now() % 1_000_000) } },
  });
  const minutes = Number(values.minutes);
  const seed = Number(values.seed);
  if (!(minutes > 0) || !Number.isInteger(seed)) throw new Error('usage: soak:soundness -- --minutes N [--out PATH] [--seed S]');
  const files = corpus();
  const t = newTally();
  const t0 = Date.now();
  const deadline = t0 + minutes * 60_000;
  let batch = 0;
  while (Date.now() < deadline) {
    await generatedBatch(t, seed + batch, UNITS_PER_BATCH);
    await mutantBatch(t, seed + batch, files, MUTANTS_PER_BATCH);
    batch++;
    const m = (Date.now() - t0) / 60_000;
    process.stdout.write(
      `\r[${m.toFixed(1)} min] generated ${t.generated}  accepted ${t.accepted}  validated ${t.validated} (${(t.validated / m).toFixed(0)}/min)  inconclusive ${t.inconclusive}  findings ${t.findings.length}   `,
    );
  }
  const elapsed = (Date.now() - t0) / 60_000;
  mkdirSync(dirname(values.out), { recursive: true });
  const text = summary(t, elapsed);
  writeFileSync(`${values.out}.json`, JSON.stringify({ seed, minutes: elapsed, ...t }, null, 2));
  writeFileSync(`${values.out}.md`, text);
  process.stdout.write(`\n${text}\nreport: ${values.out}.md, ${values.out}.json (seed ${seed})\n`);
  process.exitCode = t.findings.length > 0 ? 1 : 0;
}

await main();
