// The checker's abstract machine state at one program point, and its rendering
// as text (for diagnostics and the trace).

import type { CodeType, Reg32, Size, StackType, VarKind, WordType } from '../types.js';
import { spend } from './limits.js';
import { RegFile } from './regfile.js';

/** What the last cmp/test established, kept until a register it names or the flags change. */
export type Flags = { kind: 'cmp'; a: FlagOperand; b: FlagOperand } | { kind: 'test'; reg: Reg32 };

export interface FlagOperand {
  reg?: Reg32;
  type: WordType;
}

export type StackTail = Extract<StackType, { k: 'svar' } | { k: 'nil' }>;

/**
 * The stack: the slots from ESP upwards as a cons list of the stack type itself, ending in an
 * abstract tail (a stack variable or nil). The list is immutable and shared: a push adds one node
 * on top of the old stack, a pop or a call's return state reuses the nodes below, so pushes,
 * pops and calls cost what they change, not the depth of the stack.
 */
export interface Stack {
  readonly type: StackType;
  readonly depth: number;
  readonly tail: StackTail;
}
export interface State {
  regs: RegFile; // never contains esp: ESP always holds `sptr stack`
  stack: Stack;
  /** Variables in scope; replaced, never changed in place, so states share it. */
  vars: ReadonlyMap<string, VarKind>;
  flags?: Flags;
}

/** A copy whose registers can change independently; the stack and the variables are immutable, so they are shared. */
export function cloneState(s: State): State {
  const out: State = { regs: new RegFile(s.regs), stack: s.stack, vars: s.vars };
  if (s.flags !== undefined) out.flags = s.flags;
  return out;
}

declare const preState: unique symbol;

/**
 * The state before an instruction, which is where every input of the instruction is read —
 * every operand and every register an address uses — whatever the instruction writes
 * (the CPU reads all inputs before it writes any output). Operand reads take a Pre, and a
 * rule gets its Pre separately from the state it writes, so a read cannot see a write of the
 * same instruction: `xchg eax, [eax]` stores through the old EAX.
 */
export type Pre = Readonly<Omit<State, 'regs' | 'vars'>> & {
  readonly regs: ReadonlyMap<Reg32, WordType>;
  readonly vars: ReadonlyMap<string, VarKind>;
  readonly [preState]: true;
};

/** Freezes the state an instruction starts from (the stack is immutable already). */
export function snapshot(s: State): Pre {
  return cloneState(s) as unknown as Pre;
}

// Depth and tail of every cons node a Stack was made of: a stack type built on top of a known
// stack (a call's return type with the caller's stack substituted) is measured by its new nodes only.
// Kept on the node itself under a symbol (no copy, JSON or key listing sees it), not in a WeakMap:
// a push makes a node, and a WeakMap entry per node made the garbage collector's work grow with them.
const SHAPE = Symbol('stack shape');
type Shaped = StackType & { [SHAPE]?: { depth: number; tail: StackTail } };
const shapes = {
  get: (s: StackType): { depth: number; tail: StackTail } | undefined => (s as Shaped)[SHAPE],
  set: (s: StackType, shape: { depth: number; tail: StackTail }): void => {
    (s as Shaped)[SHAPE] = shape;
  },
};

export function emptyStack(tail: StackTail): Stack {
  return { type: tail, depth: 0, tail };
}

/** The Stack of a stack type; costs the nodes not seen before. */
export function flattenStack(st: StackType): Stack {
  const fresh: StackType[] = [];
  let s = st;
  let known = shapes.get(s);
  while (known === undefined && s.k === 'cons') {
    fresh.push(s);
    s = s.tail;
    known = shapes.get(s);
  }
  spend(fresh.length);
  let { depth, tail } = known ?? { depth: 0, tail: s as StackTail };
  for (let i = fresh.length - 1; i >= 0; i--) shapes.set(fresh[i]!, { depth: ++depth, tail });
  return { type: st, depth, tail };
}

/** The stack type a Stack is (shared, not copied). */
export function stackType(st: Stack): StackType {
  return st.type;
}

/** A new stack with `top` pushed, `pop` slots popped first (pop <= depth). */
export function restack(st: Stack, pop: number, top: readonly WordType[] = []): Stack {
  spend(1 + pop + top.length);
  let s = st.type;
  for (let i = 0; i < pop; i++) s = (s as Extract<StackType, { k: 'cons' }>).tail;
  let depth = st.depth - pop;
  for (let i = top.length - 1; i >= 0; i--) {
    s = { k: 'cons', head: top[i]!, tail: s };
    shapes.set(s, { depth: ++depth, tail: st.tail });
  }
  return { type: s, depth, tail: st.tail };
}

/** The type of slot i ([esp + 4i]), or undefined past the known slots; costs i. */
export function slotAt(st: Stack, i: number): WordType | undefined {
  if (i >= st.depth) return undefined;
  spend(i);
  let s = st.type as Extract<StackType, { k: 'cons' }>;
  for (let k = 0; k < i; k++) s = s.tail as Extract<StackType, { k: 'cons' }>;
  return s.head;
}

