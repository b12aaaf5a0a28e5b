// The lab's renderer: lays out the editor, the side panes and the terminals,
// and wires them to the lab API. It sends TAL source to main; main checks,
// builds, signs and runs.

import '@xterm/xterm/css/xterm.css';
import 'uplot/dist/uPlot.min.css';
import '../styles.css';
import { RUN_LIMITS, type CheckReply, type ExampleInfo, type LabRunMode, type RunReply } from '../../preload/contract.js';
import { splitShellWords } from '../../preload/shell-words.js';
import { runFooter, runHeader, visible } from './run-lines.js';
import { BenchmarksView } from './benchmarks.js';
import { DisassemblyPane } from './disassembly.js';
import { h } from './dom.js';
import { createEditor } from './editor.js';
import { TypeStateInspector } from './inspector.js';
import { labApi, unwrap } from './lab-api.js';
import { renderProblems } from './problems.js';
import { mountFileMenu } from './file-menu.js';
import { mountShellBridge } from './shell-bridge.js';
import { loadSession, saveSession } from './session.js';
import { createSplitters } from './splitters.js';
import { mountTheme } from './theme.js';
import { decodeShared, encodeShared } from './share-link.js';
import { SerialTerminals } from './terminals.js';
import { TransitionsView } from './transitions.js';
import { mountVmPanel } from './vm-panel.js';

const CHECK_DELAY_MS = 250;

const app = document.getElementById('app')!;
const status = h('div', { class: 'statusline', id: 'status', role: 'status' }, 'connecting…');
let everDisconnected = false;
const api = labApi((connected) => {
  document.body.classList.toggle('disconnected', !connected);
  document.body.dataset['connection'] = connected ? 'connected' : 'disconnected';
  if (!connected) {
    everDisconnected = true;
    say('lost the connection to the lab; reconnecting…');
  } else if (everDisconnected) {
    say('reconnected to the lab');
    // What may have changed while away: the guest's state, and the check of the current text.
    refreshVm();
    scheduleCheck(editor.source());
  }
});

function say(message: string): void {
  status.textContent = message;
}

// ---- layout ----
const picker = h('select', { id: 'examples', 'aria-label': 'examples' }, h('option', { value: '' }, 'Examples…'));
const fileLabel = h('span', { class: 'file-name', id: 'file-name' }, 'untitled.tal');
const LIMITS_TEXT =
  `up to ${RUN_LIMITS.args} arguments of ${RUN_LIMITS.argChars} characters, quoted as in a shell ('two words', "it's", a\\ b); ` +
  `standard input up to ${RUN_LIMITS.stdinChars / 1024} KiB; a run is stopped after ${RUN_LIMITS.timeoutMs / 1000} s`;
const argsInput = h('input', {
  id: 'run-args',
  class: 'run-args',
  placeholder: "arguments, e.g. 10 'two words'",
  'aria-label': 'program arguments',
  title: LIMITS_TEXT,
});
const runUser = h(
  'button',
  { id: 'run-user', class: 'run', title: 'run in ring 3; syscalls trap through int 0x80 (Ctrl+Enter runs again in the last mode)' },
  'Run in user mode',
);
const runKernel = h(
  'button',
  { id: 'run-kernel', class: 'run', title: 'run in ring 0; syscalls are direct calls (Ctrl+Enter runs again in the last mode)' },
  'Run in kernel mode',
);
const stopButton = h(
  'button',
  { id: 'run-stop', class: 'stop', title: 'end the running program (SIGINT, then SIGKILL); the guest and its files stay', disabled: '' },
  'Stop',
);
const stdinInput = h('textarea', {
  id: 'run-stdin',
  class: 'run-stdin',
  rows: '1',
  placeholder: 'standard input (empty: none)',
  'aria-label': 'standard input',
  title: LIMITS_TEXT,
});
const stdinTerminal = h('input', { id: 'run-stdin-terminal', type: 'checkbox' });
const stdinTerminalLabel = h(
  'label',
  { class: 'run-option', title: 'the program reads what you type in the ttyS3 · runner terminal (Ctrl-D ends input)' },
  stdinTerminal,
  ' stdin from terminal',
);
const limitsNote = h('span', { class: 'run-limits muted', id: 'run-limits' }, LIMITS_TEXT);
const vmBox = h('div', { class: 'vm-panel' });
const copyLink = h('button', { id: 'copy-link', title: 'copy a link that opens this program, mode, arguments and input' }, 'Copy link');
const fileBox = h('span', { class: 'file-menu' });
const dirtyMarker = h('span', { class: 'dirty', id: 'dirty-marker' });
const theme = mountTheme();
const header = h(
  'header',
  {},
  h('strong', { class: 'brand' }, 'TAL Lab'),
  fileBox,
  picker,
  fileLabel,
  dirtyMarker,
  runUser,
  runKernel,
  stopButton,
  copyLink,
  theme.toggle,
  vmBox,
);
const runBar = h('div', { class: 'run-bar' }, argsInput, stdinInput, stdinTerminalLabel, limitsNote);

