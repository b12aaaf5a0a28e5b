// Drives validation at scale: batches of generated units (one instrumented
// image runs many of them) and mutants of real programs, with a tally of what
// was generated, accepted and validated, and every finding made small.

import { buildSource } from '../build.js';
import { checkSource } from '../check-source.js';
import { generateUnit, programOf, Rng } from './generator.js';
import { minimize, mutate } from './mutate.js';
import { validateSource, type Outcome } from './validate.js';

export type FindingKind =
  /** A claim of the checker did not hold at run time. */
  | 'violation'
  /** The program faulted (not a division) although every claim before the faulting instruction held. */
  | 'fault'
  /** The checker accepted a program the assembler refuses (accepted code must build). */
  | 'not-assembled'
  /** The validator could not instrument an accepted program (a validator bug). */
  | 'instrument-error';

export interface Finding {
  kind: FindingKind;
  origin: string;
  message: string;
  /** The smallest program found that still shows it. */
  reproducer: string;
}

export interface Tally {
  generated: number;
  accepted: number;
  rejected: number;
  validated: number;
  inconclusive: number;
  /** Instrumented images run. */
  runs: number;
  rejectCodes: Record<string, number>;
  /** Instruction forms (mnemonic and operand kinds) of the validated programs, with how many programs used each. */
  forms: Record<string, number>;
  findings: Finding[];
}

export function newTally(): Tally {
  return { generated: 0, accepted: 0, rejected: 0, validated: 0, inconclusive: 0, runs: 0, rejectCodes: {}, forms: {}, findings: [] };
}

const RUN_TIMEOUT_MS = 10_000;

/** Signals that are not findings: a division by zero or overflow is a documented run-time fault. */
function isFault(o: Outcome): boolean {
  return o.kind === 'inconclusive' && !o.run.timedOut && o.run.signal !== undefined && o.run.signal !== 'SIGFPE';
}

/** The same broken claim, wherever the minimizer moved it: the message without its file and line. */
function sameClaim(a: string, b: string): boolean {
  const strip = (m: string): string => m.replace(/\S+\.tal:\d+: /, '').replace(/\(actual 0x[0-9a-f]+\)/, '');
  return strip(a) === strip(b);
}

