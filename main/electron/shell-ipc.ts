// The Electron shell's own IPC (window.labShell): native file dialogs. Same
// rules as the lab's methods (main/ipc/electron-ipc.ts): only our own
// window's top frame showing our page is answered, exactly one payload, and
// every payload passes a strict, bounded schema before a handler sees it.

import { z } from 'zod';
import { SHELL_METHOD_CHANNELS, type IpcReply, type ShellMethod, type ShellMethods } from '../../preload/contract.js';
import type { IpcMainLike, SenderPolicy } from '../ipc/electron-ipc.js';
import { MAX_SOURCE_CHARS } from '../ipc/schemas.js';

export type ShellHandlers = { [M in ShellMethod]: (req: ShellMethods[M]['req']) => Promise<ShellMethods[M]['res']> };

const handle = z.string().regex(/^[0-9a-f-]{36}$/, 'not a file handle');
const source = z.string().max(MAX_SOURCE_CHARS, `the program is longer than ${MAX_SOURCE_CHARS / 1024} KiB`);

const SCHEMAS: { readonly [M in ShellMethod]: z.ZodType<ShellMethods[M]['req']> } = {
  openNative: z.strictObject({}),
  saveNative: z.strictObject({ handle, source }),
  saveNativeAs: z.strictObject({ name: z.string().max(200), source }),
  renameNative: z.strictObject({ handle }),
};

const SHELL_METHODS = Object.keys(SHELL_METHOD_CHANNELS) as ShellMethod[];

export function registerShellIpc(ipcMain: IpcMainLike, handlers: ShellHandlers, isTrusted: SenderPolicy): () => void {
  for (const method of SHELL_METHODS) {
    ipcMain.handle(SHELL_METHOD_CHANNELS[method], async (event, ...args): Promise<IpcReply<unknown>> => {
      if (!isTrusted(event)) return { ok: false, error: { code: 'E_UNTRUSTED_SENDER', message: `${method}: sender is not a lab window` } };
      if (args.length !== 1)
        return { ok: false, error: { code: 'E_BAD_MESSAGE', message: `${method}: expected exactly one payload argument, got ${args.length}` } };
      const parsed = SCHEMAS[method].safeParse(args[0]);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        return { ok: false, error: { code: 'E_BAD_PAYLOAD', message: `${method}: ${issue.message}`, path: issue.path.join('.') } };
      }
      try {
        return { ok: true, value: await (handlers[method] as (req: unknown) => Promise<unknown>)(parsed.data) };
      } catch (e) {
        return { ok: false, error: { code: 'E_HANDLER', message: `${method}: ${(e as Error).message}` } };
      }
    });
  }
  return () => {
    for (const method of SHELL_METHODS) ipcMain.removeHandler(SHELL_METHOD_CHANNELS[method]);
  };
}
