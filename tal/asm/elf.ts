// The same program as a static i386 ELF executable, to run as an ordinary
// Linux process (ring 3). Text segment (R+X): ELF headers, the image's code,
// one syscall gate per import, the entry stub. Data segment (RW): the image's
// data, then the heap as bss. Relocations are applied here, at link time.
//
// Gates follow the gate ABI of docs/talo.md (arguments in EBX..EBP, result in
// EAX, everything else preserved):
//   trap 'int80':    mov eax, nr; int 0x80; ret
//   trap 'sysenter': mov eax, nr; call [vsyscall]; ret   — vsyscall is the vDSO's
//                    __kernel_vsyscall (AT_SYSINFO), which enters the kernel with
//                    sysenter; the entry stub finds it in the auxiliary vector.

import { BlockEncoder, BlockEncoderOptions, Code, Instruction, MemoryOperand, Register } from 'iced-x86';
import { type TaloImage, align4, pageAlignUp } from './image.js';
import { linkImage } from './link.js';

export type TrapKind = 'int80' | 'sysenter';

export interface ElfOptions {
  trap: TrapKind;
}

const TEXT_VADDR = 0x08048000;
const EHDR_SIZE = 52;
const PHDR_SIZE = 32;
const PHDR_COUNT = 3;
const PT_LOAD = 1;
const PT_GNU_STACK = 0x6474e551;
const PF_X = 1;
const PF_W = 2;
const PF_R = 4;
const AT_SYSINFO = 32;
const SYSCALL_VECTOR = 0x80;

/** Routines of a few instructions, encoded with iced-x86's BlockEncoder at their final address. */
class Routine {
  private readonly instrs: Instruction[] = [];
  // Labels inside a routine are instruction IPs in a range no real target uses.
  private static nextLabel = 0xf0000000n;

  label(): bigint {
    return Routine.nextLabel++;
  }

  add(instr: Instruction, at?: bigint): void {
    instr.ip = at ?? Routine.nextLabel++;
    this.instrs.push(instr);
  }

  encode(address: number): Uint8Array {
    // Branch forms are kept as written so a routine's size does not depend on where it lands.
    const encoder = new BlockEncoder(32, BlockEncoderOptions.DontFixBranches);
    try {
      for (const i of this.instrs) encoder.add(i);
      return encoder.encode(BigInt(address));
    } finally {
      encoder.free();
      for (const i of this.instrs) i.free();
    }
  }
}

function absolute(address: number): MemoryOperand {
  return new MemoryOperand(Register.None, Register.None, 1, BigInt(address | 0), 4, false, Register.None);
}

function based(base: Register, index: Register, scale: number, disp: number): MemoryOperand {
  return new MemoryOperand(base, index, scale, BigInt(disp), disp === 0 ? 0 : 1, false, Register.None);
}

function gate(trap: TrapKind, nr: number, vsyscallWord: number): Routine {
  const r = new Routine();
  r.add(Instruction.createRegU32(Code.Mov_r32_imm32, Register.EAX, nr));
  if (trap === 'int80') r.add(Instruction.createU32(Code.Int_imm8, SYSCALL_VECTOR));
  else r.add(Instruction.createMem(Code.Call_rm32, absolute(vsyscallWord)));
  r.add(Instruction.create(Code.Retnd));
  return r;
}

/** Used by the sysenter variant when the kernel offers no AT_SYSINFO. */
function int80Fallback(): Routine {
  const r = new Routine();
  r.add(Instruction.createU32(Code.Int_imm8, SYSCALL_VECTOR));
  r.add(Instruction.create(Code.Retnd));
  return r;
}

/**
 * _start: EAX = ESP (the entry contract's &argc), then the prologue. The sysenter
 * variant first walks argv and envp to the auxiliary vector and stores AT_SYSINFO
 * in the vsyscall word; it leaves ECX and EDX zero as the contract asks.
 */
