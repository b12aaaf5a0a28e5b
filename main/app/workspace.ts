// The workspace: one folder on the host holding the person's .tal files (web
// shell: under the home directory by default, or --workspace DIR; the Electron
// shell uses the same). The renderer names files only by a bare name; every
// path is built here and confined to the folder: no separators, no leading
// dot, no NUL, only *.tal, and files are opened with O_NOFOLLOW so a symlink
// planted in the folder can neither be read through nor written through.

import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, realpath } from 'node:fs/promises';
import path from 'node:path';

export const MAX_WORKSPACE_FILE_BYTES = 512 * 1024;
/** A bare file name ending in .tal: the only names the workspace accepts. */
export const WORKSPACE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,59}\.tal$/;

export interface WorkspaceFile {
  name: string;
  bytes: number;
  modifiedMs: number;
}

export class WorkspaceError extends Error {
  constructor(
    readonly code: 'BAD_NAME' | 'NOT_FOUND' | 'EXISTS' | 'NOT_A_FILE' | 'TOO_BIG' | 'IO',
    message: string,
  ) {
    super(message);
  }
}

export class Workspace {
  constructor(readonly dir: string) {}

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
      return await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  }

  /** Writes a file; with overwrite false, refuses one that exists (Save As, New). */
  async write(name: string, text: string, overwrite: boolean): Promise<WorkspaceFile> {
    if (Buffer.byteLength(text) > MAX_WORKSPACE_FILE_BYTES)
      throw new WorkspaceError('TOO_BIG', `the program is larger than ${MAX_WORKSPACE_FILE_BYTES / 1024} KiB`);
    const file = await this.path(name);
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | (overwrite ? constants.O_TRUNC : constants.O_EXCL);
    const handle = await open(file, flags, 0o644).catch((e: NodeJS.ErrnoException) => {
      throw fsError(e, name);
    });
    try {
      if (!(await handle.stat()).isFile()) throw new WorkspaceError('NOT_A_FILE', `${name} is not a file`);
      await handle.writeFile(text, 'utf8');
      const st = await handle.stat();
      return { name, bytes: st.size, modifiedMs: st.mtimeMs };
    } finally {
      await handle.close();
    }
  }

  async rename(from: string, to: string): Promise<void> {
    const src = await this.path(from);
    const dst = await this.path(to);
    const st = await lstat(src).catch((e: NodeJS.ErrnoException) => {
      throw fsError(e, from);
    });
    if (!st.isFile()) throw new WorkspaceError('NOT_A_FILE', `${from} is not a file`);
    if (
      await lstat(dst).then(
        () => true,
        () => false,
      )
    )
      throw new WorkspaceError('EXISTS', `${to} already exists`);
    await rename(src, dst);
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
    return path.join(await this.root(), name);
  }
}

function fsError(e: NodeJS.ErrnoException, name: string): WorkspaceError {
  if (e.code === 'ENOENT') return new WorkspaceError('NOT_FOUND', `${name} does not exist in the workspace`);
  if (e.code === 'EEXIST') return new WorkspaceError('EXISTS', `${name} already exists`);
  if (e.code === 'ELOOP') return new WorkspaceError('NOT_A_FILE', `${name} is a symbolic link; the workspace opens only plain files`);
  return new WorkspaceError('IO', `${name}: ${e.message}`);
}
