// The checker's complexity limits, like the eBPF verifier's: each bounds one kind of work, so
// that checking any program — however hostile — ends in bounded time and memory. Exceeding a
// limit is the diagnostic E_COMPLEXITY naming it, never an exception, a stack overflow, an
// out-of-memory or a long hang (docs/tal.md, "Limits").

import type { WordType } from '../types.js';
import { CheckError } from './errors.js';

export const LIMITS = {
  /** Nesting of one type, also of types built by substitution at calls (source types nest at most 100). */
  typeDepth: 128,
  /** Nodes of one type written out, shared parts counted at each use (what printing or traversing it costs). */
  typeNodes: 20_000,
  /**
   * Work units of one check, about 20–30 ns of CPU each, priced in COST (calibrated with npm run
   * bench:tal: every adversarial family ends within about 0.7 s of CPU — about 1 s of wall time
   * on a loaded 2-core machine — and an honest program of about 110,000 instructions like the
   * benchmark's, the most costly per unit, fits).
   */
  work: 24_000_000,
  /** Times one untyped label's state may change before it must be annotated (E_NO_FIXPOINT). */
  visitsPerBlock: 64,
  /** Characters of type text in a --trace (the trace stops there; checking goes on). */
  traceChars: 4 * 1024 * 1024,
} as const;

/**
 * What each kind of work costs in units, measured relative to each other with npm run bench:tal
 * (the families that do mostly one kind of work): so that the work limit bounds time whatever
 * the program spends it on.
 */
export const COST = {
  /** The fixed part of checking one instruction: the pre-state, the rule, the edges (a call, which also substitutes and builds a new state, twice). */
  instruction: 80,
  /** A join at an untyped label, besides its registers, variables and slots (1 each). */
  join: 80,
  /** A stack slot or type node walked, copied, joined or printed. */
  slot: 1,
  /** A step of a type comparison. */
  compareStep: 10,
  /** A stack slot written into a --trace entry (a string kept until the check ends). */
  traceSlot: 5,
} as const;

/** A limit was exceeded: the whole check stops (the other blocks would only add more work). */
export class ComplexityError extends CheckError {
  constructor(limit: keyof typeof LIMITS, message: string) {
    super('E_COMPLEXITY', `${message} (limit ${limit} = ${LIMITS[limit].toLocaleString('en-US')})`, {
      hint: 'simplify the program: name nested types with .type, annotate labels, keep fewer values on the stack',
    });
  }
}

let workLeft: number = LIMITS.work;

/** Starts the work count of one check. */
export function startWork(): void {
  workLeft = LIMITS.work;
}

/** Work units the current check has spent. */
export function workUsed(): number {
  return LIMITS.work - workLeft;
}

/** Spends n steps of the check's work budget. */
export function spend(n: number): void {
  workLeft -= n;
  if (workLeft < 0) throw new ComplexityError('work', 'checking this program takes too many steps');
}

interface Measure {
  depth: number;
  nodes: number;
}

// Types are immutable and shared, so each node is measured once: linear in the shared graph even
// when the written-out type is exponentially large.
const measured = new WeakMap<WordType, Measure>();

function measure(t: WordType): Measure {
  const known = measured.get(t);
  if (known !== undefined) return known;
  const parts = children(t);
  let depth = 0;
  let nodes = 1;
  for (const c of parts) {
    const m = measure(c);
    depth = Math.max(depth, m.depth);
    nodes = Math.min(nodes + m.nodes, LIMITS.typeNodes + 1);
    if (depth >= LIMITS.typeDepth) break;
  }
  const m = { depth: depth + 1, nodes };
  measured.set(t, m);
  return m;
}

function children(t: WordType): WordType[] {
  switch (t.k) {
    case 'tuple':
      return t.fields.map((f) => f.t);
    case 'words':
      return [t.elem];
    case 'maybe':
      return [t.t];
    case 'exists':
      return [t.body];
    case 'code':
      return Object.values(t.ct.regs).filter((r): r is WordType => r !== undefined);
    case 'sptr': {
      const out: WordType[] = [];
      for (let s = t.s; s.k === 'cons'; s = s.tail) out.push(s.head);
      return out;
    }
    default:
      return [];
  }
}

/**
 * Refuses a type past the depth or size limit. Types only grow by substitution at calls (a
 * polymorphic callee's result type with its variables replaced), so the call rule checks the
 * types it produces; the measure's own recursion is bounded because every type it meets was
 * built from measured parts.
 */
export function boundType(t: WordType, where: string): void {
  const m = measure(t);
  if (m.depth > LIMITS.typeDepth) throw new ComplexityError('typeDepth', `${where} would have a type nested more than ${LIMITS.typeDepth} levels deep`);
  if (m.nodes > LIMITS.typeNodes)
    throw new ComplexityError('typeNodes', `${where} would have a type of more than ${LIMITS.typeNodes.toLocaleString('en-US')} parts`);
}
