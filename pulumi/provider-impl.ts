// What the VirtualMachine dynamic provider does, as plain functions the serialized provider shell requires by package
// name in the provider process (see provider.ts): check with the domain schema, diff (size/image replace, host never
// drifts), create = start or re-attach to provisionVm and wait, read = ask the workflow, delete = decommissionVm.
// Starting is idempotent so that a re-run never makes a second VM: a running workflow is re-attached (USE_EXISTING);
// a completed one is re-attached too, unless the VM was decommissioned after it, in which case a new run starts.
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, TimeoutFailure } from '@temporalio/common';
import type { SpecIssue } from '../activities/images';
import { Failure, formatPath, vmWorkflowMetadata, type VmSpec } from '../domain';
import { connectionSettingsSchema, historyUrl, withClient } from '../worker/temporal-connection';
import type { checkVm } from '../workflows/check-vm';
import type { decommissionVm } from '../workflows/decommission-vm';
import { getStatusQuery, waitForPhaseUpdate } from '../workflows/messages';
import type { provisionVm } from '../workflows/provision-vm';
import type { ProvisionVmResult, VmStatus } from '../workflows/types';
import type { ConnectionSettings } from './connection';
import {
  REPLACE_KEYS,
  checkInputs,
  outputsFromResult,
  type CheckFailure,
  outputsFromStatus,
  specOf,
  workflowIdOf,
  type ProviderInputs,
  type VmOutputs,
  type VmState as State,
} from './vm-props';

export async function check(_olds: Record<string, unknown>, news: Record<string, unknown>) {
  const checked = checkInputs(news, (connection) => {
    const parsed = connectionSettingsSchema.safeParse(connection);
    if (parsed.success) return [];
    return parsed.error.issues.map((issue) => ({ property: formatPath(['connection', ...issue.path]), reason: issue.message }));
  });
  if (!checked.spec) return { inputs: checked.inputs, failures: checked.failures };
  // Well formed; now what only the worker can judge, against its fleet: image paths inside the imageDirs, the base
  // image, the disk size. provisionVm runs the same check before reserving anything.
  return { inputs: checked.inputs, failures: await checkWithWorker(checked.inputs as unknown as ProviderInputs, checked.spec) };
}

/** Past the SDK's wrappers (WorkflowFailedError → ActivityFailure → …) to the failure that says what went wrong. */
function innermost(err: unknown): unknown {
  let cause = err;
  while (cause instanceof Error && !(cause instanceof ApplicationFailure) && !(cause instanceof TimeoutFailure) && cause.cause) cause = cause.cause;
  return cause;
}

const WORKER_CHECK_TIMEOUT = '2 minutes';

async function checkWithWorker(inputs: ProviderInputs, spec: VmSpec): Promise<CheckFailure[]> {
  const { connection } = inputs;
  const vmId = workflowIdOf(inputs);
  try {
    await withClient(connection, (client) =>
      client.workflow.execute<typeof checkVm>('checkVm', {
        taskQueue: connection.taskQueue,
        workflowId: `check/${vmId}/${randomUUID()}`,
        args: [{ spec }],
        workflowExecutionTimeout: WORKER_CHECK_TIMEOUT,
        ...vmWorkflowMetadata('check', vmId, spec),
      }),
    );
    return [];
  } catch (err) {
    const cause = err instanceof WorkflowFailedError ? innermost(err.cause) : undefined;
    if (cause instanceof ApplicationFailure && cause.type === Failure.InvalidVmSpec) {
      const issues = (cause.details?.[0] ?? []) as SpecIssue[];
      return issues.length > 0 ? issues.map((i) => ({ property: i.path, reason: i.rule })) : [{ property: 'inputs', reason: cause.message }];
    }
    if (cause instanceof TimeoutFailure) {
      return [{ property: 'fleet', reason: `no bootshift worker on task queue "${connection.taskQueue}" checked the VM within ${WORKER_CHECK_TIMEOUT}` }];
    }
    const why = cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err);
    return [{ property: 'connection.address', reason: `cannot check the VM with the bootshift worker through Temporal at ${connection.address}: ${why}` }];
  }
}

export async function diff(_id: string, olds: State, news: ProviderInputs) {
  const replaces = REPLACE_KEYS.filter((k) => !isDeepStrictEqual(olds[k], news[k]));
  const others = (['bootTimeoutSeconds', 'waitFor', 'connection'] as const).filter((k) => !isDeepStrictEqual(olds[k], news[k]));
  // Same name means same workflow id and same libvirt domain name: the old VM must be gone before the new one starts.
  return { changes: replaces.length + others.length > 0, replaces: [...replaces], deleteBeforeReplace: true, stables: ['workflowId'] };
}