/** The stack with slot i (< depth) replaced by t; costs i. */
export function setSlot(st: Stack, i: number, t: WordType): Stack {
  const above: WordType[] = [];
  let s = st.type as Extract<StackType, { k: 'cons' }>;
  for (let k = 0; k < i; k++) {
    above.push(s.head);
    s = s.tail as Extract<StackType, { k: 'cons' }>;
  }
  above.push(t);
  return restack({ type: s.tail, depth: st.depth - i - 1, tail: st.tail }, 0, above);
}

/** Every slot, top first (for the trace: linear in the depth, and counted). */
export function slotsOf(st: Stack): WordType[] {
  spend(st.depth);
  const out: WordType[] = [];
  for (let s = st.type; s.k === 'cons'; s = s.tail) out.push(s.head);
  return out;
}

/** How many unwritten slots are on top, before the first written one (or the whole known stack). */
export function unwrittenOnTop(st: Stack): number {
  let n = 0;
  for (let s = st.type; s.k === 'cons' && s.head.k === 'uninit'; s = s.tail) n++;
  spend(n);
  return n;
}

/** Whether two stacks end in the same abstract tail. */
export function sameTail(a: Stack, b: Stack): boolean {
  return a.tail.k === b.tail.k && (a.tail.k !== 'svar' || b.tail.k !== 'svar' || a.tail.name === b.tail.name);
}

/** The state a code type describes on entry (its ∀ variables become rigid variables in scope). */
export function stateOfCodeType(ct: CodeType, outer: ReadonlyMap<string, VarKind> = new Map()): State {
  const regs = new RegFile();
  for (const [r, t] of Object.entries(ct.regs) as [Reg32, WordType][]) if (r !== 'esp') regs.set(r, t);
  const esp = ct.regs.esp;
  const stack = esp !== undefined && esp.k === 'sptr' ? flattenStack(esp.s) : emptyStack({ k: 'nil' });
  if (ct.vars.length === 0) return { regs, stack, vars: outer };
  const vars = new Map(outer);
  for (const v of ct.vars) vars.set(v.name, v.kind);
  return { regs, stack, vars };
}

/** The register-file type a state satisfies (for checking jumps and calls against a target's precondition). */
export function codeTypeOfState(s: State): CodeType {
  const regs: Partial<Record<Reg32, WordType>> = {};
  for (const [r, t] of s.regs) regs[r] = t;
  regs.esp = { k: 'sptr', s: stackType(s.stack) };
  return { vars: [], regs };
}

// ---------- rendering ----------

export function showSize(n: Size): string {
  return n.k === 'const' ? String(n.value) : n.name;
}

// Types are immutable values shared between states, so their text can be cached by identity.
const shown = new WeakMap<WordType, string>();

export function showWord(t: WordType): string {
  let text = shown.get(t);
  if (text === undefined) {
    text = renderWord(t);
    shown.set(t, text);
  }
  return text;
}

function renderWord(t: WordType): string {
  spend(1);
  switch (t.k) {
    case 'int':
      return 'int';
    case 'sing':
      return `S(${showSize(t.n)})`;
    case 'below':
      return `int${t.strict ? '<' : '<='}${showSize(t.n)}`;
    case 'tvar':
    case 'named':
      return t.name;
    case 'tuple':
      return `*[${t.fields.map((f) => showWord(f.t) + (f.init ? '' : '^u')).join(', ')}]`;
    case 'bytes':
      return `bytes(${showSize(t.n)})`;
    case 'words':
      return `words(${showSize(t.n)}, ${showWord(t.elem)})`;
    case 'code':
      return showCode(t.ct);
    case 'sptr':
      return `sptr ${showStack(t.s)}`;
    case 'exists':
      return `exists ${t.v.name}:${t.v.kind}. ${showWord(t.body)}`;
    case 'maybe':
      return `null | ${showWord(t.t)}`;
    case 'null':
      return 'null';
    case 'uninit':
      return '?';
  }
}

function showHead(t: WordType): string {
  return t.k === 'code' || t.k === 'exists' || t.k === 'maybe' ? `(${showWord(t)})` : showWord(t);
}

export function showStack(s: StackType): string {
  const parts: string[] = [];
  let st = s;
  while (st.k === 'cons') {
    parts.push(showHead(st.head));
    st = st.tail;
  }
  parts.push(st.k === 'nil' ? 'nil' : st.name);
  return parts.join(' :: ');
}

export function showCode(ct: CodeType): string {
  const q = ct.vars.length > 0 ? `forall ${ct.vars.map((v) => `${v.name}:${v.kind}`).join(', ')}. ` : '';
  const regs = (Object.entries(ct.regs) as [Reg32, WordType][]).map(([r, t]) => `${r.toUpperCase()}: ${showWord(t)}`);
  return `${q}code {${regs.join(', ')}}`;
}

export function showFlags(f: Flags): string {
  if (f.kind === 'test') return `flags: test ${f.reg}, ${f.reg}`;
  const side = (o: FlagOperand): string => (o.reg !== undefined ? `${o.reg}` : showWord(o.type));
  return `flags: cmp ${side(f.a)}, ${side(f.b)}`;
}
