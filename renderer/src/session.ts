// The session in the browser's storage: the open file's name, its unsaved
// text, the arguments, standard input and the pane sizes, so a reload or a
// restart returns to where the person was.

export interface Session {
  file: string;
  source: string;
  args: string;
  stdin: string;
  stdinFromTerminal: boolean;
  mode: 'kernel' | 'user';
  /** CSS sizes of the resizable panes, by name. */
  panes: Record<string, string>;
}

const KEY = 'tal-lab.session.v1';

export function loadSession(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (raw === null) return null;
    const v = JSON.parse(raw) as Partial<Session>;
    if (typeof v.file !== 'string' || typeof v.source !== 'string') return null;
    return {
      file: v.file,
      source: v.source,
      args: typeof v.args === 'string' ? v.args : '',
      stdin: typeof v.stdin === 'string' ? v.stdin : '',
      stdinFromTerminal: v.stdinFromTerminal === true,
      mode: v.mode === 'user' ? 'user' : 'kernel',
      panes: typeof v.panes === 'object' && v.panes !== null ? v.panes : {},
    };
  } catch {
    return null; // storage unavailable or damaged: start fresh
  }
}

export function saveSession(session: Session): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(session));
  } catch {
    // storage full or unavailable: the session simply is not kept
  }
}
