// The toolchain's command line: check, build, disasm, and the machinery every
// `tal` command shares (argument parsing, usage errors, exit codes). `tal run`
// needs the guest, so it is composed outside the toolchain (main/cli/tal.ts):
// tal/ never depends on main/.
// Exit codes: 0 accepted/succeeded, 1 rejected (syntax or type error, refused image, failed run), 2 usage or I/O error.

import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { disassembleTalo, formatDisassembly } from './asm/disasm.js';
import type { TrapKind } from './asm/elf.js';
import { buildSource } from './build.js';
import { checkSource } from './check-source.js';
import { formatDiagnostic, type Diagnostic, type TypeStateEntry } from './diagnostics.js';

export const EXIT_OK = 0;
export const EXIT_REJECTED = 1;
export const EXIT_USAGE = 2;

const EXIT_STATUS_TEXT = 'exit status: 0 accepted (run: exited 0), 1 rejected (run: refused or non-zero exit), 2 usage, I/O or guest error';

export class UsageError extends Error {}

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const stdio: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

export function writeOutput(path: string, bytes: Uint8Array): void {
  try {
    writeFileSync(path, bytes);
  } catch (e) {
    throw new UsageError(`cannot write ${path}: ${(e as Error).message}`);
  }
}

export function parse(args: string[], options: ParseArgsConfig['options']): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const r = parseArgs({ args, options: options ?? {}, allowPositionals: true, strict: true });
    return { values: r.values as Record<string, string | boolean | undefined>, positionals: r.positionals };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function oneFile(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected one ${what}, found ${positionals.length}`);
  return positionals[0]!;
}

export function printDiagnostics(io: Io, diagnostics: Diagnostic[]): void {
  for (const d of diagnostics) io.err(`${formatDiagnostic(d)}\n`);
}

/** The eBPF-verifier-style log: each instruction with the state the checker knew before it. */
export function formatTrace(trace: TypeStateEntry[]): string {
  const lines: string[] = [];
  let label = '';
  for (const t of trace) {
    if (t.label !== label) {
      lines.push(`${t.label}:`);
      label = t.label;
    }
    lines.push(`${String(t.line).padStart(5)}: ${t.instruction}`);
    const regs = Object.entries(t.regs).map(([r, ty]) => `${r.toUpperCase()}: ${ty}`);
    lines.push(`         regs  ${regs.length > 0 ? regs.join(', ') : '(none)'}`);
    lines.push(`         stack ${t.stack.join(' :: ')}`);
    if (t.facts.length > 0) lines.push(`         facts ${t.facts.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}

function cmdCheck(args: string[], io: Io): number {
  const { values, positionals } = parse(args, { trace: { type: 'boolean' }, json: { type: 'boolean' } });
  const file = oneFile(positionals, 'TAL file');
  const r = checkSource(readText(file), file, { trace: values.trace === true || values.json === true });
  if (values.json === true) {
    io.out(`${JSON.stringify({ ok: r.ok, diagnostics: r.diagnostics, trace: r.trace, stats: r.stats }, null, 2)}\n`);
    return r.ok ? EXIT_OK : EXIT_REJECTED;
  }
  if (values.trace === true) io.out(formatTrace(r.trace));
  printDiagnostics(io, r.diagnostics);
  if (r.ok) io.out(`${file}: ok (${r.stats.instructions} instructions, ${r.stats.ms.toFixed(1)} ms)\n`);
  else io.err(`${file}: rejected (${r.diagnostics.filter((d) => d.severity === 'error').length} error(s))\n`);
  return r.ok ? EXIT_OK : EXIT_REJECTED;
}

function parseKey(hex: string | undefined): Uint8Array | undefined {
  if (hex === undefined) return undefined;
  if (!/^([0-9a-fA-F]{2}){16,64}$/.test(hex)) throw new UsageError('--key must be 16 to 64 bytes in hex');
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

function parseTrap(v: string | undefined): TrapKind {
  if (v === undefined || v === 'int80' || v === 'sysenter') return v ?? 'int80';
  throw new UsageError(`--trap must be int80 or sysenter, found '${v}'`);
}

function cmdBuild(args: string[], io: Io): number {
  const { values, positionals } = parse(args, {
    output: { type: 'string', short: 'o' },
    elf: { type: 'string' },
    trap: { type: 'string' },
    key: { type: 'string' },
  });
  const file = oneFile(positionals, 'TAL file');
  if (typeof values.output !== 'string') throw new UsageError('missing -o OUT.talo');
  const key = parseKey(values.key as string | undefined);
  const trap = parseTrap(values.trap as string | undefined);
  const r = buildSource(readText(file), file, { ...(key !== undefined ? { key } : {}), ...(typeof values.elf === 'string' ? { elf: trap } : {}) });
  printDiagnostics(io, r.diagnostics);
  if (!r.ok || r.talo === undefined) {
    io.err(`${file}: rejected, nothing written\n`);
    return EXIT_REJECTED;
  }
  writeOutput(values.output, r.talo);
  io.out(`${values.output}: ${r.talo.length} bytes, ${r.image!.code.length} bytes of code${key !== undefined ? ', signed' : ', unsigned'}\n`);
  if (typeof values.elf === 'string' && r.elf !== undefined) {
    writeOutput(values.elf, r.elf);
    chmodSync(values.elf, 0o755);
    io.out(`${values.elf}: static i386 ELF (${trap} system calls)\n`);
  }
  return EXIT_OK;
}

function readBytes(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

function cmdDisasm(args: string[], io: Io): number {
  const { values, positionals } = parse(args, { source: { type: 'string' } });
  const file = oneFile(positionals, '.talo file');
  const r = disassembleTalo(readBytes(file));
  if (!r.ok) {
    io.err(`${file}: not a valid .talo image: ${r.error.message} (${r.error.code} at byte ${r.error.offset})\n`);
    return EXIT_REJECTED;
  }
  const source = typeof values.source === 'string' ? readText(values.source) : undefined;
  io.out(formatDisassembly(r.lines, source));
  return EXIT_OK;
}

/** One `tal` subcommand: its usage lines and what it does. */
export interface CliCommand {
  usage: string;
  run(args: string[], io: Io): number | Promise<number>;
}

export const TOOLCHAIN_COMMANDS: Readonly<Record<string, CliCommand>> = {
  check: { usage: 'tal check FILE.tal [--trace] [--json]     type-check a program', run: cmdCheck },
  build: {
    usage:
      'tal build FILE.tal -o OUT.talo [--elf OUT] [--trap int80|sysenter] [--key HEX]\n' +
      '                                            check, assemble and write a .talo (signed with --key) and optionally a static ELF\n' +
      '                                            (run the ELF with qemu-i386 where the host kernel does not execute i386 programs)',
    run: cmdBuild,
  },
  disasm: { usage: 'tal disasm FILE.talo [--source FILE.tal]  disassemble a .talo image (with source text)', run: cmdDisasm },
};

function usage(commands: Readonly<Record<string, CliCommand>>): string {
  return `usage:\n${Object.values(commands)
    .map((c) => `  ${c.usage}`)
    .join('\n')}\n\n${EXIT_STATUS_TEXT}`;
}

/** Runs `argv` against `commands`; usage errors become exit status 2 with the reason. */
export async function runCommandLine(argv: string[], io: Io, commands: Readonly<Record<string, CliCommand>>): Promise<number> {
  const USAGE = usage(commands);
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    (cmd === undefined ? io.err : io.out)(`${USAGE}\n`);
    return cmd === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const command = Object.hasOwn(commands, cmd) ? commands[cmd] : undefined;
  if (command === undefined) {
    io.err(`tal: unknown command '${cmd}'\n${USAGE}\n`);
    return EXIT_USAGE;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`tal ${cmd}: ${e.message}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
}