function entryStub(trap: TrapKind, prologue: number, vsyscallWord: number): Routine {
  const r = new Routine();
  r.add(Instruction.createRegReg(Code.Mov_rm32_r32, Register.EAX, Register.ESP));
  if (trap === 'sysenter') {
    const envLoop = r.label();
    const auxLoop = r.label();
    const found = r.label();
    const done = r.label();
    r.add(Instruction.createRegMem(Code.Mov_r32_rm32, Register.ECX, based(Register.EAX, Register.None, 1, 0)));
    r.add(Instruction.createRegMem(Code.Lea_r32_m, Register.EDX, based(Register.EAX, Register.ECX, 4, 8)));
    r.add(Instruction.createRegMem(Code.Mov_r32_rm32, Register.ECX, based(Register.EDX, Register.None, 1, 0)), envLoop);
    r.add(Instruction.createRegI32(Code.Add_rm32_imm8, Register.EDX, 4));
    r.add(Instruction.createRegReg(Code.Test_rm32_r32, Register.ECX, Register.ECX));
    r.add(Instruction.createBranch(Code.Jne_rel8_32, envLoop));
    r.add(Instruction.createRegMem(Code.Mov_r32_rm32, Register.ECX, based(Register.EDX, Register.None, 1, 0)), auxLoop);
    r.add(Instruction.createRegReg(Code.Test_rm32_r32, Register.ECX, Register.ECX));
    r.add(Instruction.createBranch(Code.Je_rel8_32, done));
    r.add(Instruction.createRegI32(Code.Cmp_rm32_imm8, Register.ECX, AT_SYSINFO));
    r.add(Instruction.createBranch(Code.Je_rel8_32, found));
    r.add(Instruction.createRegI32(Code.Add_rm32_imm8, Register.EDX, 8));
    r.add(Instruction.createBranch(Code.Jmp_rel8_32, auxLoop));
    r.add(Instruction.createRegMem(Code.Mov_r32_rm32, Register.ECX, based(Register.EDX, Register.None, 1, 4)), found);
    r.add(Instruction.createMemReg(Code.Mov_rm32_r32, absolute(vsyscallWord), Register.ECX));
    r.add(Instruction.createRegReg(Code.Xor_rm32_r32, Register.ECX, Register.ECX), done);
    r.add(Instruction.createRegReg(Code.Xor_rm32_r32, Register.EDX, Register.EDX));
  }
  r.add(Instruction.createBranch(Code.Jmp_rel32_32, BigInt(prologue)));
  return r;
}

interface TextLayout {
  codeOff: number;
  gateOffs: number[];
  fallbackOff: number;
  stubOff: number;
  textEnd: number;
  dataVaddr: number;
  vsyscallWord: number;
  heapVaddr: number;
}

function layout(image: TaloImage, trap: TrapKind, gateSizes: number[], fallbackSize: number, stubSize: number): TextLayout {
  const codeOff = align4(EHDR_SIZE + PHDR_COUNT * PHDR_SIZE);
  let at = align4(codeOff + image.code.length);
  const gateOffs = gateSizes.map((size) => {
    const off = at;
    at = align4(at + size);
    return off;
  });
  const fallbackOff = at;
  if (trap === 'sysenter') at = align4(at + fallbackSize);
  const stubOff = at;
  const textEnd = stubOff + stubSize;
  const dataVaddr = TEXT_VADDR + pageAlignUp(textEnd);
  const vsyscallWord = dataVaddr + align4(image.data.length);
  const heapVaddr = pageAlignUp(vsyscallWord + 4);
  return { codeOff, gateOffs, fallbackOff, stubOff, textEnd, dataVaddr, vsyscallWord, heapVaddr };
}