const editorBox = h('div', { class: 'editor', id: 'editor' });
const checkState = h('div', { class: 'check-state', id: 'check-state' }, 'not checked');
const problems = h('div', { class: 'problems', id: 'problems' });
const problemsHead = h('div', { class: 'problems-head' }, h('span', {}, 'Problems'), checkState);

const paneNames = ['Type state', 'Disassembly', 'Transitions', 'Benchmarks'] as const;
const paneEls = paneNames.map((n) => h('div', { class: 'pane', id: `pane-${slug(n)}` }));
const paneTabs = paneNames.map((n, i) => {
  const b = h('button', { class: 'tab', id: `tab-${slug(n)}` }, n);
  b.addEventListener('click', () => showPane(i));
  return b;
});
const right = h('section', { class: 'right' }, h('div', { class: 'tabbar' }, ...paneTabs), ...paneEls);
const terminalsBox = h('section', { class: 'terminals', id: 'terminals' });

// ---- resizable panes: editor | side panels, editor / problems, everything / terminals ----
const left = h('section', { class: 'left' });
const mainBox = h('main', {});
const { elements: splitter, splitters } = createSplitters(
  [
    {
      name: 'side',
      label: 'resize the side panels',
      axis: 'column',
      sized: right,
      other: left,
      sizedAfter: true,
      host: mainBox,
      cssVar: '--side-size',
      minPx: 260,
      otherMinPx: 320,
    },
    {
      name: 'problems',
      label: 'resize the problems list',
      axis: 'row',
      sized: problems,
      other: editorBox,
      sizedAfter: true,
      host: left,
      cssVar: '--problems-size',
      minPx: 24,
      otherMinPx: 90,
    },
    {
      name: 'terminals',
      label: 'resize the terminals',
      axis: 'row',
      sized: terminalsBox,
      other: mainBox,
      sizedAfter: true,
      host: app,
      cssVar: '--terminals-size',
      minPx: 80,
      otherMinPx: 140,
    },
  ],
  () => schedulePersist(),
);
left.append(editorBox, splitter['problems']!, problemsHead, problems);
mainBox.append(left, splitter['side']!, right);
app.append(header, runBar, mainBox, splitter['terminals']!, terminalsBox, status);
splitters.apply(loadSession()?.panes ?? {}); // the layout is the person's, also when a shared link opens

// ---- parts ----
const editor = createEditor(editorBox, {
  onChange: (source) => {
    scheduleCheck(source);
    schedulePersist();
    files.edited();
  },
  onInspect: (line, sticky) => {
    inspector.inspect(line, sticky);
    disassembly.highlightLine(line);
  },
});
const files = mountFileMenu(
  fileBox,
  dirtyMarker,
  api,
  {
    source: () => editor.source(),
    name: () => fileName,
    show(name, source) {
      fileName = name;
      fileLabel.textContent = name;
      picker.value = '';
      if (editor.source() !== source) editor.setSource(source);
      schedulePersist();
    },
    say,
  },
  window.labShell,
);
const inspector = new TypeStateInspector(paneEls[0]!);
const disassembly = new DisassemblyPane(paneEls[1]!, (line) => editor.goToLine(line));
const transitions = new TransitionsView(paneEls[2]!, api);
const benchmarks = new BenchmarksView(paneEls[3]!, api);
const terminals = new SerialTerminals(terminalsBox, api, say);
const refreshVm = mountVmPanel(vmBox, api, say, guestReplaced);
theme.follow((t) => {
  editor.setDark(t === 'dark');
  terminals.restyle();
  transitions.restyle();
});

