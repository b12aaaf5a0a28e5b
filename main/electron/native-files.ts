// .tal files anywhere on the person's disk, for the Electron shell's native
// Open / Save / Save As / Rename dialogs. A path is only ever one the person
// chose in a dialog: the page never sends a path, it holds a random handle
// that main maps to the path chosen for it. This module takes the dialogs'
// results (no 'electron' import) and does the file work: only *.tal, only
// regular files, at most MAX_WORKSPACE_FILE_BYTES, text as UTF-8.

import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, rename } from 'node:fs/promises';
import path from 'node:path';
import type { NativeFileReply } from '../../preload/contract.js';
import { MAX_WORKSPACE_FILE_BYTES } from '../app/workspace.js';

/** Electron's OpenDialogReturnValue and SaveDialogReturnValue, the fields read here. */
export interface OpenDialogResult {
  canceled: boolean;
  filePaths: string[];
}
export interface SaveDialogResult {
  canceled: boolean;
  filePath?: string;
}

/** The dialogs' options: .tal files only (Electron's OpenDialogOptions / SaveDialogOptions). */
export const TAL_FILTERS = [{ name: 'TAL programs', extensions: ['tal'] }];
export const OPEN_DIALOG = { title: 'Open a TAL program', filters: TAL_FILTERS, properties: ['openFile' as const] };
export function saveDialog(title: string, defaultPath: string): { title: string; defaultPath: string; filters: typeof TAL_FILTERS } {
  return { title, defaultPath, filters: TAL_FILTERS };
}

const MAX_HANDLES = 1000;

const fail = (message: string, cancelled = false): NativeFileReply => ({ ok: false, cancelled, message });

export class NativeFiles {
  /** Handle → absolute path the person chose. */
  private readonly paths = new Map<string, string>();

  /** The path a handle stands for (to suggest it in the next dialog), if any. */
  pathOf(handle: string): string | undefined {
    return this.paths.get(handle);
  }

  async opened(result: OpenDialogResult): Promise<NativeFileReply> {
    const chosen = result.filePaths[0];
    if (result.canceled || chosen === undefined) return fail('open cancelled', true);
    const file = talPath(chosen);
    if (typeof file !== 'string') return file;
    let source: string;
    try {
      source = await readTal(file);
    } catch (e) {
      return fail(`cannot open ${path.basename(file)}: ${(e as Error).message}`);
    }
    return { ok: true, file: { handle: this.remember(file), name: path.basename(file), source }, message: `opened ${file}` };
  }

  async save(handle: string, source: string): Promise<NativeFileReply> {
    const file = this.paths.get(handle);
    if (file === undefined) return fail('this program was not opened or saved through a dialog in this window: use Save As');
    return this.write(file, source, handle);
  }

  async savedAs(result: SaveDialogResult, source: string): Promise<NativeFileReply> {
    if (result.canceled || !result.filePath) return fail('save cancelled', true);
    const file = talPath(withTalExtension(result.filePath));
    if (typeof file !== 'string') return file;
    return this.write(file, source, this.remember(file));
  }

  async renamed(handle: string, result: SaveDialogResult): Promise<NativeFileReply> {
    const from = this.paths.get(handle);
    if (from === undefined) return fail('only a file opened or saved through a dialog can be renamed: use Save As');
    if (result.canceled || !result.filePath) return fail('rename cancelled', true);
    const to = talPath(withTalExtension(result.filePath));
    if (typeof to !== 'string') return to;
    try {
      if (
        to !== from &&
        (await lstat(to).then(
          () => true,
          () => false,
        ))
      )
        return fail(`${path.basename(to)} already exists; rename does not overwrite`);
      await rename(from, to);
      this.paths.set(handle, to);
      return { ok: true, file: { handle, name: path.basename(to), source: await readTal(to) }, message: `renamed ${path.basename(from)} to ${to}` };
    } catch (e) {
      return fail(`cannot rename ${path.basename(from)}: ${(e as Error).message}`);
    }
  }

  private async write(file: string, source: string, handle: string): Promise<NativeFileReply> {
    if (Buffer.byteLength(source) > MAX_WORKSPACE_FILE_BYTES) return fail(`the program is larger than ${MAX_WORKSPACE_FILE_BYTES / 1024} KiB`);
    try {
      // O_NOFOLLOW: the chosen name itself must not be a symbolic link to somewhere else.
      const h = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
      try {
        if (!(await h.stat()).isFile()) return fail(`${path.basename(file)} is not a file`);
        await h.writeFile(source, 'utf8');
      } finally {
        await h.close();
      }
    } catch (e) {
      return fail(`cannot save ${path.basename(file)}: ${(e as Error).message}`);
    }
    return { ok: true, file: { handle, name: path.basename(file), source }, message: `saved ${file}` };
  }

  private remember(file: string): string {
    for (const [h, p] of this.paths) if (p === file) return h;
    if (this.paths.size >= MAX_HANDLES) this.paths.delete(this.paths.keys().next().value!);
    const handle = randomUUID();
    this.paths.set(handle, file);
    return handle;
  }
}

/** An absolute path ending in .tal, or the refusal. */
function talPath(file: string): string | NativeFileReply {
  if (!path.isAbsolute(file) || file.includes('\0')) return fail('the dialog returned no usable path');
  if (!file.toLowerCase().endsWith('.tal')) return fail(`${path.basename(file)} is not a .tal file; only TAL programs open here`);
  return path.normalize(file);
}

/** GTK's save dialog does not add the filter's extension. */
function withTalExtension(file: string): string {
  return path.extname(file) === '' ? `${file}.tal` : file;
}

async function readTal(file: string): Promise<string> {
  // O_NONBLOCK: a FIFO given a .tal name must not hang main until someone writes to it.
  const h = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = await h.stat();
    if (!st.isFile()) throw new Error('not a file');
    if (st.size > MAX_WORKSPACE_FILE_BYTES) throw new Error(`larger than ${MAX_WORKSPACE_FILE_BYTES / 1024} KiB`);
    const bytes = await h.readFile();
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } finally {
    await h.close();
  }
}
