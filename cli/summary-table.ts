// The table printed once VMs are done (by `vm watch` and the main job): where each booted and settled, and how long
// the boot and the migration took, which is the comparison bootshift exists for.
import type { VmStatus } from '../workflows/types';
import { formatMs, vmDurations } from './durations';
import { renderTable } from './output';

export function summaryTable(statuses: VmStatus[]): string {
  return renderTable(
    ['VM', 'PHASE', 'BOOT HOST', 'SETTLE HOST', 'BOOT TIME', 'MIGRATION TIME'],
    statuses.map((s) => {
      const d = vmDurations(s);
      return [s.name, s.phase, s.bootHost ?? '-', s.settleHost ?? '-', formatMs(d.bootMs), formatMs(d.migrateMs)];
    }),
  );
}
