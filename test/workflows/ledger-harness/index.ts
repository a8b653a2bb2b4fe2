// Workflows for the ledger tests: the real fleetLedger, and a stand-in for a VM workflow that only waits for the
// ledger to grant it a boot slot (so the test can watch admissions without booting anything).
import { condition, setHandler } from '@temporalio/workflow';
import { bootSlotGrantedSignal } from '../../../workflows/messages';

export { fleetLedger } from '../../../workflows/fleet-ledger';

export async function grantWaiter(): Promise<{ reservationId: string; host: string }> {
  let grant: { reservationId: string; host: string } | undefined;
  setHandler(bootSlotGrantedSignal, (g) => {
    grant = g;
  });
  await condition(() => grant !== undefined);
  return grant!;
}
