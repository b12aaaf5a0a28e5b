// Worker-thread entry: owns one v86 instance. It batches serial output (v86
// emits one bus event per byte) and answers the typed calls of protocol.ts.
// Every v86 bus listener here catches its own errors: a throw inside a listener
// would kill the emulator silently.

import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { V86 } from 'v86';
import { VmError, serializeError } from './errors.js';
import { v86Options } from './v86-options.js';
import { SERIAL_PORTS, type EmulatorConfig, type SerialPort, type WorkerCalls, type WorkerMessage, type WorkerRequest } from './protocol.js';

const spawnedAt = performance.now();
const port = parentPort;
if (!port) throw new Error('emulator-worker must run in a worker thread');
const config = workerData as EmulatorConfig;

function post(message: WorkerMessage, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

function fatal(error: unknown): void {
  post({ type: 'fatal', error: serializeError(error, 'EMULATOR_ERROR') });
}

const emulator = new V86(v86Options(config));

/** Serial output collected during one emulator time slice, flushed as one message per port. */
class SerialBatcher {
  private readonly pending = new Map<SerialPort, number[]>();
  private flushScheduled = false;

  push(serial: SerialPort, byte: number): void {
    let bytes = this.pending.get(serial);
    if (!bytes) this.pending.set(serial, (bytes = []));
    bytes.push(byte);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // A microtask runs once the current emulator slice returns, so each slice's output is one message.
      queueMicrotask(() => this.flush());
    }
  }

  flush(): void {
    this.flushScheduled = false;
    for (const [serial, bytes] of this.pending) {
      const buffer = Uint8Array.from(bytes);
      post({ type: 'serial', port: serial, bytes: buffer }, [buffer.buffer]);
    }
    this.pending.clear();
  }
}

const serialOut = new SerialBatcher();
for (const serial of SERIAL_PORTS) {
  emulator.add_listener(`serial${serial}-output-byte`, (byte: number) => {
    try {
      serialOut.push(serial, byte);
    } catch (error) {
      fatal(error);
    }
  });
}

// Linux probes COM4 (ttyS3, 0x2e8) with the UART's loopback test, which needs MSR to read 0x90 (carrier
// detect + clear to send); v86 does not loop MCR back into MSR, so assert both lines as a connected cable would.
emulator.add_listener('emulator-loaded', () => {
  try {
    if (config.initialState) return; // the saved UART state already has them
    for (const serial of SERIAL_PORTS) {
      emulator.serial_set_carrier_detect(serial, true);
      emulator.serial_set_clear_to_send(serial, true);
    }
  } catch (error) {
    fatal(error);
  }
});

let started = false;
emulator.add_listener('emulator-started', () => {
  try {
    if (started) return;
    started = true;
    post({ type: 'started', msSinceSpawn: performance.now() - spawnedAt });
  } catch (error) {
    fatal(error);
  }
});

function checkRange(addr: number, len: number): void {
  if (!Number.isInteger(addr) || !Number.isInteger(len) || addr < 0 || len < 0 || addr + len > config.memorySize) {
    throw new VmError('BAD_ARGUMENT', `guest physical range 0x${addr.toString(16)}+${len} is outside memory (${config.memorySize} bytes)`);
  }
}

/** v86 rejects 9p lookups with its own FileNotFoundError; report them as ours, with the path. */
async function guestFile<T>(path: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch {
    throw new VmError('GUEST_FILE_NOT_FOUND', `9p path not found (or its parent directory is missing): ${path}`, {
      path,
    });
  }
}

type Handlers = {
  [K in keyof WorkerCalls]: (args: WorkerCalls[K]['args']) => Promise<{ result: WorkerCalls[K]['result']; transfer?: ArrayBuffer[] }>;
};

const handlers: Handlers = {
  'serial-write': async ({ port: serial, bytes }) => {
    emulator.serial_send_bytes(serial, bytes);
    return { result: null };
  },
  'save-state': async () => {
    const state = await emulator.save_state();
    return { result: state, transfer: [state] };
  },
  'read-memory': async ({ addr, len }) => {
    checkRange(addr, len);
    // read_memory returns a view of the whole guest memory: copy, or postMessage would clone all of it.
    const bytes = emulator.read_memory(addr, len).slice();
    return { result: bytes, transfer: [bytes.buffer] };
  },
  'write-memory': async ({ addr, bytes }) => {
    checkRange(addr, bytes.length);
    emulator.write_memory(bytes, addr);
    return { result: null };
  },
  'create-file': async ({ path, bytes }) => {
    await guestFile(path, () => emulator.create_file(path, bytes));
    return { result: null };
  },
  'read-file': async ({ path }) => {
    const bytes = (await guestFile(path, () => emulator.read_file(path))).slice();
    return { result: bytes, transfer: [bytes.buffer] };
  },
  'instruction-counter': async () => ({ result: emulator.get_instruction_counter() }),
  stop: async () => {
    await emulator.destroy();
    return { result: null };
  },
};

port.on('message', (request: WorkerRequest) => {
  const handler = handlers[request.call] as (args: unknown) => Promise<{ result: unknown; transfer?: ArrayBuffer[] }>;
  handler(request.args).then(
    ({ result, transfer }) => post({ type: 'reply', id: request.id, ok: true, result } as WorkerMessage, transfer ?? []),
    (error: unknown) =>
      post({
        type: 'reply',
        id: request.id,
        ok: false,
        error: serializeError(error, 'EMULATOR_ERROR'),
      }),
  );
});
