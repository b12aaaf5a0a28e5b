// Drives validation at scale: batches of generated units (one instrumented
// image runs many of them) and mutants of real programs, with a tally of what
// was generated, accepted and validated, and every finding made small.

import { buildSource } from '../build.js';
import { checkSource } from '../check-source.js';
import { featuresOf } from './features.js';
import { generateUnit, programOf, Rng } from './generator.js';
import { minimize, mutate } from './mutate.js';
import { judgeRing0, type Ring0Runner } from './ring0.js';
import { HOST, prepare, runPrepared, validateSource, type Outcome, type Prepared } from './validate.js';

export type FindingKind =
  /** A claim of the checker did not hold at run time. */
  | 'violation'
  /** The program faulted (not a division) although every claim before the faulting instruction held. */
  | 'fault'
  /** The checker accepted a program the assembler refuses (accepted code must build). */
  | 'not-assembled'
  /** The validator could not instrument an accepted program (a validator bug). */
  | 'instrument-error'
  /** The image validated on the host but ran differently in ring 0, or not in ring 0 at all. */
  | 'ring0-mismatch';

export interface Finding {
  kind: FindingKind;
  origin: string;
  message: string;
  /** The smallest program found that still shows it. */
  reproducer: string;
  /** How many more programs showed the same broken claim. */
  repeats?: number;
}

export interface Tally {
  generated: number;
  accepted: number;
  rejected: number;
  validated: number;
  inconclusive: number;
  /** Instrumented images run. */
  runs: number;
  /** The share run again in the guest in kernel mode: images, programs validated there too (every claim held in ring 0, same exit and output as on the host), and runs the guest's time limit ended. */
  ring0: { runs: number; validated: number; inconclusive: number };
  rejectCodes: Record<string, number>;
  /** Instruction forms (mnemonic and operand kinds) of the validated programs, with how many programs used each. */
  forms: Record<string, number>;
  /** Typing features (features.ts) of the validated generated units, with how many units showed each. */
  features: Record<string, number>;
  findings: Finding[];
}