export async function create(inputs: ProviderInputs): Promise<{ id: string; outs: State }> {
  const workflowId = workflowIdOf(inputs);
  return withClient(inputs.connection, async (client) => {
    const handle = await startOrAttach(client, inputs.connection.taskQueue, workflowId, { vmId: workflowId, spec: specOf(inputs) });
    const { runId } = await handle.describe();
    const base = { workflowId, runId, temporalUiUrl: uiLink(inputs.connection, workflowId, runId) };
    try {
      const outputs =
        inputs.waitFor === 'booted'
          ? outputsFromStatus(base, await handle.executeUpdate(waitForPhaseUpdate, { args: [{ phase: 'booted' }] }))
          : outputsFromResult(base, await handle.result());
      return { id: workflowId, outs: { ...inputs, ...outputs } };
    } catch (err) {
      throw await createFailure(err, { ...inputs, ...base }, () => handle.query(getStatusQuery));
    }
  });
}

/** A failed provisioning that left a VM behind becomes a partial create, so `pulumi destroy` can still clean it up. */
async function createFailure(
  err: unknown,
  state: ProviderInputs & Pick<VmOutputs, 'workflowId' | 'runId' | 'temporalUiUrl'>,
  status: () => Promise<VmStatus>,
): Promise<Error> {
  const cause = innermost(err instanceof WorkflowFailedError ? (err.cause ?? err) : err);
  const message = `VM ${state.name}: ${cause instanceof Error ? cause.message : String(cause)}` + (state.temporalUiUrl ? ` (history: ${state.temporalUiUrl})` : '');
  const left = await status().catch(() => undefined);
  if (left && left.leftovers.length > 0) {
    return Object.assign(new Error(`${message}; left behind: ${left.leftovers.join(', ')}`), {
      id: state.workflowId,
      properties: { ...state, ...outputsFromStatus(state, left) },
      reasons: [message],
    });
  }
  return new Error(message);
}

export async function read(id: string, props: State): Promise<{ id: string; props: State }> {
  return withClient(props.connection, async (client) => {
    const handle = client.workflow.getHandle(id);
    try {
      const { runId, status } = await handle.describe();
      const base = { workflowId: id, runId, temporalUiUrl: uiLink(props.connection, id, runId) };
      const outputs =
        status.name === 'COMPLETED'
          ? outputsFromResult(base, (await handle.result()) as ProvisionVmResult)
          : outputsFromStatus(base, await handle.query(getStatusQuery));
      return { id, props: { ...props, ...outputs } };
    } catch (err) {
      // Past the namespace's retention the history is gone; what Pulumi last saw is all there is to say.
      if (err instanceof WorkflowNotFoundError) return { id, props };
      throw err;
    }
  });
}

export async function update(_id: string, olds: State, news: ProviderInputs): Promise<{ outs: State }> {
  // Only settings that matter at creation time (timeouts, what to wait for, how to connect) changed.
  return { outs: { ...olds, ...news } };
}

export async function remove(id: string, props: State): Promise<void> {
  await withClient(props.connection, (client) =>
    client.workflow.execute<typeof decommissionVm>('decommissionVm', {
      taskQueue: props.connection.taskQueue,
      workflowId: decommissionIdOf(id),
      args: [{ vmId: id, provisionWorkflowId: id, fleet: props.fleet }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      // The state holds the spec as check parsed it: described as is, never re-parsed (a destroy must not fail on it).
      ...vmWorkflowMetadata('decommission', id, props),
    }),
  );
}

const decommissionIdOf = (workflowId: string) => `${workflowId}/decommission`;

async function startOrAttach(
  client: Client,
  taskQueue: string,
  workflowId: string,
  args: { vmId: string; spec: VmSpec },
): Promise<WorkflowHandle<typeof provisionVm>> {
  const start = (reuse: 'ALLOW_DUPLICATE' | 'ALLOW_DUPLICATE_FAILED_ONLY') =>
    client.workflow.start<typeof provisionVm>('provisionVm', {
      taskQueue,
      workflowId,
      args: [args],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: reuse,
      ...vmWorkflowMetadata('provision', args.vmId, args.spec),
    });
  try {
    return await start('ALLOW_DUPLICATE_FAILED_ONLY');
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  // The last run completed: it is this VM, unless a decommission ran since.
  const last = await client.workflow.getHandle<typeof provisionVm>(workflowId).describe();
  const decommissioned = await client.workflow
    .getHandle(decommissionIdOf(workflowId))
    .describe()
    .then((d) => d.status.name === 'COMPLETED' && d.startTime > (last.closeTime ?? last.startTime))
    .catch(() => false);
  return decommissioned ? start('ALLOW_DUPLICATE') : client.workflow.getHandle(workflowId, last.runId);
}

function uiLink(settings: ConnectionSettings, workflowId: string, runId: string): string | null {
  return settings.uiUrl ? historyUrl(settings.uiUrl, settings.namespace, workflowId, runId) : null;
}
