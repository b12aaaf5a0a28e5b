// One call for the CLI and the lab: a ready guest (resumed from the cached
// snapshot when possible) with a ProgramRunner attached before anything else
// runs in it.

import { launchGuest, type LaunchOptions, type LaunchedGuest } from '../vm/guest-launcher.js';
import { ProgramRunner, type AttachOptions } from './run-program.js';

export interface RunnerGuest extends LaunchedGuest {
  runner: ProgramRunner;
}

export async function launchRunner(options: LaunchOptions & AttachOptions = {}): Promise<RunnerGuest> {
  const { controlAddress, port, ...launchOptions } = options;
  const guest = await launchGuest(launchOptions);
  try {
    const attach: AttachOptions = {};
    if (controlAddress !== undefined) attach.controlAddress = controlAddress;
    if (port !== undefined) attach.port = port;
    return { ...guest, runner: await ProgramRunner.attach(guest.vm, attach) };
  } catch (error) {
    await guest.vm.stop();
    throw error;
  }
}
