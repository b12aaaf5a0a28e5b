// Parses TAL source (docs/tal.md) into a Program. Syntax errors are TalError values
// with code E_SYNTAX (or a more specific code) and the position of the offending token.

import type { CodeBlock, DataItem, ImportDecl, Instr, MemOperand, Operand, Program, Reg, SourceLoc, TypeDef } from './ast.js';
import type { DiagnosticCode } from './diagnostic-codes.js';
import { TalError, type Diagnostic } from './diagnostics.js';
import { tokenize, type Token } from './lexer.js';
import { parseCodeType, parseStackType, parseWordType, TypeScope } from './type-parser.js';
import { REGS32, type Reg32 } from './types.js';
import { TokenStream } from './token-stream.js';

export const DEFAULT_HEAP = 1 << 20;
export const DEFAULT_STACK = 64 << 10;
const MAX_DATA_BYTES = 4 << 20;

const REG8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'];
const REG16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
const SIZE_PREFIX: Record<string, 1 | 2 | 4> = { byte: 1, word: 2, dword: 4 };

export function isRegisterName(name: string): boolean {
  const n = name.toLowerCase();
  return (REGS32 as readonly string[]).includes(n) || REG8.includes(n) || REG16.includes(n);
}

export function parseProgram(source: string, file: string): Program {
  return new ProgramParser(source, file).parse();
}

class ProgramParser {
  private readonly ts: TokenStream;
  private readonly lines: string[];
  private readonly program: Program;
  private section: 'none' | 'data' | 'code' = 'none';
  private block: CodeBlock | undefined;
  /** The last label not starting with '.', which scopes local labels such as '.loop'. */
  private scopeLabel = '';
  private readonly typeNames = new Set<string>();
  private readonly labels = new Map<string, SourceLoc>();

  constructor(
    source: string,
    private readonly file: string,
  ) {
    const tokens = tokenize(source, file);
    this.ts = new TokenStream(tokens, file);
    this.lines = source.split('\n');
    this.program = { file, imports: [], types: [], data: [], code: [], entry: 'main', heapSize: DEFAULT_HEAP, stackSize: DEFAULT_STACK };
    // Named types may be used before their definition (recursive and mutually recursive types).
    for (let i = 0; i + 1 < tokens.length; i++) {
      if (tokens[i]!.text === '.type' && tokens[i + 1]!.kind === 'ident') this.typeNames.add(tokens[i + 1]!.text);
    }
  }

  parse(): Program {
    const ts = this.ts;
    for (;;) {
      ts.skipNewlines();
      const t = ts.peek();
      if (t.kind === 'eof') break;
      if (t.kind === 'ident' && t.text.startsWith('.') && !(ts.peekAt(1).text === ':')) {
        this.directive();
      } else if (t.kind === 'ident' && ts.peekAt(1).text === ':' && !isRegisterName(t.text)) {
        this.label();
      } else {
        this.instruction();
      }
    }
    if (this.program.code.length === 0) {
      throw this.error('E_NO_CODE', { line: 1, col: 1 }, 'program has no code', "add a '.code' section with a 'main' label");
    }
    return this.program;
  }

  private error(code: DiagnosticCode, loc: SourceLoc, message: string, hint?: string): TalError {
    const d: Diagnostic = { code, severity: 'error', file: this.file, line: loc.line, col: loc.col, message };
    if (hint !== undefined) d.hint = hint;
    return new TalError(d);
  }

  /** Label and .type annotations are closed; a pseudo-instruction's type may name variables in scope there (open). */
  private scope(open = false): TypeScope {
    return new TypeScope(this.typeNames, open);
  }

  private directive(): void {
    const ts = this.ts;
    const d = ts.next();
    switch (d.text) {
      case '.import': {
        do {
          const name = ts.expectIdent('a system call name');
          const decl: ImportDecl = { name: name.text, loc: name.loc };
          this.program.imports.push(decl);
        } while (ts.accept(','));
        break;
      }
      case '.heap':
      case '.stack': {
        const n = ts.expectNumber();
        if (d.text === '.heap') this.program.heapSize = n.value!;
        else this.program.stackSize = n.value!;
        break;
      }
      case '.entry':
        this.program.entry = ts.expectIdent('the entry label').text;
        break;
      case '.type': {
        const name = ts.expectIdent('a type name');
        ts.expect('=');
        const body = parseWordType(ts, this.scope());
        const def: TypeDef = { name: name.text, vars: [], body, loc: name.loc };
        if (this.program.types.some((t) => t.name === def.name)) {
          throw this.error('E_DUPLICATE', name.loc, `type '${def.name}' is defined twice`);
        }
        this.program.types.push(def);
        break;
      }
      case '.data':
        this.section = 'data';
        this.block = undefined;
        break;
      case '.code':
        this.section = 'code';
        this.block = undefined;
        break;
      default:
        throw this.error('E_SYNTAX', d.loc, `unknown directive '${d.text}'`, 'directives: .import .heap .stack .entry .type .data .code');
    }
    ts.expectEndOfLine();
  }

