// Watches the storm while it runs: the ledger's snapshot, read from PostgreSQL in one transaction (the boot queue's
// length, and the ledger's view of each host), and the simulated fleet (what each host really runs), every
// `intervalMs`. A violation only seen between
// two samples would be missed, so the ledger's own guards and the final check back this up.
import type { Inventory } from '../../domain';
import type { SimulatedHypervisor } from '../../activities/simulated-hypervisor';
import type { PostgresLedger } from '../../ledger/postgres-ledger';
import { fleetViolations, ledgerViolations } from './policy-checks';

export interface WatchFigures {
  samples: number;
  peakQueue: number;
  peakBootReserved: number;
  violations: string[];
  queryErrors: number;
}

export function watchStorm(ledger: PostgresLedger, inventory: Inventory, fleet: SimulatedHypervisor, intervalMs: number): { stop(): Promise<WatchFigures> } {
  const figures: WatchFigures = { samples: 0, peakQueue: 0, peakBootReserved: 0, violations: [], queryErrors: 0 };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const tick = new Promise((resolve) => setTimeout(resolve, intervalMs));
      try {
        const snap = await ledger.snapshot(inventory.fleet);
        figures.samples += 1;
        figures.peakQueue = Math.max(figures.peakQueue, snap.counts.queued);
        figures.peakBootReserved = Math.max(figures.peakBootReserved, snap.counts.bootReserved);
        figures.violations.push(...ledgerViolations(snap));
      } catch {
        figures.queryErrors += 1;
      }
      figures.violations.push(...fleetViolations(fleet.snapshot(), inventory));
      await tick;
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return { ...figures, violations: [...new Set(figures.violations)] };
    },
  };
}
