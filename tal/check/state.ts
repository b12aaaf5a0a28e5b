// The checker's abstract machine state at one program point, and its rendering
// as text (for diagnostics and the trace).

import type { CodeType, Reg32, Size, StackType, VarKind, WordType } from '../types.js';
import { spend } from './limits.js';

/** What the last cmp/test established, kept until a register it names or the flags change. */
export type Flags =
  | { kind: 'cmp'; a: FlagOperand; b: FlagOperand }
  | { kind: 'test'; reg: Reg32 };

export interface FlagOperand {
  reg?: Reg32;
  type: WordType;
}

/** The stack as slots from ESP upwards, then an abstract tail (a stack variable or nil). */
export interface Stack {
  readonly slots: readonly WordType[];
  readonly tail: Extract<StackType, { k: 'svar' } | { k: 'nil' }>;
}

export interface State {
  regs: Map<Reg32, WordType>; // never contains esp: ESP always holds `sptr stack`
  stack: Stack;
  vars: Map<string, VarKind>;
  flags?: Flags;
}

/** A copy whose maps can change independently; the stack is immutable, so it is shared. */
export function cloneState(s: State): State {
  const out: State = { regs: new Map(s.regs), stack: s.stack, vars: new Map(s.vars) };
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

/** A new stack with `top` pushed, `pop` slots popped first. */
export function restack(st: Stack, pop: number, top: readonly WordType[] = []): Stack {
  spend(st.slots.length);
  return { slots: [...top, ...st.slots.slice(pop)], tail: st.tail };
}

export function flattenStack(st: StackType): Stack {
  const slots: WordType[] = [];
  let s = st;
  while (s.k === 'cons') {
    slots.push(s.head);
    s = s.tail;
  }
  spend(slots.length);
  return { slots, tail: s };
}

export function stackType(st: Stack): StackType {
  spend(st.slots.length);
  let out: StackType = st.tail;
  for (let i = st.slots.length - 1; i >= 0; i--) out = { k: 'cons', head: st.slots[i]!, tail: out };
  return out;
}

/** The state a code type describes on entry (its ∀ variables become rigid variables in scope). */
export function stateOfCodeType(ct: CodeType, outer: ReadonlyMap<string, VarKind> = new Map()): State {
  const regs = new Map<Reg32, WordType>();
  for (const [r, t] of Object.entries(ct.regs) as [Reg32, WordType][]) if (r !== 'esp') regs.set(r, t);
  const esp = ct.regs.esp;
  const stack = esp !== undefined && esp.k === 'sptr' ? flattenStack(esp.s) : { slots: [], tail: { k: 'nil' as const } };
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