/** Encodes the routines of the text segment for a placement; the sizes do not depend on the placement. */
function routines(image: TaloImage, trap: TrapKind, L: TextLayout) {
  const gates = image.imports.map((imp, i) => gate(trap, imp.nr, L.vsyscallWord).encode(TEXT_VADDR + L.gateOffs[i]!));
  const fallback = trap === 'sysenter' ? int80Fallback().encode(TEXT_VADDR + L.fallbackOff) : new Uint8Array(0);
  const stub = entryStub(trap, TEXT_VADDR + L.codeOff + image.entry, L.vsyscallWord).encode(TEXT_VADDR + L.stubOff);
  return { gates, fallback, stub };
}

export function writeElf(image: TaloImage, options: ElfOptions): Uint8Array {
  const { trap } = options;
  // First pass at a provisional placement to learn the sizes, second at the real one.
  const provisional = layout(
    image,
    trap,
    image.imports.map(() => 0),
    0,
    0,
  );
  const sized = routines(image, trap, provisional);
  const L = layout(
    image,
    trap,
    sized.gates.map((g) => g.length),
    sized.fallback.length,
    sized.stub.length,
  );
  const { gates, fallback, stub } = routines(image, trap, L);
  if (stub.length !== sized.stub.length || gates.some((g, i) => g.length !== sized.gates[i]!.length)) {
    throw new Error('internal: ELF routine sizes depend on placement');
  }

  const linked = linkImage(image, {
    codeVaddr: TEXT_VADDR + L.codeOff,
    dataVaddr: L.dataVaddr,
    heapVaddr: L.heapVaddr,
    gate: (i) => TEXT_VADDR + L.gateOffs[i]!,
  });
  const dataOff = pageAlignUp(L.textEnd);
  const dataFileSize = L.vsyscallWord + 4 - L.dataVaddr;
  const out = new Uint8Array(dataOff + dataFileSize);
  const v = new DataView(out.buffer);

  // ELF header (32-bit, little-endian, executable, i386).
  out.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0], 0);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 3, true); // EM_386
  v.setUint32(20, 1, true); // EV_CURRENT
  v.setUint32(24, TEXT_VADDR + L.stubOff, true); // e_entry
  v.setUint32(28, EHDR_SIZE, true); // e_phoff
  v.setUint32(32, 0, true); // e_shoff
  v.setUint32(36, 0, true); // e_flags
  v.setUint16(40, EHDR_SIZE, true);
  v.setUint16(42, PHDR_SIZE, true);
  v.setUint16(44, PHDR_COUNT, true);
  v.setUint16(46, 40, true); // e_shentsize (no section headers)
  v.setUint16(48, 0, true);
  v.setUint16(50, 0, true);
  const phdr = (index: number, type: number, offset: number, vaddr: number, filesz: number, memsz: number, flags: number, align: number): void => {
    const at = EHDR_SIZE + index * PHDR_SIZE;
    for (const [k, value] of [type, offset, vaddr, vaddr, filesz, memsz, flags, align].entries()) v.setUint32(at + k * 4, value, true);
  };
  phdr(0, PT_LOAD, 0, TEXT_VADDR, L.textEnd, L.textEnd, PF_R | PF_X, 4096);
  phdr(1, PT_LOAD, dataOff, L.dataVaddr, dataFileSize, L.heapVaddr + image.heapSize - L.dataVaddr, PF_R | PF_W, 4096);
  phdr(2, PT_GNU_STACK, 0, 0, 0, 0, PF_R | PF_W, 16);

  out.set(linked.code, L.codeOff);
  gates.forEach((g, i) => out.set(g, L.gateOffs[i]!));
  out.set(fallback, L.fallbackOff);
  out.set(stub, L.stubOff);
  out.set(linked.data, dataOff);
  // Until the entry stub finds AT_SYSINFO, the vsyscall word points at the int 0x80 fallback.
  if (trap === 'sysenter') v.setUint32(dataOff + (L.vsyscallWord - L.dataVaddr), TEXT_VADDR + L.fallbackOff, true);
  return out;
}
