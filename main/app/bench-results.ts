// Reads the results `npm run bench` writes to bench/results/*.json (and
// --quick's bench/results/quick/*.json) for the benchmarks view: one run per
// file, newest first, each dated and labelled with the machine it ran on, its
// kernel-mode speed-ups beside the paper's as ratios, and its speed goals.
// Older files are still read: a bare point, an array of points or
// { points: [...] } without dates or machine (dated by file name or mtime).
// Anything unreadable is reported as a problem, not skipped silently.

import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { BenchGoal, BenchMachine, BenchPoint, BenchRatio, BenchReply, BenchRun } from '../../preload/contract.js';
import { paperFigure, speedupRatio, type Measure } from './paper-figures.js';

/** Larger files are not results of ours (a full run writes ≈ 20 kB). */
const MAX_FILE_BYTES = 4 * 1024 * 1024;
const QUICK_DIR = 'quick';

const point = z.object({
  name: z.string().min(1).max(64),
  metric: z.string().min(1).max(128),
  ours: z.number().finite(),
  paper: z.number().finite().optional(),
  unit: z.string().max(16),
});
const measure = z.enum(['times-cheaper', 'percent-lower', 'difference']);
const experiment = z.object({
  id: z.string().min(1).max(64),
  title: z.string().max(200),
  unit: z.string().max(16),
  modes: z.array(z.object({ mode: z.string().max(32), unavailable: z.string().max(1000).optional() })),
  unresolved: z.string().max(1000).optional(),
  comparison: z
    .object({
      fasterTrap: z.string().max(32),
      user: z.number().finite(),
      kernel: z.number().finite().positive(),
      target: z.object({ measure, text: z.string().max(200), achieved: z.number(), met: z.boolean() }).optional(),
    })
    .optional(),
});
const bound = z.object({ what: z.string().max(200), unit: z.string().max(32), target: z.number(), value: z.number(), met: z.boolean() });
/** A full report (bench/report.ts BenchReport); only the fields the view shows are checked. */
const report = z.object({
  kind: z.literal('tal-lab-bench'),
  startedAt: z.iso.datetime(),
  quick: z.boolean(),
  host: z
    .object({
      cpu: z.string().max(200),
      cores: z.number().int().positive(),
      node: z.string().max(32),
      os: z.string().max(200),
      memoryGiB: z.number(),
      loadAverage1m: z.number(),
    })
    .partial(),
  guest: z.record(z.string(), z.union([z.string(), z.number()])),
  experiments: z.array(experiment),
  bounds: z.array(bound).optional(),
  points: z.array(point),
});
const legacy = z.union([point, z.array(point), z.object({ points: z.array(point) })]);

export async function readBenchResults(dir: string): Promise<BenchReply> {
  const reply: BenchReply = { directory: dir, runs: [], problems: [] };
  for (const name of [...(await resultNames(dir)), ...(await resultNames(path.join(dir, QUICK_DIR))).map((n) => `${QUICK_DIR}/${n}`)]) {
    const run = await readRun(dir, name);
    if (typeof run === 'string') reply.problems.push(`${name}: ${run}`);
    else reply.runs.push(run);
  }
  reply.runs.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.file.localeCompare(a.file));
  return reply;
}

async function resultNames(dir: string): Promise<string[]> {
  try {
    // latest.json is a copy of the newest timestamped run; reading it too would count that run twice.
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && e.name.endsWith('.json') && e.name !== 'latest.json').map((e) => e.name);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw err;
  }
}

/** One file as a run, or why it cannot be read. */
async function readRun(dir: string, name: string): Promise<BenchRun | string> {
  const file = path.join(dir, name);
  let parsed: unknown;
  let mtime: Date;
  try {
    const info = await stat(file);
    if (info.size > MAX_FILE_BYTES) return `${info.size} bytes: larger than a result file (${MAX_FILE_BYTES} bytes at most)`;
    mtime = info.mtime;
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    return (err as Error).message;
  }
  const full = report.safeParse(parsed);
  if (full.success) return fullRun(name, full.data);
  // A file that says it is a full report must be one: falling back to the old shapes would hide what is wrong with it.
  const claimsFull = typeof parsed === 'object' && parsed !== null && (parsed as { kind?: unknown }).kind === 'tal-lab-bench';
  const old = claimsFull ? undefined : legacy.safeParse(parsed);
  if (!old?.success) {
    const issue = (old?.error ?? full.error).issues[0]!;
    return `${issue.path.join('.') || 'file'}: ${issue.message}`;
  }
  const points = Array.isArray(old.data) ? old.data : 'points' in old.data ? old.data.points : [old.data];
  return legacyRun(name, points, mtime);
}

