// Stand-ins for VM workflows in the gateway's hostile-input test: registered under the name provisionVm (the only
// type the gateway will signal), they count every boot-complete signal they get; `finish: true` ones end at once,
// to stand for VMs whose provisioning is over.
import { condition, defineQuery, setHandler } from '@temporalio/workflow';
import { bootCompleteSignal } from '../../../workflows/messages';

export const signalCountQuery = defineQuery<number>('signalCount');

export async function provisionVm(input: { finish?: boolean }): Promise<void> {
  let count = 0;
  setHandler(bootCompleteSignal, () => {
    count += 1;
  });
  setHandler(signalCountQuery, () => count);
  if (input.finish) return;
  await condition(() => false);
}