export function newTally(): Tally {
  return {
    generated: 0,
    accepted: 0,
    rejected: 0,
    validated: 0,
    inconclusive: 0,
    runs: 0,
    ring0: { runs: 0, validated: 0, inconclusive: 0 },
    rejectCodes: {},
    forms: {},
    features: {},
    findings: [],
  };
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

/** A broken claim without where it broke, which registers held it, or the numbers in it. */
function findingKey(message: string): string {
  return message
    .replace(/\(actual 0x[0-9a-f]+\)/, '')
    .replace(/\S+\.tal:\d+: [^:]*: /, '')
    .replace(/\b(E[A-Z]{2}|\[esp\+\d+\])/g, 'R')
    .replace(/\d+/g, 'N');
}

function seedOf(seed: number, i: number): number {
  return (Math.imul(seed, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0;
}

/** Unit i of the batch with this seed: its name and lines (one seed names one batch of programs). */
export function generatedUnit(seed: number, i: number): { name: string; lines: string[] } {
  const name = `u${i}`;
  return { name, lines: generateUnit(new Rng(seedOf(seed, i)), name) };
}

/** The fixed-seed slice `npm test` validates: batches with seeds 1..batches, of `units` units each. */
export const FIXED_SLICE = { batches: 44, units: 50 } as const;

async function record(t: Tally, o: Outcome, count: number, origin: string, source: string, opts: CampaignOptions): Promise<void> {
  t.runs++;
  if (o.kind === 'validated') {
    t.validated += count;
    for (const f of o.forms) t.forms[f] = (t.forms[f] ?? 0) + 1;
  } else if (o.kind === 'inconclusive' && !isFault(o)) t.inconclusive += count;
  else if (o.kind === 'violation' || isFault(o) || o.kind === 'instrument-error') {
    const kind: FindingKind = o.kind === 'violation' ? 'violation' : o.kind === 'instrument-error' ? 'instrument-error' : 'fault';
    const message =
      o.kind === 'violation' ? o.message : o.kind === 'instrument-error' ? o.error : o.kind === 'inconclusive' ? `killed by ${o.run.signal}` : o.kind;
    const still = async (s: string): Promise<boolean> => {
      const r = await validateSource(s, 'repro.tal', { timeoutMs: RUN_TIMEOUT_MS });
      if (kind === 'violation') return r.kind === 'violation' && sameClaim(r.message, message);
      return kind === 'fault' ? isFault(r) : r.kind === 'instrument-error';
    };
    // the same broken claim again: counted, not minimized again
    const seen = t.findings.find((f) => f.kind === kind && findingKey(f.message) === findingKey(message));
    if (seen !== undefined) {
      seen.repeats = (seen.repeats ?? 0) + 1;
      return;
    }
    t.findings.push({ kind, origin, message, reproducer: opts.minimize === false ? source : await minimize(source, still, 150) });
  }
}

/**
 * One batch of `units` generated units: each is checked as a program of its
 * own (that is what "accepted" counts), the accepted ones run together in one
 * instrumented image. A violation is traced to its unit and minimized there.
 */
export interface CampaignOptions {
  /** Make each finding's reproducer small (costs up to a few hundred runs per new finding). */
  minimize?: boolean;
  /** Also run the batch's image, once validated on the host, in the guest in kernel mode and compare. */
  ring0?: Ring0Runner;
}

export async function generatedBatch(t: Tally, seed: number, units: number, opts: CampaignOptions = {}): Promise<void> {
  const kept: { name: string; lines: string[] }[] = [];
  for (let i = 0; i < units; i++) {
    const { name, lines } = generatedUnit(seed, i);
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
  const source = programOf(
    kept.map((k) => k.lines),
    kept.map((k) => k.name),
  );
  const file = `generated-${seed}.tal`;
  const built = buildSource(source, file);
  if (!built.ok) {
    // the checker accepted every unit: find the ones the assembler refuses
    for (const k of kept) await notAssembled(t, programOf([k.lines], [k.name]), `generated seed ${seed} ${k.name}`);
    return;
  }
  let rest = kept;
  for (;;) {
    const batch = programOf(
      rest.map((k) => k.lines),
      rest.map((k) => k.name),
    );
    const prepared = prepare(batch, file);
    const o = await runPrepared(prepared, HOST, { timeoutMs: RUN_TIMEOUT_MS });
    if (o.kind === 'validated' || (o.kind === 'inconclusive' && !isFault(o))) {
      await record(t, o, rest.length, file, batch, opts);
      if (o.kind === 'validated') for (const k of rest) for (const f of featuresOf(k.lines).keys()) t.features[f] = (t.features[f] ?? 0) + 1;
      if (o.kind === 'validated' && opts.ring0 !== undefined) await inRing0(t, prepared, o, rest.length, file, batch, opts.ring0);
      return;
    }
    // Find the unit (the first that shows the same kind of outcome alone), record it, and run the others again.
    t.runs++;
    const culprit = await firstAlone(rest, o.kind);
    if (culprit === undefined) {
      // only the combination shows it: the whole batch is the reproducer
      await record(t, o, rest.length, file, batch, opts);
      return;
    }
    await record(t, culprit.outcome, 1, `generated seed ${seed} ${culprit.unit.name}`, culprit.source, opts);
    rest = rest.filter((k) => k !== culprit.unit);
    if (rest.length === 0) return;
  }
}

/** Guest runs are slower than host runs (an emulated machine, shared with the host's work). */
const RING0_TIMEOUT_MS = 120_000;

/**
 * The image the host validated, run again in ring 0 and judged against the
 * host run. A finding there keeps the whole batch as its reproducer: making
 * it small would take hundreds of guest runs, and the host cannot show it.
 */
async function inRing0(
  t: Tally,
  prepared: Prepared,
  host: Extract<Outcome, { kind: 'validated' }>,
  count: number,
  file: string,
  batch: string,
  ring0: Ring0Runner,
): Promise<void> {
  if (!prepared.ok) return;
  t.ring0.runs++;
  const verdict = judgeRing0(host, await ring0.run(prepared.inst, { timeoutMs: RING0_TIMEOUT_MS }));
  if (verdict.kind === 'agrees') t.ring0.validated += count;
  else if (verdict.kind === 'inconclusive') t.ring0.inconclusive += count;
  else
    t.findings.push({
      kind: verdict.kind === 'violation' ? 'violation' : 'ring0-mismatch',
      origin: `${file} in the guest in kernel mode (ring 0)`,
      message: verdict.message,
      reproducer: batch,
    });
}

/** A unit that shows the outcome on its own, found by halving the batch (a few runs, not one per unit). */
async function firstAlone(
  units: { name: string; lines: string[] }[],
  kind: Outcome['kind'],
): Promise<{ unit: { name: string; lines: string[] }; outcome: Outcome; source: string } | undefined> {
  const shows = async (part: { name: string; lines: string[] }[]): Promise<Outcome | undefined> => {
    const source = programOf(
      part.map((k) => k.lines),
      part.map((k) => k.name),
    );
    const r = await validateSource(source, part.length === 1 ? `${part[0]!.name}.tal` : 'part.tal', { timeoutMs: RUN_TIMEOUT_MS });
    return r.kind === kind && (r.kind !== 'inconclusive' || isFault(r)) ? r : undefined;
  };
  let part = units;
  while (part.length > 1) {
    const half = Math.ceil(part.length / 2);
    const first = part.slice(0, half);
    if ((await shows(first)) !== undefined) part = first;
    else if ((await shows(part.slice(half))) !== undefined) part = part.slice(half);
    else return undefined;
  }
  const unit = part[0];
  if (unit === undefined) return undefined;
  const outcome = await shows([unit]);
  return outcome === undefined ? undefined : { unit, outcome, source: programOf([unit.lines], [unit.name]) };
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
export async function mutantBatch(
  t: Tally,
  seed: number,
  corpus: readonly { file: string; source: string }[],
  count: number,
  opts: CampaignOptions = {},
): Promise<void> {
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
    await record(t, o, 1, `mutant of ${base.file} (seed ${seed}, #${i})`, source, opts);
  }
}
