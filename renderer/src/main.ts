// The lab's renderer: lays out the editor, the side panes and the terminals,
// and wires them to the lab API. It sends TAL source to main; main checks,
// builds, signs and runs.

import '@xterm/xterm/css/xterm.css';
import 'uplot/dist/uPlot.min.css';
import '../styles.css';
import type { CheckReply, ExampleInfo, RunMode, RunReply } from '../../main/ipc/contract.js';
import { BenchmarksView } from './benchmarks.js';
import { DisassemblyPane } from './disassembly.js';
import { h } from './dom.js';
import { createEditor } from './editor.js';
import { TypeStateInspector } from './inspector.js';
import { labApi, unwrap } from './lab-api.js';
import { renderProblems } from './problems.js';
import { SerialTerminals } from './terminals.js';
import { TransitionsView } from './transitions.js';
import { mountVmPanel } from './vm-panel.js';

const CHECK_DELAY_MS = 250;

const app = document.getElementById('app')!;
const status = h('div', { class: 'statusline', id: 'status', role: 'status' }, 'connecting…');
const api = labApi((connected) => {
  document.body.classList.toggle('disconnected', !connected);
  if (!connected) say('lost the connection to the lab; retrying…');
});

function say(message: string): void {
  status.textContent = message;
}

// ---- layout ----
const picker = h('select', { id: 'examples', 'aria-label': 'examples' }, h('option', { value: '' }, 'Examples…'));
const fileLabel = h('span', { class: 'file-name', id: 'file-name' }, 'untitled.tal');
const argsInput = h('input', { id: 'run-args', class: 'run-args', placeholder: 'arguments', 'aria-label': 'program arguments', title: 'argv[1..], separated by spaces' });
const runUser = h('button', { id: 'run-user', class: 'run', title: 'run in ring 3; syscalls trap through int 0x80' }, 'Run in user mode');
const runKernel = h('button', { id: 'run-kernel', class: 'run', title: 'run in ring 0; syscalls are direct calls' }, 'Run in kernel mode');
const vmBox = h('div', { class: 'vm-panel' });
const header = h('header', {}, h('strong', { class: 'brand' }, 'TAL Lab'), picker, fileLabel, argsInput, runUser, runKernel, vmBox);

const editorBox = h('div', { class: 'editor', id: 'editor' });
const checkState = h('div', { class: 'check-state', id: 'check-state' }, 'not checked');
const problems = h('div', { class: 'problems', id: 'problems' });
const left = h('section', { class: 'left' }, editorBox, h('div', { class: 'problems-head' }, h('span', {}, 'Problems'), checkState), problems);

const paneNames = ['Type state', 'Disassembly', 'Transitions', 'Benchmarks'] as const;
const paneEls = paneNames.map((n) => h('div', { class: 'pane', id: `pane-${slug(n)}` }));
const paneTabs = paneNames.map((n, i) => {
  const b = h('button', { class: 'tab', id: `tab-${slug(n)}` }, n);
  b.addEventListener('click', () => showPane(i));
  return b;
});
const right = h('section', { class: 'right' }, h('div', { class: 'tabbar' }, ...paneTabs), ...paneEls);
const terminalsBox = h('section', { class: 'terminals', id: 'terminals' });
app.append(header, h('main', {}, left, right), terminalsBox, status);

// ---- parts ----
const editor = createEditor(editorBox, {
  onChange: (source) => scheduleCheck(source),
  onInspect: (line, sticky) => {
    inspector.inspect(line, sticky);
    disassembly.highlightLine(line);
  },
});
const inspector = new TypeStateInspector(paneEls[0]!);
const disassembly = new DisassemblyPane(paneEls[1]!, (line) => editor.goToLine(line));
const transitions = new TransitionsView(paneEls[2]!, api);
const benchmarks = new BenchmarksView(paneEls[3]!, api);
const terminals = new SerialTerminals(terminalsBox, api, say);
mountVmPanel(vmBox, api, say);

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
  say(examples.length === 0 ? 'no examples found (tal/examples/*.tal)' : `${examples.length} examples; pick one to start`);
  const first = examples.find((e) => e.id === 'hello') ?? examples[0];
  if (first) openExample(first);
}
function openExample(e: ExampleInfo): void {
  fileName = `${e.id}.tal`;
  argsInput.value = ''; // arguments belong to the program they were typed for
  fileLabel.textContent = fileName;
  picker.value = e.id;
  editor.setSource(e.source);
}
picker.addEventListener('change', () => {
  const e = examples.find((x) => x.id === picker.value);
  if (e) openExample(e);
});

// ---- run ----
async function run(mode: RunMode): Promise<void> {
  runUser.disabled = runKernel.disabled = true;
  say(`running ${fileName} in ${mode} mode…`);
  try {
    const args = argsInput.value.split(/\s+/).filter((a) => a !== '');
    const reply = await api.runProgram({ source: editor.source(), file: fileName, mode, args });
    if (!reply.ok) {
      say(reply.error.message);
      return;
    }
    showRun(reply.value);
  } finally {
    runUser.disabled = runKernel.disabled = false;
  }
}
function showRun(r: RunReply): void {
  say(r.message);
  status.dataset['run'] = r.status;
  if (r.status === 'rejected') {
    editor.showDiagnostics(r.diagnostics);
    renderProblems(problems, r.diagnostics, (line) => editor.goToLine(line));
  }
  terminals.note(0, `[lab] ${r.message}`);
  if (r.output) terminals.print(0, r.output);
  if (r.status === 'exited') showPane(2);
}
runUser.addEventListener('click', () => void run('user'));
runKernel.addEventListener('click', () => void run('kernel'));

void loadExamples();

function slug(s: string): string {
  return s.toLowerCase().replace(/\s+/g, '-');
}