  private defineLabel(name: Token): void {
    const prev = this.labels.get(name.text);
    if (prev !== undefined) {
      throw this.error('E_DUPLICATE', name.loc, `label '${name.text}' is defined twice (first on line ${prev.line})`);
    }
    this.labels.set(name.text, name.loc);
  }

  /** '.loop' after 'main:' names 'main.loop', so helpers may reuse local names. */
  private qualify(name: string): string {
    return name.startsWith('.') ? this.scopeLabel + name : name;
  }

  private label(): void {
    const ts = this.ts;
    const raw = ts.next();
    ts.expect(':');
    if (!raw.text.startsWith('.')) this.scopeLabel = raw.text;
    else if (this.scopeLabel === '') throw this.error('E_SYNTAX', raw.loc, `local label '${raw.text}' needs a global label before it`);
    const name = { ...raw, text: this.qualify(raw.text) };
    this.defineLabel(name);
    if (this.section === 'data') {
      this.dataItem(name);
      return;
    }
    if (this.section !== 'code') {
      throw this.error('E_SYNTAX', name.loc, `label '${name.text}' outside a section`, "put it after '.code' or '.data'");
    }
    const block: CodeBlock = { label: name.text, loc: name.loc, instrs: [] };
    const t = ts.peek();
    if (t.kind === 'ident' && (t.text === 'forall' || t.text === 'code')) {
      block.type = parseCodeType(ts, this.scope());
      ts.expectEndOfLine();
    }
    this.program.code.push(block);
    this.block = block;
  }

  private dataItem(name: Token): void {
    const ts = this.ts;
    const kind = ts.expectIdent('.bytes, .words or .tuple');
    const loc = name.loc;
    let item: DataItem;
    if (kind.text === '.bytes') {
      if (ts.peek().kind === 'string') {
        let text = '';
        do text += ts.next().text;
        while (ts.peek().kind === 'string' || (ts.accept(',') && ts.peek().kind === 'string'));
        item = { kind: 'bytes', label: name.text, init: Uint8Array.from(Buffer.from(text, 'latin1')), loc };
      } else if (ts.peek().text === '[') {
        item = { kind: 'bytes', label: name.text, init: new Uint8Array(this.zeroCount(name, 1)), loc };
      } else {
        const values = this.numberList();
        const bad = values.findIndex((v) => v < -128 || v > 255);
        if (bad >= 0) throw this.error('E_SYNTAX', loc, `byte ${bad + 1} of '${name.text}' is ${values[bad]}, outside -128 … 255`);
        item = { kind: 'bytes', label: name.text, init: Uint8Array.from(values, (v) => v & 0xff), loc };
      }
    } else if (kind.text === '.words') {
      item =
        ts.peek().text === '['
          ? { kind: 'words', label: name.text, init: new Array<number>(this.zeroCount(name, 4)).fill(0), loc }
          : { kind: 'words', label: name.text, init: this.numberList(), loc };
    } else if (kind.text === '.tuple') {
      item = { kind: 'tuple', label: name.text, init: this.numberList(), loc };
    } else {
      throw this.error(
        'E_SYNTAX',
        kind.loc,
        `unknown data kind '${kind.text}'`,
        'use .bytes "text", .bytes 1, 2, .bytes [N], .words 1, 2, .words [N] or .tuple 0, 0',
      );
    }
    if (item.init.length * (item.kind === 'bytes' ? 1 : 4) > MAX_DATA_BYTES) throw this.dataTooLarge(name);
    this.program.data.push(item);
    ts.expectEndOfLine();
  }

