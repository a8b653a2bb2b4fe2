// What the guest itself says about its boot, from its serial console (the worker writes one file per domain): the
// guest's uptime when cloud-init started its final stage (where phone_home runs) and when it finished. Uptime counts
// from the kernel's start, so it leaves out the firmware and boot loader before it.
import { existsSync, readFileSync } from 'node:fs';

export interface CloudInitUptime {
  finalStageS: number | null;
  finishedS: number | null;
}

export function cloudInitUptime(consoleFile: string): CloudInitUptime {
  const text = existsSync(consoleFile) ? readFileSync(consoleFile, 'utf8') : '';
  const seconds = (pattern: RegExp) => {
    const match = pattern.exec(text);
    return match?.[1] !== undefined ? Number(match[1]) : null;
  };
  return {
    finalStageS: seconds(/running 'modules:final' at .*?Up ([\d.]+) seconds/),
    finishedS: seconds(/Cloud-init v\. \S+ finished at .*?Up ([\d.]+) seconds/),
  };
}
