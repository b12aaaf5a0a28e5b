// The rule for calling a typed system-call import: every argument register must
// match its prototype; a buffer must be a byte array the program owns whose
// length is proven ≥ the length argument (eBPF's ARG_PTR_TO_MEM + ARG_CONST_SIZE).

import type { SyscallArg, SyscallProto } from '../syscalls.js';
import type { WordType } from '../types.js';
import { fail } from './errors.js';
import type { StepOut } from './rule.js';
import { showSize, showWord, type State } from './state.js';
import { Comparer } from './subtype.js';
import { isIntLike, isZeroWord, type TypeDefs } from './word-kinds.js';

function argType(s: State, proto: SyscallProto, a: SyscallArg): WordType {
  const t = s.regs.get(a.reg);
  if (t === undefined || t.k === 'uninit') {
    fail('E_SYSCALL_ARG', `${proto.name} needs its ${a.name} argument in ${a.reg}, which holds no value`, { expected: describeSpec(proto, a) });
  }
  return t!;
}

function describeSpec(proto: SyscallProto, a: SyscallArg): string {
  const spec = a.spec;
  switch (spec.kind) {
    case 'int':
      return 'int';
    case 'buf':
      return `bytes(n) (the buffer, ${spec.dir === 'out' ? 'written' : 'read'} by the kernel)`;
    case 'len':
      return `int<=n where ${spec.of} holds bytes(n)`;
    case 'path':
      return 'bytes(n) holding a NUL-terminated path';
    case 'struct':
      return `bytes(n) with n ≥ ${spec.bytes}${spec.nullable ? ', or null' : ''}`;
    case 'null':
      return `null (TAL does not support ${proto.name}'s ${a.name} argument)`;
  }
}

function checkArg(s: State, defs: TypeDefs, proto: SyscallProto, a: SyscallArg): void {
  const t = argType(s, proto, a);
  const where = `${proto.name}'s ${a.name} argument (${a.reg})`;
  const bad = (message: string, hint?: string): never =>
    fail('E_SYSCALL_ARG', message, { expected: describeSpec(proto, a), found: showWord(t), ...(hint !== undefined ? { hint } : {}) });
  const spec = a.spec;
  switch (spec.kind) {
    case 'int':
      if (!isIntLike(t)) bad(`${where} must be an integer`);
      return;
    case 'null':
      if (!isZeroWord(t)) bad(`${where} must be null`, `set it to 0: xor ${a.reg}, ${a.reg}`);
      return;
    case 'path':
      if (t.k !== 'bytes') bad(`${where} must be a byte array`);
      return;
    case 'struct': {
      if (spec.nullable && isZeroWord(t)) return;
      if (t.k !== 'bytes') bad(`${where} must be a byte array`);
      const n = (t as Extract<WordType, { k: 'bytes' }>).n;
      if (n.k !== 'const' || n.value < spec.bytes)
        bad(`${where} must be at least ${spec.bytes} bytes long`, n.k === 'var' ? `its length ${showSize(n)} is not known to be ≥ ${spec.bytes}` : undefined);
      return;
    }
    case 'buf': {
      if (t.k !== 'bytes') {
        bad(
          `${where} must be a byte array the program owns`,
          t.k === 'exists' ? `unpack ${a.reg} first` : 'the kernel may only touch memory the program owns, with a known length',
        );
      }
      const n = (t as Extract<WordType, { k: 'bytes' }>).n;
      const lenArg = proto.args.find((x) => x.reg === spec.len)!;
      const lenT = argType(s, proto, lenArg);
      if (!new Comparer(defs).word(lenT, { k: 'below', n, strict: false })) {
        fail('E_SYSCALL_LEN', `${proto.name}'s length (${spec.len}) is not proven ≤ the length of the buffer in ${a.reg}`, {
          expected: `int<=${showSize(n)}`,
          found: showWord(lenT),
          hint: `bound it: cmp ${spec.len}, LEN / ja too_long (LEN from mov LEN, [${a.reg}-4]) or use a constant ≤ the array's length`,
        });
      }
      return;
    }
    case 'len':
      return; // checked with its buffer
  }
}

/** call IMPORT: arguments checked, EAX gets the result, other registers and the stack are preserved, flags are not. */
export function syscallCall(s: State, proto: SyscallProto, defs: TypeDefs): StepOut {
  for (const a of proto.args) checkArg(s, defs, proto, a);
  if (proto.noreturn) return { edges: [] };
  s.regs.set('eax', { k: 'int' });
  delete s.flags;
  return { next: s, edges: [] };
}
