// The `tal` command line (bin/tal.js): the toolchain's commands (tal/cli.ts)
// and `tal run`, which needs the guest. The guest's modules load only when
// `run` runs, so check, build and disasm start fast.

import { runCommandLine, stdio, TOOLCHAIN_COMMANDS, type CliCommand, type Io } from '../../tal/cli.js';

const RUN_COMMAND: CliCommand = {
  usage:
    'tal run FILE.tal [ARGS…] [--mode kernel|user|user-sysenter] [--timeout SECONDS]\n' +
    '                                            check, build, sign and run the program in the guest',
  run: async (args, io) => (await import('./run-command.js')).runInGuest(args, io),
};

export function main(argv: string[], io: Io = stdio): Promise<number> {
  return runCommandLine(argv, io, { ...TOOLCHAIN_COMMANDS, run: RUN_COMMAND });
}