function fullRun(file: string, r: z.infer<typeof report>): BenchRun {
  const { cpu = 'CPU not recorded', ...rest } = r.host;
  const machine: BenchMachine = { cpu, ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) };
  const ratios: BenchRatio[] = [];
  const goals: BenchGoal[] = [];
  for (const e of r.experiments) {
    const kernel = e.modes.find((m) => m.mode === 'kernel');
    if (!kernel) continue; // a trap-only reference (getpid-c): nothing to compare kernel mode with
    const c = e.comparison;
    const ours = c
      ? { ours: c.user / c.kernel, oursBasis: `${c.fasterTrap} ${fmt(c.user)} ${e.unit} ÷ kernel ${fmt(c.kernel)} ${e.unit}` }
      : { oursBasis: e.unresolved ?? `kernel mode not run${kernel.unavailable ? `: ${kernel.unavailable}` : ''}` };
    ratios.push({ experiment: e.id, title: e.title, ...ours, ...paperRatio(e.id) });
    if (c?.target) goals.push({ what: e.title, measured: achieved(c.target.measure, c.target.achieved, e.unit), target: c.target.text, met: c.target.met });
  }
  for (const b of r.bounds ?? []) goals.push({ what: b.what, measured: `${Math.round(b.value)} ${b.unit}`, target: `≤ ${b.target} ${b.unit}`, met: b.met });
  const guest = ['kernel', 'memoryMiB', 'emulator']
    .filter((k) => r.guest[k] !== undefined)
    .map((k) => (k === 'memoryMiB' ? `${r.guest[k]} MiB` : String(r.guest[k])));
  return {
    file,
    startedAt: r.startedAt,
    dated: 'recorded',
    quick: r.quick || inQuickDir(file),
    machine,
    ...(guest.length > 0 ? { guest: guest.join(', ') } : {}),
    ratios,
    ...(goals.length > 0 || r.bounds ? { goals } : {}),
    points: r.points.map(withPaperFigure),
  };
}

const USER_MODES = ['user', 'user-sysenter'];

/** A file from before full reports: ratios only where it holds per-mode medians ("find user", "find kernel"). */
function legacyRun(file: string, points: ReadonlyArray<z.infer<typeof point>>, mtime: Date): BenchRun {
  const ids = [...new Set(points.map((p) => p.name.split(' ')[0]!))].filter((id) => paperFigure(id) || points.some((p) => p.name === `${id} kernel`));
  const ratios = ids.map((id): BenchRatio => {
    const kernel = points.find((p) => p.name === `${id} kernel`);
    const users = points.filter((p) => USER_MODES.some((m) => p.name === `${id} ${m}`));
    const faster = users.reduce<(typeof users)[number] | undefined>((a, b) => (a === undefined || b.ours < a.ours ? b : a), undefined);
    const ours =
      kernel && faster && kernel.ours > 0
        ? {
            ours: faster.ours / kernel.ours,
            oursBasis: `${faster.name.slice(id.length + 1)} ${fmt(faster.ours)} ${faster.unit} ÷ kernel ${fmt(kernel.ours)} ${kernel.unit}`,
          }
        : { oursBasis: 'this file has no per-mode medians to form a ratio' };
    return { experiment: id, title: id, ...ours, ...paperRatio(id) };
  });
  const stamp = stampDate(file);
  return {
    file,
    startedAt: stamp ?? mtime.toISOString(),
    dated: stamp ? 'file-name' : 'file-time',
    quick: inQuickDir(file),
    ratios,
    points: points.map(withPaperFigure),
  };
}

function inQuickDir(file: string): boolean {
  return file.startsWith(`${QUICK_DIR}/`);
}

function paperRatio(id: string): Pick<BenchRatio, 'paper' | 'paperBasis'> {
  const f = paperFigure(id);
  if (!f) return { paperBasis: 'the paper has no figure for this experiment' };
  const ratio = speedupRatio(f);
  if (ratio === undefined) return { paperBasis: `${f.text}: a difference without the base time, so no ratio` };
  return { paper: ratio, paperBasis: f.measure === 'percent-lower' ? `${f.text}: 100 ÷ (100 − ${f.value})` : f.text };
}

/** writeReport's file names: bench-2026-11-25T10-09-12-111Z.json. */
function stampDate(file: string): string | undefined {
  const m = /bench-(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z\.json$/.exec(file);
  if (!m) return undefined;
  const iso = `${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`;
  return Number.isNaN(Date.parse(iso)) ? undefined : iso;
}

function achieved(m: Measure, value: number, unit: string): string {
  return m === 'times-cheaper' ? `${fmt(value)}×` : m === 'percent-lower' ? `${fmt(value)}%` : `${fmt(value)} ${unit}`;
}

function withPaperFigure(p: z.infer<typeof point>): BenchPoint {
  // Headline points are named after their experiment (bench/report.ts benchPoints).
  const paper = p.paper ?? paperFigure(p.name)?.value;
  return { name: p.name, metric: p.metric, ours: p.ours, unit: p.unit, ...(paper !== undefined ? { paper } : {}) };
}

/** Three significant digits, no trailing zeros: 758, 86, 1.23. */
function fmt(v: number): string {
  return Math.abs(v) >= 1000 ? String(Math.round(v)) : String(Number(v.toPrecision(3)));
}
