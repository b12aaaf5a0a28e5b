// Reads the results `npm run bench` writes to bench/results/*.json and pairs
// each with the figure the Kernel Mode Linux paper reports for the same
// benchmark, for the benchmarks view. A file may hold one point, an array of
// points, or { points: [...] }; anything else is reported as a problem, not
// skipped silently.

import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { BenchPoint, BenchReply } from '../../preload/contract.js';

/** What the paper measured, keyed by benchmark name: kernel mode vs user mode. */
export const PAPER_FIGURES: Readonly<Record<string, { metric: string; value: number; unit: string }>> = {
  find: { metric: 'kernel-mode speedup', value: 14, unit: '%' },
  echod: { metric: 'kernel-mode latency reduction', value: 4, unit: 'µs' },
};

const point = z.object({
  name: z.string().min(1).max(64),
  metric: z.string().min(1).max(128),
  ours: z.number().finite(),
  paper: z.number().finite().optional(),
  unit: z.string().max(16),
});
const resultFile = z.union([point, z.array(point), z.object({ points: z.array(point) })]);

export async function readBenchResults(dir: string): Promise<BenchReply> {
  const reply: BenchReply = { directory: dir, files: [], points: [], problems: [] };
  let names: string[];
  try {
    // latest.json is a copy of the newest timestamped run; reading it too would count that run twice.
    names = (await readdir(dir)).filter((n) => n.endsWith('.json') && n !== 'latest.json').sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return reply;
    throw err;
  }
  for (const name of names) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(path.join(dir, name), 'utf8'));
    } catch (err) {
      reply.problems.push(`${name}: ${(err as Error).message}`);
      continue;
    }
    const result = resultFile.safeParse(parsed);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      reply.problems.push(`${name}: ${issue.path.join('.') || 'file'}: ${issue.message}`);
      continue;
    }
    const points = Array.isArray(result.data) ? result.data : 'points' in result.data ? result.data.points : [result.data];
    reply.files.push(name);
    reply.points.push(...points.map(withPaperFigure));
  }
  return reply;
}

function withPaperFigure(p: z.infer<typeof point>): BenchPoint {
  const paper = p.paper ?? PAPER_FIGURES[p.name]?.value;
  return { name: p.name, metric: p.metric, ours: p.ours, unit: p.unit, ...(paper !== undefined ? { paper } : {}) };
}
