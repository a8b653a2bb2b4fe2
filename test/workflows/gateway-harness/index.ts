// Stand-ins for VM workflows in the gateway's hostile-input test: registered under the name provisionVm (the only
// type the gateway will report to), they accept every boot-complete report that carries their own nonce (their
// validator refuses the rest, as provisionVm's does) and count them; `finish: true` ones end at once, to stand for
// VMs whose provisioning is over.
import { condition, defineQuery, setHandler } from '@temporalio/workflow';
import { bootCompleteUpdate } from '../../../workflows/messages';

export const reportCountQuery = defineQuery<number>('reportCount');

export async function provisionVm(input: { finish?: boolean; nonce?: string }): Promise<void> {
  let count = 0;
  setHandler(
    bootCompleteUpdate,
    () => {
      count += 1;
      return { bootedAt: Date.now() };
    },
    {
      validator: (event) => {
        if (event.nonce !== input.nonce) throw new Error('the token is not for this boot');
      },
    },
  );
  setHandler(reportCountQuery, () => count);
  if (input.finish) return;
  await condition(() => false);
}
