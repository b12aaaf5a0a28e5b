// File commands for the workspace folder (main/app/workspace.ts): New, Open,
// Save, Save As, Rename, with an unsaved-changes marker, a prompt before
// changes are dropped, Ctrl+S, and a dropped .tal file opening as a file of
// its own (not pasted into the current one). In the Electron shell (a
// LabShellApi given) Open, Save As and Rename use the native dialogs instead,
// on .tal files anywhere; the page then holds only a handle, never a path.

import type { LabApi, LabShellApi, NativeFileReply } from '../../preload/contract.js';
import { h } from './dom.js';

export interface FileHost {
  source(): string;
  name(): string;
  /** Shows a program under a name; saved: whether that text is what the workspace holds. */
  show(name: string, source: string): void;
  say(message: string): void;
}

export interface FileMenu {
  /** The editor changed (or another program was opened from elsewhere). */
  edited(): void;
  /**
   * A program not from the workspace is now shown: Save asks for a name. clean: its text is kept
   * elsewhere (an example, a link), so leaving it loses nothing; otherwise (a restored session) it does.
   */
  detached(clean: boolean): void;
  /** Whether leaving the current text is fine (nothing unsaved, or the person agreed). */
  mayDiscard(): boolean;
  /** Runs one of the commands by name (the Electron menu sends them). */
  command(name: FileCommand): Promise<void>;
}

export type FileCommand = 'new' | 'open' | 'save' | 'saveAs' | 'rename';