let activePane = 0;
function showPane(i: number): void {
  activePane = i;
  paneEls.forEach((p, j) => (p.hidden = j !== i));
  paneTabs.forEach((t, j) => t.classList.toggle('active', j === i));
  if (i === 1) void refreshDisassembly();
  if (i === 2) transitions.resize();
  if (i === 3) void benchmarks.refresh();
}
showPane(0);

// ---- check as you type ----
let fileName = 'untitled.tal';
let checkTimer: number | undefined;
let checkSeq = 0;
let builtFor: string | null = null;

function scheduleCheck(source: string): void {
  window.clearTimeout(checkTimer);
  checkState.textContent = 'checking…';
  checkTimer = window.setTimeout(() => void check(source), CHECK_DELAY_MS);
}

async function check(source: string): Promise<void> {
  const seq = ++checkSeq;
  const reply = await api.checkSource({ source, file: fileName });
  if (seq !== checkSeq) return; // a newer edit is being checked
  if (!reply.ok) {
    checkState.textContent = 'not checked'; // not "checking…" forever
    say(`check failed: ${reply.error.message}`);
    return;
  }
  showCheck(reply.value);
  if (activePane === 1) void refreshDisassembly();
}

function showCheck(result: CheckReply): void {
  editor.showDiagnostics(result.diagnostics);
  renderProblems(problems, result.diagnostics, (line) => editor.goToLine(line));
  inspector.setTrace(result.trace);
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  checkState.textContent = result.ok ? '✓ accepted' : `✗ ${errors} error${errors === 1 ? '' : 's'}`;
  checkState.dataset['ok'] = String(result.ok);
}

async function refreshDisassembly(): Promise<void> {
  const source = editor.source();
  if (builtFor === source) return;
  builtFor = source;
  const reply = await api.buildSource({ source, file: fileName });
  if (reply.ok) disassembly.show(reply.value);
  else say(reply.error.message);
}

// ---- examples ----
let examples: ExampleInfo[] = [];
async function loadExamples(): Promise<void> {
  try {
    examples = unwrap(await api.listExamples({}));
  } catch (err) {
    say(`could not list examples: ${(err as Error).message}`);
    return;
  }
  picker.append(...examples.map((e) => h('option', { value: e.id }, `${e.id} — ${e.title}`)));
  if (restored) return; // a shared link or the last session is open already
  say(examples.length === 0 ? 'no examples found (tal/examples/*.tal)' : `${examples.length} examples; pick one to start`);
  const first = examples.find((e) => e.id === 'hello') ?? examples[0];
  if (first) openExample(first);
}
function openExample(e: ExampleInfo): void {
  if (!files.mayDiscard()) {
    picker.value = '';
    return;
  }
  fileName = `${e.id}.tal`;
  stdinInput.value = '';
  argsInput.value = ''; // arguments belong to the program they were typed for
  fileLabel.textContent = fileName;
  picker.value = e.id;
  editor.setSource(e.source);
  files.detached(true);
}
picker.addEventListener('change', () => {
  const e = examples.find((x) => x.id === picker.value);
  if (e) openExample(e);
});

// ---- run ----
let lastMode: LabRunMode = 'kernel';
let running = false;
/** Why the run in flight is being ended by a restore or restart (main cancels it first); null otherwise. */
let cancelledBy: string | null = null;

/** A snapshot restore or a restart is starting: the run in flight ends with it, and its reply must say so. */
function guestReplaced(action: 'restore' | 'restart'): string {
  if (!running) return '';
  cancelledBy = action === 'restore' ? 'the snapshot was restored' : 'the guest was restarted';
  return `; the run of ${fileName} in flight was cancelled`;
}

