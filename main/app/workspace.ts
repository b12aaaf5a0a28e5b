// The workspace: one folder on the host holding the person's .tal files (web
// shell: under the home directory by default, or --workspace DIR; the Electron
// shell uses the same). The renderer names files only by a bare name; every
// path is built here and confined to the folder: no separators, no leading
// dot, no NUL, only *.tal, and files are opened with O_NOFOLLOW so a symlink
// planted in the folder can neither be read through nor written through.
// A save or rename takes its name in one step (a hidden temporary file renamed
// or linked into place), so concurrent requests and failed writes lose nothing.

import { createHash, randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { link, lstat, mkdir, open, readdir, realpath, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

export const MAX_WORKSPACE_FILE_BYTES = 512 * 1024;
/** A bare file name ending in .tal: the only names the workspace accepts. */
export const WORKSPACE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,59}\.tal$/;

/**
 * Names Windows gives to devices whatever follows the first dot: there, writing CON.tal writes to the
 * console and keeps nothing. Refused on every system, so a workspace can move between systems.
 */
// ignoreBOM keeps a byte-order mark as text, so opening and saving a file gives back its bytes.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;

export interface WorkspaceFile {
  name: string;
  bytes: number;
  modifiedMs: number;
}

export class WorkspaceError extends Error {
  constructor(
    readonly code: 'BAD_NAME' | 'NOT_FOUND' | 'EXISTS' | 'NOT_A_FILE' | 'NOT_TEXT' | 'CHANGED' | 'TOO_BIG' | 'IO',
    message: string,
  ) {
    super(message);
  }
}

export class Workspace {
  /** Saves and renames, one at a time: a save's check that the file is unchanged and its write are one step for the lab's own requests. */
  private writes: Promise<unknown> = Promise.resolve();

  constructor(readonly dir: string) {}

  private oneAtATime<T>(op: () => Promise<T>): Promise<T> {
    const result = this.writes.then(op);
    this.writes = result.catch(() => undefined);
    return result;
  }

  async list(): Promise<WorkspaceFile[]> {
    const root = await this.root();
    const out: WorkspaceFile[] = [];
    for (const entry of await readdir(root, { withFileTypes: true })) {
      if (!entry.isFile() || !WORKSPACE_NAME.test(entry.name)) continue; // symlinks and folders are not listed
      const st = await lstat(path.join(root, entry.name));
      out.push({ name: entry.name, bytes: st.size, modifiedMs: st.mtimeMs });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async read(name: string): Promise<string> {
    const file = await this.path(name);
    const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW).catch((e: NodeJS.ErrnoException) => {
      throw fsError(e, name);
    });
    try {
      const st = await handle.stat();
      if (!st.isFile()) throw new WorkspaceError('NOT_A_FILE', `${name} is not a file`);
      if (st.size > MAX_WORKSPACE_FILE_BYTES) throw new WorkspaceError('TOO_BIG', `${name} is larger than ${MAX_WORKSPACE_FILE_BYTES / 1024} KiB`);
      const bytes = await handle.readFile();
      try {
        return UTF8.decode(bytes);
      } catch {
        // Read leniently, the bad bytes would become U+FFFD and the next save would overwrite them.
        throw new WorkspaceError('NOT_TEXT', `${name} is not UTF-8 text; the lab opens only UTF-8 so that saving it again changes nothing it did not show`);
      }
    } finally {
      await handle.close();
    }
  }

  /**
   * Writes a file; with overwrite false, refuses one that exists (Save As, New). The text goes to a
   * hidden temporary file first and takes the name in one step (rename over, or link when the name
   * must be free), so a failed write leaves the old text and racing saves leave one text whole:
   * writing in place let two saves interleave into a mix of both.
   */
  write(name: string, text: string, overwrite: boolean, ifVersion?: string): Promise<WorkspaceFile> {
    return this.oneAtATime(() => this.writeNow(name, text, overwrite, ifVersion));
  }

  private async writeNow(name: string, text: string, overwrite: boolean, ifVersion: string | undefined): Promise<WorkspaceFile> {
    if (Buffer.byteLength(text) > MAX_WORKSPACE_FILE_BYTES)
      throw new WorkspaceError('TOO_BIG', `the program is larger than ${MAX_WORKSPACE_FILE_BYTES / 1024} KiB`);
    const file = await this.path(name);
    if (overwrite) {
      const st = await lstat(file).catch(() => null);
      if (st?.isSymbolicLink()) throw new WorkspaceError('NOT_A_FILE', `${name} is a symbolic link; the workspace opens only plain files`);
      if (st && !st.isFile()) throw new WorkspaceError('NOT_A_FILE', `${name} is not a file`);
      if (st && ifVersion !== undefined && textVersion(await this.read(name).catch(() => '')) /* unreadable now: changed too */ !== ifVersion) {
        throw new WorkspaceError(
          'CHANGED',
          `${name} changed in the workspace since it was opened or saved here (another tab or program wrote it); nothing was written: Save As keeps this text under another name`,
        );
      }
    } else if (await exists(file)) {
      throw new WorkspaceError('EXISTS', `${name} already exists`);
    }
    const temp = path.join(path.dirname(file), `.${name}.${randomUUID()}.saving`);
    const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644).catch(
      (e: NodeJS.ErrnoException) => {
        throw fsError(e, name);
      },
    );
    try {
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      if (overwrite) await rename(temp, file);
      else await linkAsNew(temp, file, name);
      const st = await lstat(file);
      return { name, bytes: st.size, modifiedMs: st.mtimeMs };
    } finally {
      await unlink(temp).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw fsError(e, name);
      });
    }
  }

  /** Renames without ever replacing a file (two renames racing onto one name: one wins, one is refused). */
  rename(from: string, to: string): Promise<void> {
    return this.oneAtATime(() => this.renameNow(from, to));
  }

  private async renameNow(from: string, to: string): Promise<void> {
    const src = await this.path(from);
    const dst = await this.path(to);
    const st = await lstat(src).catch((e: NodeJS.ErrnoException) => {
      throw fsError(e, from);
    });
    if (!st.isFile()) throw new WorkspaceError('NOT_A_FILE', `${from} is not a file`);
    await linkAsNew(src, dst, to);
    await unlink(src).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw fsError(e, from);
    });
  }

  /** The folder itself, created on first use, resolved once through any symlink the person chose. */
  private async root(): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    return realpath(this.dir);
  }

  private async path(name: string): Promise<string> {
    if (typeof name !== 'string' || !WORKSPACE_NAME.test(name)) {
      throw new WorkspaceError(
        'BAD_NAME',
        `"${String(name).slice(0, 80)}" is not a workspace file name: letters, digits, "_", "-" and ".", ending in .tal, no folders`,
      );
    }
    if (WINDOWS_DEVICE.test(name.split('.')[0]!)) {
      throw new WorkspaceError('BAD_NAME', `"${name}" is a name Windows reserves for a device (CON, PRN, AUX, NUL, COM0–9, LPT0–9); choose another`);
    }
    return path.join(await this.root(), name);
  }
}