  /** [N]: N zero elements, limited before anything is allocated. */
  private zeroCount(name: Token, elemSize: 1 | 4): number {
    this.ts.expect('[');
    const n = this.ts.expectNumber().value!;
    this.ts.expect(']');
    if (n * elemSize > MAX_DATA_BYTES) throw this.dataTooLarge(name);
    return n;
  }

  private dataTooLarge(name: Token): TalError {
    return this.error('E_LIMIT', name.loc, `data item '${name.text}' is larger than 4 MiB`, 'allocate large arrays at run time with newarray');
  }

  private numberList(): number[] {
    const out: number[] = [];
    do out.push(this.signedNumber());
    while (this.ts.accept(','));
    return out;
  }

  private signedNumber(): number {
    const neg = this.ts.accept('-');
    const n = this.ts.expectNumber().value!;
    return neg ? -n | 0 : n;
  }

  private instruction(): void {
    const ts = this.ts;
    const m = ts.expectIdent('an instruction');
    if (this.section !== 'code' || this.block === undefined) {
      throw this.error(
        'E_SYNTAX',
        m.loc,
        `instruction '${m.text}' outside a code block`,
        "start a '.code' section and put a label before the first instruction",
      );
    }
    const text = this.sourceText(m.loc);
    const mnemonic = m.text.toLowerCase();
    const instr = this.pseudo(mnemonic, m.loc, text) ?? this.machine(mnemonic, m.loc, text);
    this.block.instrs.push(instr);
    ts.expectEndOfLine();
  }

  private sourceText(loc: SourceLoc): string {
    const line = this.lines[loc.line - 1] ?? '';
    const rest = line.slice(loc.col - 1);
    const semi = indexOfComment(rest);
    return (semi < 0 ? rest : rest.slice(0, semi)).trim();
  }

  private reg32(what: string): Reg32 {
    const t = this.ts.expectIdent(what);
    const r = t.text.toLowerCase();
    if (!(REGS32 as readonly string[]).includes(r)) throw this.error('E_SYNTAX', t.loc, `expected a 32-bit register (${what}), found '${t.text}'`);
    return r as Reg32;
  }

  private pseudo(mnemonic: string, loc: SourceLoc, text: string): Instr | undefined {
    const ts = this.ts;
    switch (mnemonic) {
      case 'malloc': {
        const dst = this.reg32('the destination');
        ts.expect(',');
        const at = ts.peek().loc;
        const type = parseWordType(ts, this.scope(true));
        if (type.k !== 'tuple') throw this.error('E_SYNTAX', at, 'malloc allocates a tuple: write malloc REG, *[type, …]');
        return { kind: 'malloc', dst, type, loc, text };
      }
      case 'newarray': {
        const dst = this.reg32('the destination');
        ts.expect(',');
        const e = ts.expectIdent("'byte' or 'word'");
        if (e.text !== 'byte' && e.text !== 'word') throw this.error('E_SYNTAX', e.loc, `expected 'byte' or 'word', found '${e.text}'`);
        let elemType: ReturnType<typeof parseWordType> | undefined;
        if (e.text === 'word' && ts.accept('(')) {
          elemType = parseWordType(ts, this.scope(true));
          ts.expect(')');
        }
        ts.expect(',');
        const length =
          ts.peek().kind === 'number' ? { kind: 'imm' as const, value: ts.next().value! } : { kind: 'reg' as const, reg: this.reg32('the length') };
        const instr: Instr = { kind: 'newarray', dst, elem: e.text, length, loc, text };
        if (elemType !== undefined) instr.elemType = elemType;
        return instr;
      }
      case 'unpack': {
        const reg = this.reg32('the register holding the package');
        const vars: string[] = [];
        while (ts.accept(',')) vars.push(ts.expectIdent('a variable name').text);
        if (vars.length === 0) throw this.error('E_SYNTAX', loc, 'unpack needs a name for each hidden variable: unpack REG, n');
        return { kind: 'unpack', vars, reg, loc, text };
      }
      case 'pack':
      case 'coerce': {
        const reg = this.reg32('the register');
        ts.expect(',');
        if (reg === 'esp' && mnemonic === 'coerce') {
          const kw = ts.expectIdent("'sptr'");
          if (kw.text !== 'sptr') throw this.error('E_SYNTAX', kw.loc, 'coerce esp takes a stack pointer type: coerce esp, sptr σ');
          return { kind: 'coerceStack', stack: parseStackType(ts, this.scope(true)), loc, text };
        }
        return { kind: mnemonic, reg, type: parseWordType(ts, this.scope(true)), loc, text };
      }
      default:
        return undefined;
    }
  }