export function mountFileMenu(root: HTMLElement, marker: HTMLElement, api: LabApi, host: FileHost, native?: LabShellApi): FileMenu {
  /** The text the workspace holds for the current name; null when it is not a workspace file. */
  let savedText: string | null = null;
  /** The workspace's version of savedText: Save overwrites the file only while it is still at this version. */
  let savedVersion: string | undefined;
  /** The text as it was opened, when it is kept elsewhere (an example, a link): unchanged, it is not unsaved work. */
  let keptText: string | null = null;
  /** Electron: the handle of the file on disk the current text came from or was saved to. */
  let handle: string | null = null;
  const open = h('select', { id: 'workspace-open', 'aria-label': 'open a workspace file' }, h('option', { value: '' }, 'Open…'));
  const buttons = {
    new: h('button', { id: 'file-new', title: 'a new, empty program' }, 'New'),
    save: h('button', { id: 'file-save', title: 'save in the workspace folder (Ctrl+S)' }, 'Save'),
    saveAs: h('button', { id: 'file-save-as', title: 'save under another name' }, 'Save As…'),
    rename: h('button', { id: 'file-rename', title: 'rename the file in the workspace' }, 'Rename…'),
  };
  const openNative = h('button', { id: 'file-open', title: 'open a .tal file (Ctrl+O)' }, 'Open…');
  root.append(buttons.new, native ? openNative : open, buttons.save, buttons.saveAs, buttons.rename);

  const dirty = (): boolean => {
    const now = host.source();
    return savedText !== now && keptText !== now;
  };
  const mark = (): void => {
    marker.textContent = dirty() ? '● unsaved' : '';
    marker.title = dirty() ? 'changes not saved in the workspace' : '';
    document.title = `${dirty() ? '● ' : ''}${host.name()} — TAL Lab`;
  };
  const mayDiscard = (): boolean => !dirty() || host.source() === '' || confirm(`${host.name()} has unsaved changes. Discard them?`);

  async function refreshList(): Promise<void> {
    const r = await api.listFiles({});
    if (!r.ok) return;
    open.replaceChildren(h('option', { value: '' }, 'Open…'), ...r.value.files.map((f) => h('option', { value: f.name }, f.name)));
    open.title = `files in ${r.value.dir}`;
  }

  /** A name from the person, made a valid workspace name (".tal" added), or null when they cancelled. */
  function askName(question: string, suggestion: string): string | null {
    const answer = prompt(question, suggestion);
    if (answer === null || answer.trim() === '') return null;
    const name = answer.trim();
    return name.endsWith('.tal') ? name : `${name}.tal`;
  }

  async function save(name: string, overwrite: boolean): Promise<boolean> {
    const source = host.source();
    const ifVersion = overwrite && name === host.name() ? savedVersion : undefined;
    const r = await api.saveFile({ name, source, overwrite, ...(ifVersion ? { ifVersion } : {}) });
    const reply = r.ok ? r.value : { ok: false, message: r.error.message };
    host.say(reply.ok ? reply.message : `cannot save: ${reply.message}`);
    if (!reply.ok) return false;
    if (name !== host.name()) host.show(name, source);
    savedText = source;
    savedVersion = r.ok ? r.value.version : undefined;
    keptText = null;
    mark();
    await refreshList();
    return true;
  }

  /** A native dialog's answer: the file now shown (saved as it is on disk), or the reason said. */
  function nativeDone(r: Awaited<ReturnType<LabShellApi['openNative']>>, what: string, source?: string): void {
    const reply: NativeFileReply = r.ok ? r.value : { ok: false, cancelled: false, message: r.error.message };
    if (!reply.ok) {
      host.say(reply.cancelled ? reply.message : `cannot ${what}: ${reply.message}`);
      return;
    }
    handle = reply.file.handle;
    const text = source ?? reply.file.source;
    savedText = reply.file.source;
    keptText = null;
    host.show(bareLabel(reply.file.name), text);
    host.say(reply.message);
    mark();
  }

  const nativeCommands = (shell: LabShellApi): Record<FileCommand, () => Promise<void>> => ({
    new: commands.new,
    async open() {
      if (mayDiscard()) nativeDone(await shell.openNative({}), 'open');
    },
    async save() {
      if (handle === null) return commands.saveAs();
      nativeDone(await shell.saveNative({ handle, source: host.source() }), 'save');
    },
    async saveAs() {
      nativeDone(await shell.saveNativeAs({ name: host.name(), source: host.source() }), 'save');
    },
    async rename() {
      if (handle === null) {
        host.say('only a file opened or saved here can be renamed: use Save As');
        return;
      }
      const unsaved = dirty() ? host.source() : undefined;
      nativeDone(await shell.renameNative({ handle }), 'rename', unsaved);
    },
  });

  const commands: Record<FileCommand, () => Promise<void>> = {
    async new() {
      if (!mayDiscard()) return;
      handle = null;
      savedText = null;
      keptText = '';
      host.show('untitled.tal', '');
      mark();
    },
    async open() {
      const name = open.value || askName('Open which workspace file?', '');
      open.value = '';
      if (name === null || !mayDiscard()) return;
      const r = await api.openFile({ name });
      const reply = r.ok ? r.value : { ok: false, message: r.error.message, source: undefined };
      if (!reply.ok || reply.source === undefined) {
        host.say(`cannot open: ${reply.message}`);
        return;
      }
      savedText = reply.source;
      savedVersion = r.ok ? r.value.version : undefined;
      keptText = null;
      host.show(name, reply.source);
      host.say(reply.message);
      mark();
    },
    async save() {
      if (savedText === null) return commands.saveAs();
      await save(host.name(), true);
    },
    async saveAs() {
      const name = askName('Save as (in the workspace folder):', host.name());
      if (name !== null) await save(name, false);
    },
    async rename() {
      if (savedText === null) {
        host.say('only a file saved in the workspace can be renamed: use Save As');
        return;
      }
      const to = askName(`Rename ${host.name()} to:`, host.name());
      if (to === null) return;
      const r = await api.renameFile({ from: host.name(), to });
      const reply = r.ok ? r.value : { ok: false, message: r.error.message };
      host.say(reply.ok ? reply.message : `cannot rename: ${reply.message}`);
      if (!reply.ok) return;
      host.show(to, host.source());
      mark();
      await refreshList();
    },
  };
  if (native) Object.assign(commands, nativeCommands(native));
  openNative.addEventListener('click', () => void commands.open());
  buttons.new.addEventListener('click', () => void commands.new());
  buttons.save.addEventListener('click', () => void commands.save());
  buttons.saveAs.addEventListener('click', () => void commands.saveAs());
  buttons.rename.addEventListener('click', () => void commands.rename());
  open.addEventListener('change', () => void commands.open());
  window.addEventListener('keydown', (ev) => {
    if ((ev.ctrlKey || ev.metaKey) && !ev.shiftKey && ev.key.toLowerCase() === 's') {
      ev.preventDefault();
      void commands.save();
    }
  });
  window.addEventListener('beforeunload', (ev) => {
    if (dirty() && host.source() !== '') ev.preventDefault();
  });
  // A dropped .tal file opens as a file of its own (unsaved, under its name); other drops are ignored.
  window.addEventListener(
    'drop',
    (ev) => {
      const file = ev.dataTransfer?.files[0];
      if (file === undefined) return;
      ev.preventDefault();
      ev.stopPropagation();
      if (!file.name.endsWith('.tal')) {
        host.say(`${file.name} is not a .tal file; only .tal files open here`);
        return;
      }
      if (!mayDiscard()) return;
      void file.text().then((text) => {
        handle = null;
        savedText = null;
        keptText = null;
        host.show(bareLabel(file.name), text);
        host.say(`opened the dropped ${file.name}; Save keeps it in the workspace`);
        mark();
      });
    },
    { capture: true },
  );
  window.addEventListener('dragover', (ev) => ev.preventDefault());
  if (!native) void refreshList();

  return {
    edited: mark,
    detached(clean) {
      handle = null;
      savedText = null;
      keptText = clean ? host.source() : null;
      mark();
    },
    mayDiscard,
    command: (name) => commands[name](),
  };
}

/**
 * The name the page shows and sends for a file named anything on disk (a dialog's choice, a dropped
 * file): the bare name the lab's requests and share links take (letters, digits, "_", "-", ".", at
 * most 64, not starting with a dot), others becoming "_". The file itself keeps its name.
 */
function bareLabel(name: string): string {
  const stem = name
    .replace(/\.tal$/i, '')
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .replace(/^[.-]/, '_')
    .slice(0, 60);
  return `${stem || '_'}.tal`;
}
