// Worker logs at INFO drown test output; tests install a WARN-level runtime once, before any worker is created.
import { DefaultLogger, Runtime } from '@temporalio/worker';

let installed = false;

export function installQuietRuntime(): void {
  if (installed) return;
  installed = true;
  Runtime.install({ logger: new DefaultLogger('WARN') });
}
