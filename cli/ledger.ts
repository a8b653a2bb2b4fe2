// The fleet ledger workflow as the CLI sees it: it is started by the first VM that reserves in a fleet, so "not
// found" usually means nothing was provisioned there yet, and the message says so.
import type { Client, WorkflowHandle } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { ledgerWorkflowId } from '../domain';
import { CliError, ExitCode } from './exit-codes';

export async function onLedger<T>(client: Client, fleet: string, fn: (ledger: WorkflowHandle) => Promise<T>): Promise<T> {
  const workflowId = ledgerWorkflowId(fleet);
  try {
    return await fn(client.workflow.getHandle(workflowId));
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    throw new CliError(ExitCode.NotFound, `no ledger for fleet "${fleet}" (workflow ${workflowId}): it starts with the first VM provisioned in that fleet`);
  }
}