/** A text's version: SHA-256 of its UTF-8 bytes (the bytes the workspace holds for it). */
export function textVersion(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Gives `src`'s file the name `dst` too, only if `dst` is free, in one step (link() fails on an
 * existing name; checking first, then renaming, let a racing request slip in between). Filesystems
 * without hard links fall back to check-then-rename, which moves src (the caller's unlink then finds
 * nothing).
 */
async function linkAsNew(src: string, dst: string, dstName: string): Promise<void> {
  try {
    await link(src, dst);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new WorkspaceError('EXISTS', `${dstName} already exists`);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw fsError(e as NodeJS.ErrnoException, dstName);
    if (await exists(dst)) throw new WorkspaceError('EXISTS', `${dstName} already exists`);
    await rename(src, dst);
  }
}

function exists(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    () => false,
  );
}

function fsError(e: NodeJS.ErrnoException, name: string): WorkspaceError {
  if (e.code === 'ENOENT') return new WorkspaceError('NOT_FOUND', `${name} does not exist in the workspace`);
  if (e.code === 'EEXIST') return new WorkspaceError('EXISTS', `${name} already exists`);
  if (e.code === 'ELOOP') return new WorkspaceError('NOT_A_FILE', `${name} is a symbolic link; the workspace opens only plain files`);
  return new WorkspaceError('IO', `${name}: ${e.message}`);
}
