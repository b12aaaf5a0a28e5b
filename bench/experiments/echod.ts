// The paper's second experiment: round-trip latency to the TAL echo server.
// The server runs in the mode under test; the client (bench/guest/
// echo_latency.c) is always an ordinary user process and reports the median
// round trip of its messages by the guest clock.

import { GUEST_BIN, GUEST_WORK, numberField, parseToolLine, type BenchGuest } from '../bench-guest.js';
import { PAPER_FIGURES } from '../../main/app/paper-figures.js';
import type { Experiment } from './experiment.js';
import { installProgram, RUN_MODES } from '../tal-launcher.js';

const SERVER_LOG = `${GUEST_WORK}/echod.out`;
const SERVER_PID = `${GUEST_WORK}/echod.pid`;
const FIRST_PORT = 7100;
/** Untimed messages at the start of each client run. */
const CLIENT_WARMUP_MESSAGES = 20;

/** Start echod in the background and wait (in the guest) until it prints that it listens. */
export async function startEchod(guest: BenchGuest, command: string): Promise<void> {
  await guest.check(`${command} > ${SERVER_LOG} 2>&1 & echo $! > ${SERVER_PID}`);
  const waited = await guest.run(`( i=0; until grep -q 'echod: listening' ${SERVER_LOG}; do i=$((i+1)); [ $i -gt 200 ] && exit 1; sleep 0.05; done )`, 30_000);
  if (waited.exitStatus !== 0) throw new Error(`echod did not start listening: ${(await guest.run(`cat ${SERVER_LOG}`)).output}`);
}

/**
 * Stop the background echod with SIGTERM (SIGKILL if it is still alive after
 * 3 s), without `wait`, which would hang on a process that never dies. Fails
 * if the server had already died (it must survive every client) or needed
 * SIGKILL or survived both: either means the mode under test mishandles
 * signals, and a process left spinning would spoil every later measurement.
 */
export async function stopEchod(guest: BenchGuest): Promise<void> {
  // In a subshell: `exit` in a command run by exec would end the guest's login shell.
  // A zombie (state Z) has ended; the shell reaps it at its next prompt.
  const r = await guest.run(
    `( alive() { [ -e /proc/$1 ] && ! grep -q '^[0-9]* (.*) Z' /proc/$1/stat; }; ` +
      `settle() { i=0; while alive $1 && [ $i -lt 30 ]; do sleep 0.1; i=$((i+1)); done; ! alive $1; }; ` +
      `pid=$(cat ${SERVER_PID}); alive $pid || { echo 'echod had died'; exit 3; }; ` +
      `kill $pid; settle $pid && exit 0; kill -9 $pid; settle $pid && { echo 'echod ignored SIGTERM; SIGKILL ended it'; exit 4; }; ` +
      `echo "echod survived SIGTERM and SIGKILL:"; cat /proc/$pid/stat; exit 5 )`,
    30_000,
  );
  if (r.exitStatus !== 0) throw new Error(`stopping echod: ${r.output.trim()}\nserver log: ${(await guest.run(`cat ${SERVER_LOG}`)).output}`);
}

export const echodExperiment: Experiment = {
  id: 'echod',
  title: 'echod (TAL echo server, loopback TCP)',
  metric: 'µs median round trip',
  unit: 'µs',
  instructionsPer: 'per round trip, client included',
  modes: RUN_MODES,
  headline: 'difference',
  paper: PAPER_FIGURES.echod,
  target: { measure: 'percent-lower', value: 10, text: 'kernel-mode round trip ≥ 10% shorter' },

  async prepare(ctx) {
    await installProgram(ctx.guest, ctx.launcher, 'echod', await ctx.source('echod'));
  },

  async measure(ctx, mode, run) {
    // A fresh port per run: the previous server's port may linger in TIME_WAIT.
    const port = String(FIRST_PORT + run);
    const { echoMessages, echoMessageBytes } = ctx.params;
    await startEchod(ctx.guest, ctx.launcher.command('echod', mode, [port]));
    try {
      const client = await ctx.guest.check(`${GUEST_BIN}/echo_latency ${port} ${echoMessages} ${echoMessageBytes} ${CLIENT_WARMUP_MESSAGES}`, 300_000);
      const fields = parseToolLine(client.output, 'echo_latency');
      return {
        value: numberField(fields, 'median_ns', client.output) / 1000,
        instructions: client.instructions / (echoMessages + CLIENT_WARMUP_MESSAGES),
      };
    } finally {
      await stopEchod(ctx.guest);
    }
  },
};
