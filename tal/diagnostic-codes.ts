// The catalogue of diagnostic codes: every code the toolchain can report, with the group it is
// listed under and what it means. It is the one place a code is defined: a diagnostic or a
// failed judgment with a code not listed here does not type-check (DiagnosticCode), the table in
// docs/tal.md, "Diagnostics", is tested against it, and so is the reject corpus — every error of
// the checking stage has at least one case (test/check/diagnostic-codes.test.ts).

/**
 * Where a code is reported: by the checker (parse and check), by the assembler after it, or by
 * the lab around the checker (the worker it checks in ran out of time or memory).
 */
export type DiagnosticStage = 'check' | 'assemble' | 'lab';

export interface DiagnosticCodeInfo {
  stage: DiagnosticStage;
  /** The row of the docs table it is listed in. */
  group: string;
  /** One line: what went wrong. */
  meaning: string;
}

function check(group: string, meaning: string): DiagnosticCodeInfo {
  return { stage: 'check', group, meaning };
}

function lab(meaning: string): DiagnosticCodeInfo {
  return { stage: 'lab', group: 'lab', meaning };
}

function assembler(meaning: string): DiagnosticCodeInfo {
  return { stage: 'assemble', group: 'assembler', meaning };
}

export const DIAGNOSTIC_CODES = {
  E_SYNTAX: check('syntax', 'the text does not parse'),
  E_DUPLICATE: check('names', 'a label, type or import is defined twice'),
  E_UNKNOWN_LABEL: check('names', 'a label that is not defined'),
  E_UNKNOWN_TYPE: check('names', 'a type name that is not defined'),
  E_SCOPE: check('names', 'a type or stack variable used outside the quantifier that binds it'),
  E_TYPE_DEF: check('names', 'a .type definition that is only another name'),
  E_UNINIT_REG: check('uninitialized', 'reading a register that holds no value'),
  E_UNINIT_STACK: check('uninitialized', 'reading a stack slot never written'),
  E_UNINIT_FIELD: check('uninitialized', 'reading a tuple field never written (^u)'),
  E_NOT_POINTER: check('wrong type', 'dereferencing a value that is not a pointer'),
  E_NOT_INT: check('wrong type', 'arithmetic on a value that is not an integer'),
  E_NULL: check('wrong type', 'dereferencing null'),
  E_MAYBE_NULL: check('wrong type', 'dereferencing a pointer that may be null before testing it'),
  E_PACKED: check('wrong type', 'using a package (exists) before unpacking it'),
  E_ABSTRACT: check('wrong type', 'using a value of abstract type as a pointer or index'),
  E_BOUNDS: check('memory', 'an array access not proven inside the array'),
  E_TUPLE_BOUNDS: check('memory', 'a tuple access outside its fields'),
  E_TUPLE_INDEX: check('memory', 'a tuple field addressed with a variable offset'),
  E_ACCESS_SIZE: check('memory', 'an access of the wrong width for the object or instruction'),
  E_WRITE_LENGTH: check('memory', "a write to an array's length word"),
  E_FIELD_TYPE: check('store', 'a store of the wrong type into a tuple field'),
  E_ELEM_TYPE: check('store', 'a store of the wrong type into an array element'),
  E_STACK_BOUNDS: check('stack', 'an [esp + k] that is not a known slot'),
  E_STACK_INDEX: check('stack', 'a stack slot addressed other than [esp + constant]'),
  E_STACK_UNDERFLOW: check('stack', 'popping more slots than the stack type knows'),
  E_STACK_ALIAS: check('stack', 'ESP, or part of it, copied or read as a value'),
  E_ESP_WRITE: check('stack', 'a write to ESP other than push, pop, call, ret, add/sub esp, imm'),
  E_STACK_JOIN: check('stack', 'two paths reach a label with stacks of different shapes'),
  E_STACK_MISMATCH: check('stack', 'the stack does not match what a label or call expects'),
  E_STACK_LIMIT: check('stack', 'stack growth a guard cannot see (a sub esp over 4,092 bytes, or growth between guards)'),
  E_JUMP_TARGET: check('control flow', 'a jump or call to something that is not a code label'),
  E_LABEL_TYPE: check('control flow', 'a code label without a type used as a value or called'),
  E_PRECONDITION: check('control flow', "the state does not satisfy the target label's type"),
  E_CALL_TYPE: check('control flow', 'a call to code whose type does not take a return address'),
  E_RET: check('control flow', 'ret without a return address on top of the stack'),
  E_FALLOFF: check('control flow', 'control falls off the end of the program'),
  E_NO_FIXPOINT: check('control flow', "an untyped label's types do not settle; annotate it"),
  E_UNREACHABLE: check('control flow', 'code no path reaches'),
  E_CODE_ACCESS: check('code as data', 'reading code as data'),
  E_UNPACK: check('pseudo-instructions', 'unpack of a value that is not a package'),
  E_PACK: check('pseudo-instructions', 'pack of a value that does not have the package body type'),
  E_COERCE: check('pseudo-instructions', 'coerce to a type the value does not have'),
  E_MALLOC: check('pseudo-instructions', 'malloc of a tuple with no fields or more than 1,024'),
  E_NEWARRAY: check('pseudo-instructions', 'newarray with a bad element type or length'),
  E_SYSCALL_ARG: check('system calls', 'a system call argument of the wrong type'),
  E_SYSCALL_LEN: check('system calls', 'a buffer length not proven within the buffer'),
  E_UNKNOWN_SYSCALL: check('system calls', 'an import that is not a known system call'),
  E_FORBIDDEN_SYSCALL: check('system calls', 'an import of a system call TAL programs may not make'),
  E_IMPORT_VALUE: check('system calls', 'a system call used as a value instead of called'),
  E_PRIVILEGED: check('instructions', 'an instruction that leaves the program (int, syscall, hlt, …)'),
  E_UNSUPPORTED: check('instructions', 'an instruction, or a form of one (`pop m32`, `mov m32, m32`), that is not in the instruction table'),
  E_OPERANDS: check('instructions', 'the wrong number of operands'),
  E_OPERAND: check('instructions', 'an operand form the instruction does not take'),
  E_ENTRY: check('program shape', 'no entry label, or one without the entry type'),
  E_NO_CODE: check('program shape', 'a program without a .code section'),
  E_LIMIT: check('program shape', 'a data item or a written type over its size limit'),
  E_COMPLEXITY: check('limits', "checking would exceed one of the checker's limits (named in the message; see Limits)"),
  W_UNREACHABLE: check('warnings', 'an inner label no path reaches, in a program rejected for another error (which may be why)'),
  W_TRACE_LIMIT: check('warnings', '--trace stopped at its size limit; checking went on'),
  E_CHECK_LIMIT: lab("the lab stopped the checker's worker at its time or memory limit (main/app/isolated-toolchain.ts)"),
  E_ASM_OPERANDS: assembler('the encoder has no encoding for these operands'),
  E_ASM_OPERAND_SIZE: assembler('a memory operand without a size'),
  E_ASM_MEMORY: assembler('a memory operand the machine cannot address (esp as index)'),
  E_ASM_IMM_RANGE: assembler('an immediate, displacement or count out of range'),
  E_ASM_LABEL_KIND: assembler('a label of the wrong kind (data, code, import) for the operand'),
  E_ASM_UNKNOWN_LABEL: assembler('a label the image does not define'),
  E_ASM_UNKNOWN_MNEMONIC: assembler('a mnemonic not in the instruction table'),
  E_ASM_BRANCH_RANGE: assembler('a short branch (loop, jecxz) whose target is out of reach'),
  E_ASM_DUPLICATE_LABEL: assembler('a name defined twice in the image'),
  E_ASM_UNKNOWN_IMPORT: assembler('an import that is not a system call the toolchain knows'),
  E_ASM_IMPORT_NAME: assembler('an import name the image format cannot hold'),
  E_ASM_DUPLICATE_IMPORT: assembler('the same system call imported twice'),
  E_ASM_TOO_MANY_IMPORTS: assembler('more imports than the image format holds'),
  E_ASM_DATA_VALUE: assembler('a data value that does not fit in 32 bits'),
  E_ASM_HEAP_SIZE: assembler('a heap size out of range'),
  E_ASM_STACK_SIZE: assembler('a stack size out of range'),
  E_ASM_NO_ENTRY: assembler('the entry label is not a code label'),
  E_ASM_TOO_LARGE: assembler('the image is larger than the format allows'),
  E_ASM_ALLOC_REGISTER: assembler('malloc or newarray with esp, or with the length in the destination'),
  E_ASM_ARRAY_LENGTH: assembler('a newarray length out of range'),
} as const satisfies Record<string, DiagnosticCodeInfo>;

/** A code in the catalogue; anything else does not type-check where a diagnostic is made. */
export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

export function isDiagnosticCode(code: string): code is DiagnosticCode {
  return Object.hasOwn(DIAGNOSTIC_CODES, code);
}