  private machine(mnemonic: string, loc: SourceLoc, text: string): Instr {
    const operands: Operand[] = [];
    if (this.ts.peek().kind !== 'newline' && this.ts.peek().kind !== 'eof') {
      do operands.push(this.operand());
      while (this.ts.accept(','));
    }
    return { kind: 'machine', mnemonic, operands, loc, text };
  }

  private operand(): Operand {
    const ts = this.ts;
    const t = ts.peek();
    if (t.kind === 'ident' && SIZE_PREFIX[t.text.toLowerCase()] !== undefined) {
      ts.next();
      if (ts.peek().text.toLowerCase() === 'ptr') ts.next();
      const mem = this.memory();
      mem.size = SIZE_PREFIX[t.text.toLowerCase()]!;
      return mem;
    }
    if (t.text === '[') return this.memory();
    if (t.kind === 'number' || t.text === '-') return { kind: 'imm', value: this.signedNumber() };
    if (t.kind === 'string' && t.text.length === 1) {
      ts.next();
      return { kind: 'imm', value: t.text.charCodeAt(0) };
    }
    if (t.kind === 'ident') {
      ts.next();
      if (isRegisterName(t.text)) return { kind: 'reg', reg: t.text.toLowerCase() as Reg };
      return { kind: 'label', name: this.qualify(t.text) };
    }
    throw this.error('E_SYNTAX', t.loc, `expected an operand, found '${t.text || 'end of line'}'`);
  }

  /** [label + base + index*scale + disp] in any order of terms. */
  private memory(): MemOperand {
    const ts = this.ts;
    const open = ts.expect('[');
    const mem: MemOperand = { kind: 'mem', scale: 1, disp: 0 };
    let sign = 1;
    let first = true;
    for (;;) {
      if (!first) {
        if (ts.accept('+')) sign = 1;
        else if (ts.accept('-')) sign = -1;
        else break;
      } else if (ts.accept('-')) sign = -1;
      first = false;
      const t = ts.next();
      if (t.kind === 'number') {
        if (ts.accept('*')) throw this.error('E_SYNTAX', t.loc, 'write the scale after the register: [reg*4]');
        mem.disp = (mem.disp + sign * t.value!) | 0;
      } else if (t.kind === 'ident' && isRegisterName(t.text)) {
        const r = t.text.toLowerCase();
        if (!(REGS32 as readonly string[]).includes(r)) throw this.error('E_SYNTAX', t.loc, `address registers must be 32-bit, found '${t.text}'`);
        if (sign < 0) throw this.error('E_SYNTAX', t.loc, 'a register cannot be subtracted in an address');
        if (ts.accept('*')) {
          const s = ts.expectNumber();
          if (![1, 2, 4, 8].includes(s.value!)) throw this.error('E_SYNTAX', s.loc, `scale must be 1, 2, 4 or 8, found ${s.value}`);
          if (mem.index !== undefined) throw this.error('E_SYNTAX', t.loc, 'an address has at most one scaled index');
          mem.index = r as Reg32;
          mem.scale = s.value as 1 | 2 | 4 | 8;
        } else if (mem.base === undefined) mem.base = r as Reg32;
        else if (mem.index === undefined) mem.index = r as Reg32;
        else throw this.error('E_SYNTAX', t.loc, 'an address has at most two registers');
      } else if (t.kind === 'ident') {
        if (sign < 0 || mem.label !== undefined) throw this.error('E_SYNTAX', t.loc, 'an address has at most one label, added');
        mem.label = this.qualify(t.text);
      } else {
        throw this.error('E_SYNTAX', t.loc, `unexpected '${t.text || 'end of line'}' in an address`, 'addresses look like [label + base + index*scale + disp]');
      }
    }
    if (!ts.accept(']')) throw this.error('E_SYNTAX', ts.peek().loc, `missing ']' for the address opened at column ${open.loc.col}`);
    return mem;
  }
}

/** Position of a ';' that starts a comment (not inside a string literal), or -1. */
function indexOfComment(s: string): number {
  let quote: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote !== undefined) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ';') return i;
  }
  return -1;
}
