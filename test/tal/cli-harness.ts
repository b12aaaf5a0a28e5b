// Runs the `tal` command line in-process, capturing its output.

import type { Io } from '../../tal/cli.js';
import { main } from '../../main/cli/tal.js';

export async function tal(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => (out += t), err: (t) => (err += t) };
  const code = await main(args, io);
  return { code, out, err };
}
