// The guest's state in the header: boot progress, restart and snapshot controls.

import type { LabApi, VmStatus } from '../../preload/contract.js';
import { h } from './dom.js';

/**
 * Returns a function that reads the guest's state again (after a reconnect). `replacing` is told before a restore or
 * restart (main ends a run in flight first) and returns what to add to the message about it.
 */
export function mountVmPanel(
  root: HTMLElement,
  api: LabApi,
  report: (message: string) => void,
  replacing: (action: 'restore' | 'restart') => string,
): () => void {
  const label = h('span', { class: 'vm-state', id: 'vm-state' }, 'guest: …');
  const bar = h('progress', { class: 'vm-progress', max: '1', value: '0' });
  const restart = h('button', { id: 'vm-restart', title: 'cold-boot the guest again' }, 'Restart');
  const save = h('button', { id: 'vm-snap-save', title: 'save the emulator state' }, 'Snapshot');
  const restore = h('button', { id: 'vm-snap-restore', title: 'return to the saved state' }, 'Restore');
  root.append(label, bar, restart, save, restore);

  const show = (s: VmStatus): void => {
    label.textContent = `guest: ${s.state}${s.message ? ` — ${s.message}` : ''}`;
    label.dataset['state'] = s.state;
    bar.hidden = s.state !== 'booting';
    if (s.progress !== undefined) bar.value = s.progress;
    const usable = s.state === 'running';
    save.disabled = !usable;
    restore.disabled = !usable;
    restart.disabled = s.state === 'unavailable';
  };
  api.on('vmStatus', show);
  const refresh = (): void => void api.getVmStatus({}).then((r) => r.ok && show(r.value));
  refresh();

  restart.addEventListener('click', async () => {
    const note = replacing('restart');
    const r = await api.restartVm({});
    if (!r.ok) report(r.error.message);
    else {
      show(r.value);
      if (note) report(`restarted the guest${note}`);
    }
  });
  for (const [button, action] of [
    [save, 'save'],
    [restore, 'restore'],
  ] as const) {
    button.addEventListener('click', async () => {
      const note = action === 'restore' ? replacing('restore') : '';
      const r = await api.snapshotVm({ action });
      report(r.ok ? `${r.value.message}${note}` : r.error.message);
    });
  }
  return refresh;
}
