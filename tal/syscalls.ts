// The typed system-call imports: the whitelist of Linux i386 system calls a TAL
// program may import, with a prototype for each argument register. The guest
// kernel's gate whitelist must list exactly these numbers (docs/tal.md, "System calls").
//
// Calling convention (docs/talo.md, "gate ABI"): arguments in EBX, ECX, EDX, ESI,
// EDI, EBP; result in EAX; every other register and the stack are preserved.

import type { Reg32 } from './types.js';

export type ArgSpec =
  /** Any initialised integer. */
  | { kind: 'int' }
  /** A byte array the kernel reads ('in') or writes ('out'); `len` names the register with its length, which must be proven ≤ the array's length. */
  | { kind: 'buf'; dir: 'in' | 'out'; len: Reg32 }
  /** The length of a `buf` argument (checked together with it). */
  | { kind: 'len'; of: Reg32 }
  /** A byte array holding a NUL-terminated path the kernel reads. */
  | { kind: 'path' }
  /** A byte array of at least `bytes` bytes that the kernel reads or writes whole (a struct); optionally null. */
  | { kind: 'struct'; dir: 'in' | 'out'; bytes: number; nullable: boolean }
  /** Must be null (0): the argument exists in Linux but TAL cannot type it (e.g. a pointer the kernel reads a length through). */
  | { kind: 'null' };

export interface SyscallArg {
  reg: Reg32;
  name: string;
  spec: ArgSpec;
}

export interface SyscallProto {
  name: string;
  nr: number;
  args: SyscallArg[];
  /** exit and exit_group never return: the checker does not continue after the call. */
  noreturn: boolean;
  summary: string;
}

const int = (reg: Reg32, name: string): SyscallArg => ({ reg, name, spec: { kind: 'int' } });
const bufIn = (reg: Reg32, len: Reg32): SyscallArg[] => [
  { reg, name: 'buf', spec: { kind: 'buf', dir: 'in', len } },
  { reg: len, name: 'len', spec: { kind: 'len', of: reg } },
];
const bufOut = (reg: Reg32, len: Reg32): SyscallArg[] => [
  { reg, name: 'buf', spec: { kind: 'buf', dir: 'out', len } },
  { reg: len, name: 'len', spec: { kind: 'len', of: reg } },
];
const path = (reg: Reg32): SyscallArg => ({ reg, name: 'path', spec: { kind: 'path' } });
const struct = (reg: Reg32, name: string, dir: 'in' | 'out', bytes: number, nullable = false): SyscallArg => ({
  reg,
  name,
  spec: { kind: 'struct', dir, bytes, nullable },
});
const nil = (reg: Reg32, name: string): SyscallArg => ({ reg, name, spec: { kind: 'null' } });

const proto = (name: string, nr: number, args: SyscallArg[], summary: string, noreturn = false): SyscallProto => ({ name, nr, args, noreturn, summary });

/** sizeof(struct stat64) on i386. */
const STAT64_BYTES = 96;

