// The public API of the TAL toolchain, used by the CLI, the lab's main process and the tests.

export type { Program } from './ast.js';
export type { CodeType, StackType, WordType } from './types.js';
export { formatDiagnostic, TalError, type Diagnostic, type Severity, type TypeStateEntry } from './diagnostics.js';
export { checkSource, type CheckResult } from './check-source.js';
export { buildSource, resolveImport, CheckedImage, type BuildOptions, type BuildResult } from './build.js';
export { SYSCALLS, FORBIDDEN_SYSCALLS, syscallByName, type SyscallProto, type ArgSpec } from './syscalls.js';
export {
  disassemble,
  disassembleTalo,
  formatDisassembly,
  readTalo,
  verifyTalo,
  writeElf,
  HEAP_EXHAUSTED_STATUS,
  type DisasmLine,
  type TaloImage,
  type TrapKind,
} from './asm/index.js';