/** The arguments and stdin as the run will send them, or what is wrong with them, in words. */
function runInputs(): { args: string[]; stdin: string } | { error: string } {
  const split = splitShellWords(argsInput.value);
  if (!split.ok) return { error: `arguments: ${split.error}` };
  if (split.words.length > RUN_LIMITS.args) return { error: `arguments: at most ${RUN_LIMITS.args} (there are ${split.words.length})` };
  const long = split.words.findIndex((w) => w.length > RUN_LIMITS.argChars);
  if (long >= 0) return { error: `argument ${long + 1} is longer than ${RUN_LIMITS.argChars} characters` };
  if (stdinInput.value.length > RUN_LIMITS.stdinChars) return { error: `standard input is longer than ${RUN_LIMITS.stdinChars / 1024} KiB` };
  return { args: split.words, stdin: stdinInput.value };
}

function setRunning(on: boolean): void {
  running = on;
  runUser.disabled = runKernel.disabled = on;
  stopButton.disabled = !on;
}

function setLastMode(mode: LabRunMode): void {
  lastMode = mode;
  runBar.dataset['mode'] = mode; // what Ctrl+Enter runs, and what a link carries
}

async function run(mode: LabRunMode): Promise<void> {
  if (running) return;
  setLastMode(mode);
  const inputs = runInputs();
  if ('error' in inputs) {
    say(`Cannot run ${fileName}: ${inputs.error}.`);
    status.dataset['run'] = 'invalid';
    return;
  }
  setRunning(true);
  terminals.note(3, runHeader(fileName, inputs.args, mode, stdinTerminal.checked));
  say(`running ${fileName} in ${mode} mode…${stdinTerminal.checked ? ' (type its input in the ttyS3 · runner terminal)' : ''}`);
  if (stdinTerminal.checked) terminals.show(3);
  try {
    const reply = await api.runProgram({
      source: editor.source(),
      file: fileName,
      mode,
      args: inputs.args,
      stdin: inputs.stdin,
      stdinFrom: stdinTerminal.checked ? 'terminal' : 'text',
    });
    if (cancelledBy !== null) {
      say(`the run of ${fileName} in ${mode} mode was cancelled: ${cancelledBy}`);
      status.dataset['run'] = 'cancelled';
      terminals.note(0, `[lab] the run of ${fileName} was cancelled: ${cancelledBy}`);
      terminals.note(3, `[cancelled: ${cancelledBy}]`);
      return;
    }
    if (!reply.ok) {
      say(reply.error.message);
      terminals.note(3, `[not run: ${visible(reply.error.message)}]`);
      status.dataset['run'] = 'failed';
      return;
    }
    showRun(reply.value);
  } finally {
    cancelledBy = null;
    setRunning(false);
  }
}
function showRun(r: RunReply): void {
  say(r.message);
  status.dataset['run'] = r.status;
  status.dataset['restart'] = String(r.restartHint === true);
  if (r.status === 'rejected') {
    editor.showDiagnostics(r.diagnostics);
    renderProblems(problems, r.diagnostics, (line) => editor.goToLine(line));
  }
  terminals.note(3, runFooter(r));
  terminals.note(0, `[lab] ${r.message}`);
  if (r.output) terminals.print(0, r.output);
  if (r.status === 'exited' || r.status === 'stopped') showPane(2);
}
runUser.addEventListener('click', () => void run('user'));
runKernel.addEventListener('click', () => void run('kernel'));
stopButton.addEventListener('click', async () => {
  say(`stopping ${fileName}…`);
  const reply = await api.stopRun({});
  if (!reply.ok) say(reply.error.message);
});
// Ctrl+Enter (Cmd+Enter) runs again in the last mode, wherever the focus is — also in the editor,
// where it would otherwise insert a line.
window.addEventListener(
  'keydown',
  (ev) => {
    if (ev.key !== 'Enter' || !(ev.ctrlKey || ev.metaKey)) return;
    ev.preventDefault();
    ev.stopPropagation();
    void run(lastMode);
  },
  { capture: true },
);