export const SYSCALLS: readonly SyscallProto[] = [
  proto('exit', 1, [int('ebx', 'status')], 'end the calling thread', true),
  proto('read', 3, [int('ebx', 'fd'), ...bufOut('ecx', 'edx')], 'read up to len bytes from fd into buf'),
  proto('write', 4, [int('ebx', 'fd'), ...bufIn('ecx', 'edx')], 'write len bytes of buf to fd'),
  proto('open', 5, [path('ebx'), int('ecx', 'flags'), int('edx', 'mode')], 'open a file by path'),
  proto('close', 6, [int('ebx', 'fd')], 'close a file descriptor'),
  proto('lseek', 19, [int('ebx', 'fd'), int('ecx', 'offset'), int('edx', 'whence')], 'move a file offset'),
  proto('getpid', 20, [], 'the process id'),
  proto('nanosleep', 162, [struct('ebx', 'req', 'in', 8), struct('ecx', 'rem', 'out', 8, true)], 'sleep (struct timespec, 32-bit)'),
  proto('fstat64', 197, [int('ebx', 'fd'), struct('ecx', 'statbuf', 'out', STAT64_BYTES)], 'file status (struct stat64)'),
  proto('getdents64', 220, [int('ebx', 'fd'), ...bufOut('ecx', 'edx')], 'read directory entries (struct linux_dirent64)'),
  proto('exit_group', 252, [int('ebx', 'status')], 'end the process', true),
  proto('clock_gettime', 265, [int('ebx', 'clockid'), struct('ecx', 'tp', 'out', 8)], 'read a clock (32-bit struct timespec)'),
  proto('openat', 295, [int('ebx', 'dirfd'), path('ecx'), int('edx', 'flags'), int('esi', 'mode')], 'open a file relative to a directory fd'),
  proto(
    'fstatat64',
    300,
    [int('ebx', 'dirfd'), path('ecx'), struct('edx', 'statbuf', 'out', STAT64_BYTES), int('esi', 'flags')],
    'file status by path (struct stat64)',
  ),
  proto('socket', 359, [int('ebx', 'domain'), int('ecx', 'type'), int('edx', 'protocol')], 'create a socket'),
  proto('bind', 361, [int('ebx', 'fd'), ...bufIn('ecx', 'edx')], 'bind a socket to an address (buf holds a sockaddr)'),
  proto('connect', 362, [int('ebx', 'fd'), ...bufIn('ecx', 'edx')], 'connect a socket (buf holds a sockaddr)'),
  proto('listen', 363, [int('ebx', 'fd'), int('ecx', 'backlog')], 'listen for connections'),
  proto('accept4', 364, [int('ebx', 'fd'), nil('ecx', 'addr'), nil('edx', 'addrlen'), int('esi', 'flags')], 'accept a connection (peer address not returned)'),
  proto('setsockopt', 366, [int('ebx', 'fd'), int('ecx', 'level'), int('edx', 'optname'), ...bufIn('esi', 'edi')], 'set a socket option'),
  proto(
    'sendto',
    369,
    [int('ebx', 'fd'), ...bufIn('ecx', 'edx'), int('esi', 'flags'), nil('edi', 'dest_addr'), int('ebp', 'addrlen')],
    'send on a connected socket',
  ),
  proto('shutdown', 373, [int('ebx', 'fd'), int('ecx', 'how')], 'shut down part of a connection'),
  proto(
    'recvfrom',
    371,
    [int('ebx', 'fd'), ...bufOut('ecx', 'edx'), int('esi', 'flags'), nil('edi', 'src_addr'), nil('ebp', 'addrlen')],
    'receive from a connected socket',
  ),
  proto('clock_gettime64', 403, [int('ebx', 'clockid'), struct('ecx', 'tp', 'out', 16)], 'read a clock (64-bit struct timespec)'),
];

/** System calls that exist but can never be imported, with the reason shown to the user. */
export const FORBIDDEN_SYSCALLS: Readonly<Record<string, string>> = {
  fork: 'creates a process from the user-mode register frame, which a kernel-mode program does not have',
  vfork: 'creates a process from the user-mode register frame',
  clone: 'creates a thread or process from the user-mode register frame',
  clone3: 'creates a thread or process from the user-mode register frame',
  execve: 'replaces the program with unchecked code',
  execveat: 'replaces the program with unchecked code',
  mmap: 'would create memory the type system does not know about',
  mmap2: 'would create memory the type system does not know about',
  munmap: 'would remove memory the program’s types still point to',
  mprotect: 'could make data executable or code writable',
  mremap: 'would move memory the program’s types point to',
  brk: 'the heap is managed by the TAL runtime',
  sigaction: 'signal handlers would run unchecked entry points',
  rt_sigaction: 'signal handlers would run unchecked entry points',
  sigreturn: 'rewrites the user-mode register frame',
  rt_sigreturn: 'rewrites the user-mode register frame',
  ptrace: 'inspects and rewrites other processes',
  iopl: 'grants port I/O privileges',
  ioperm: 'grants port I/O privileges',
  modify_ldt: 'changes segment descriptors',
  set_thread_area: 'changes segment descriptors',
  vm86: 'enters virtual-8086 mode',
  vm86old: 'enters virtual-8086 mode',
  ioctl: 'its argument layout depends on the device and cannot be typed',
  process_vm_writev: 'writes another process’s memory',
};

const BY_NAME = new Map(SYSCALLS.map((p) => [p.name, p]));

export function syscallByName(name: string): SyscallProto | undefined {
  return BY_NAME.get(name);
}
