// One VM the bootshift way, timed as a user sees it: from starting provisionVm through the client to its result
// (the VM running on the settle host). The history says where that time went; decommissioning afterwards, untimed,
// leaves the hosts as they were for the next run.
import type { Client } from '@temporalio/client';
import type { DevEnvRecord } from '../../devenv/dev-env';
import { guestImage } from '../../devenv/tools';
import { decommissionVm } from '../../workflows/decommission-vm';
import { provisionVm } from '../../workflows/provision-vm';
import type { ProvisionVmInput, ProvisionVmResult } from '../../workflows/types';
import { historySteps, type HistorySteps } from '../history-steps';

export interface BootshiftRun {
  totalMs: number;
  result: ProvisionVmResult;
  steps: HistorySteps;
}

function vmInput(env: DevEnvRecord, name: string): ProvisionVmInput {
  const { kernel, initrd } = guestImage();
  return {
    vmId: `vm/bench/p1/${name}`,
    spec: { name, vcpus: 1, memoryMiB: 128, image: { kind: 'kernel', kernel, initrd }, bootTimeoutSeconds: 600, waitFor: 'settled', fleet: env.fleet },
  };
}

export async function provisionThroughBootshift(client: Client, env: DevEnvRecord, name: string): Promise<BootshiftRun> {
  const input = vmInput(env, name);
  const start = performance.now();
  const handle = await client.workflow.start(provisionVm, { taskQueue: env.taskQueue, workflowId: input.vmId, args: [input] });
  const result = await handle.result();
  const totalMs = performance.now() - start;
  if (!result.settled) throw new Error(`${name} did not settle: ${result.note}`);
  return { totalMs, result, steps: historySteps(await handle.fetchHistory()) };
}

export async function decommission(client: Client, env: DevEnvRecord, name: string): Promise<void> {
  const vmId = vmInput(env, name).vmId;
  await client.workflow.execute(decommissionVm, {
    taskQueue: env.taskQueue,
    workflowId: `${vmId}/decommission`,
    args: [{ vmId, provisionWorkflowId: vmId, fleet: env.fleet }],
  });
}