// ---- share links and the session ----
let restored = false;
let imagesDigest = '';
let persistTimer: number | undefined;

/** Applies a program with its run settings (from a link or the last session). */
function openState(st: { file: string; source: string; args: string; stdin: string; mode: LabRunMode; stdinFromTerminal?: boolean }, clean: boolean): void {
  fileName = st.file;
  fileLabel.textContent = fileName;
  argsInput.value = st.args;
  stdinInput.value = st.stdin;
  stdinTerminal.checked = st.stdinFromTerminal === true;
  setLastMode(st.mode);
  picker.value = '';
  editor.setSource(st.source);
  files.detached(clean);
}

function currentShared() {
  return { file: fileName, source: editor.source(), mode: lastMode, args: argsInput.value, stdin: stdinInput.value, images: imagesDigest };
}

/** The URL fragment and the stored session always describe what is on screen. */
function schedulePersist(): void {
  window.clearTimeout(persistTimer);
  persistTimer = window.setTimeout(() => void persist(), 300);
}
async function persist(): Promise<void> {
  const state = currentShared();
  saveSession({ ...state, stdinFromTerminal: stdinTerminal.checked, panes: splitters.sizes() });
  const fragment = await encodeShared(state);
  if (location.hash !== fragment) history.replaceState(null, '', fragment);
}
for (const el of [argsInput, stdinInput, stdinTerminal]) el.addEventListener('input', schedulePersist);
runUser.addEventListener('click', schedulePersist);
runKernel.addEventListener('click', schedulePersist);

copyLink.addEventListener('click', async () => {
  window.clearTimeout(persistTimer);
  await persist();
  try {
    await navigator.clipboard.writeText(location.href);
    say(`link copied (${location.href.length} characters): it opens ${fileName}, its mode, arguments and input`);
  } catch {
    say(`copy this link: ${location.href}`);
  }
});

api.on('vmStatus', (s) => {
  if (!s.imagesDigest || s.imagesDigest === imagesDigest) return;
  imagesDigest = s.imagesDigest;
  schedulePersist();
});

async function restore(): Promise<void> {
  const shared = await decodeShared(location.hash);
  if (shared !== null && 'error' in shared) {
    say(`cannot open the shared link: ${shared.error}`);
  } else if (shared !== null) {
    openState(shared, true);
    restored = true;
    const vm = await api.getVmStatus({});
    const here = vm.ok ? vm.value.imagesDigest : undefined;
    if (here) imagesDigest = here;
    const note =
      shared.images && here && shared.images !== here ? ` (made with other guest images: ${shared.images.slice(0, 12)}…, these are ${here.slice(0, 12)}…)` : '';
    say(`opened the shared ${shared.file} (${shared.mode} mode)${note}`);
    return;
  }
  const session = loadSession();
  if (session !== null) {
    openState(session, false);
    restored = true;
  }
}

void restore().then(() => loadExamples());

// A share link pasted into this tab's address bar changes only the fragment, so the page is not
// reloaded: open it here, as a fresh tab would. (persist() writes the fragment with replaceState,
// which fires no hashchange.) Declining to discard unsaved work puts back the fragment of what is shown.
window.addEventListener('hashchange', () => {
  if (files.mayDiscard()) void restore();
  else schedulePersist();
});

// ---- Electron shell: the application menu's commands and links opened from outside ----
if (window.labShell) {
  mountShellBridge(
    window.labShell,
    {
      new: () => void files.command('new'),
      open: () => void files.command('open'),
      save: () => void files.command('save'),
      saveAs: () => void files.command('saveAs'),
      rename: () => void files.command('rename'),
      copyLink: () => copyLink.click(),
      runKernel: () => void run('kernel'),
      runUser: () => void run('user'),
      runAgain: () => void run(lastMode),
      stop: () => stopButton.click(),
    },
    (fragment) => {
      if (!files.mayDiscard()) return;
      history.replaceState(null, '', fragment);
      void restore();
    },
  );
}

function slug(s: string): string {
  return s.toLowerCase().replace(/\s+/g, '-');
}
