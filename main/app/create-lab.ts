// Builds the lab's main-process side the same way for both shells: toolchain,
// VM, service, router. A shell adds only its transport and its window.

import { createRouter, type LabRouter } from '../ipc/router.js';
import { guestVm } from './guest-vm.js';
import { syscallName, type LabVm } from './integration.js';
import { IsolatedToolchain } from './isolated-toolchain.js';
import { createLabService, type EventSink, type LabService } from './lab-service.js';
import type { LabPaths } from './resource-paths.js';

export interface Lab {
  router: LabRouter;
  service: LabService;
  vm: LabVm;
}

export interface CreateLabOptions {
  paths: LabPaths;
  emit: EventSink;
  /** Tests pass their own VM; shells use the real one. */
  vm?: LabVm;
}

export async function createLab(opts: CreateLabOptions): Promise<Lab> {
  const vm = opts.vm ?? guestVm({ imagesDir: opts.paths.imagesDir });
  const toolchain = new IsolatedToolchain();
  const service = createLabService({ toolchain, vm, paths: opts.paths, syscallName, emit: opts.emit });
  return { router: createRouter(service.handlers), service, vm };
}