function seedOf(seed: number, i: number): number {
  return (Math.imul(seed, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0;
}

async function record(t: Tally, o: Outcome, count: number, origin: string, source: string): Promise<void> {
  t.runs++;
  if (o.kind === 'validated') {
    t.validated += count;
    for (const f of o.forms) t.forms[f] = (t.forms[f] ?? 0) + 1;
  }
  else if (o.kind === 'inconclusive' && !isFault(o)) t.inconclusive += count;
  else if (o.kind === 'violation' || isFault(o) || o.kind === 'instrument-error') {
    const kind: FindingKind = o.kind === 'violation' ? 'violation' : o.kind === 'instrument-error' ? 'instrument-error' : 'fault';
    const message = o.kind === 'violation' ? o.message : o.kind === 'instrument-error' ? o.error : o.kind === 'inconclusive' ? `killed by ${o.run.signal}` : o.kind;
    const still = async (s: string): Promise<boolean> => {
      const r = await validateSource(s, 'repro.tal', { timeoutMs: RUN_TIMEOUT_MS });
      if (kind === 'violation') return r.kind === 'violation' && sameClaim(r.message, message);
      return kind === 'fault' ? isFault(r) : r.kind === 'instrument-error';
    };
    t.findings.push({ kind, origin, message, reproducer: await minimize(source, still, 150) });
  }
}

/**
 * One batch of `units` generated units: each is checked as a program of its
 * own (that is what "accepted" counts), the accepted ones run together in one
 * instrumented image. A violation is traced to its unit and minimized there.
 */
export async function generatedBatch(t: Tally, seed: number, units: number): Promise<void> {
  const kept: { name: string; lines: string[] }[] = [];
  for (let i = 0; i < units; i++) {
    const name = `u${i}`;
    const lines = generateUnit(new Rng(seedOf(seed, i)), name);
    t.generated++;
    const alone = checkSource(programOf([lines], [name]), `${name}.tal`);
    if (!alone.ok) {
      t.rejected++;
      const code = alone.diagnostics.find((d) => d.severity === 'error')?.code ?? '?';
      t.rejectCodes[code] = (t.rejectCodes[code] ?? 0) + 1;
      continue;
    }
    t.accepted++;
    kept.push({ name, lines });
  }
  if (kept.length === 0) return;
  const source = programOf(kept.map((k) => k.lines), kept.map((k) => k.name));
  const file = `generated-${seed}.tal`;
  const built = buildSource(source, file);
  if (!built.ok) {
    // the checker accepted every unit: find the ones the assembler refuses
    for (const k of kept) await notAssembled(t, programOf([k.lines], [k.name]), `generated seed ${seed} ${k.name}`);
    return;
  }
  const o = await validateSource(source, file, { timeoutMs: RUN_TIMEOUT_MS });
  if (o.kind === 'validated' || (o.kind === 'inconclusive' && !isFault(o))) {
    await record(t, o, kept.length, file, source);
    return;
  }
  // Find the unit: the first one that shows the same kind of outcome alone.
  t.runs++;
  for (const k of kept) {
    const one = programOf([k.lines], [k.name]);
    const r = await validateSource(one, `${k.name}.tal`, { timeoutMs: RUN_TIMEOUT_MS });
    if (r.kind === o.kind && (r.kind !== 'inconclusive' || isFault(r))) {
      await record(t, r, 1, `generated seed ${seed} ${k.name}`, one);
      t.validated += kept.length - 1;
      return;
    }
  }
  // Only the combination shows it: keep the whole batch as the reproducer.
  await record(t, o, kept.length, file, source);
}

/**
 * Records an accepted program the assembler refuses (once per kind of
 * refusal: the diagnostic's code and message with numbers left out), made
 * small. Returns whether it was refused.
 */
async function notAssembled(t: Tally, source: string, origin: string): Promise<boolean> {
  const b = buildSource(source, 'repro.tal');
  if (b.ok) return false;
  const d = b.diagnostics.find((x) => x.severity === 'error');
  const message = `${d?.code ?? '?'}: ${d?.message ?? ''}`;
  const kindOf = (m: string): string => m.replace(/\d+/g, 'N');
  if (t.findings.some((f) => f.kind === 'not-assembled' && kindOf(f.message) === kindOf(message))) return true;
  const still = async (s: string): Promise<boolean> => {
    if (!checkSource(s, 'repro.tal').ok) return false;
    const r = buildSource(s, 'repro.tal');
    const e = r.diagnostics.find((x) => x.severity === 'error');
    return !r.ok && kindOf(`${e?.code ?? '?'}: ${e?.message ?? ''}`) === kindOf(message);
  };
  t.findings.push({ kind: 'not-assembled', origin: `${origin}, at: ${d?.instruction ?? '?'}`, message, reproducer: await minimize(source, still) });
  return true;
}

/** Programs whose run waits for the outside world (a server): not run, only mutated ones that no longer wait would be. */
function waitsForever(source: string): boolean {
  return /\baccept4\b/.test(source);
}

/** `count` mutants of the given programs; the accepted ones are validated one by one. */
export async function mutantBatch(t: Tally, seed: number, corpus: readonly { file: string; source: string }[], count: number): Promise<void> {
  const rng = new Rng(seed);
  const usable = corpus.filter((c) => !waitsForever(c.source));
  for (let i = 0; i < count; i++) {
    const base = rng.pick(usable);
    const source = mutate(base.source, rng);
    if (source === undefined) continue;
    t.generated++;
    const c = checkSource(source, base.file);
    if (!c.ok) {
      t.rejected++;
      const code = c.diagnostics.find((d) => d.severity === 'error')?.code ?? '?';
      t.rejectCodes[code] = (t.rejectCodes[code] ?? 0) + 1;
      continue;
    }
    t.accepted++;
    if (await notAssembled(t, source, `mutant of ${base.file}`)) continue;
    const o = await validateSource(source, base.file, { timeoutMs: 3_000, args: ['x', 'yz'] });
    await record(t, o, 1, `mutant of ${base.file} (seed ${seed}, #${i})`, source);
  }
}
