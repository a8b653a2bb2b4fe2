// One Debian cloud VM through bootshift's real workflow (provisionVm via the client, the worker process with the
// libvirt adapter and the boot gateway), one at a time, request to settled on the settle host; then decommissioned,
// untimed. Its history (the server's own timestamps) says where the time went: the define+start activity (with the
// base image's upload on its first use on a host), the guest's boot up to the boot-complete signal, the migration
// (with the target's preparation); for a guest-agent VM, also what the awaitGuestAgent activity returned.
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import type { DevEnvRecord } from '../../devenv/dev-env';
import { domainNameFor } from '../../domain';
import { decommissionVm } from '../../workflows/decommission-vm';
import { provisionVm } from '../../workflows/provision-vm';
import type { ProvisionVmInput, ProvisionVmResult } from '../../workflows/types';
import { historySteps, type HistorySteps } from '../history-steps';
import { benchCloudVmInput } from '../lab/cloud-guest';

type Event = temporal.api.history.v1.IHistoryEvent;

export type BootSignal = 'phone-home' | 'guest-agent';

export interface AgentFigures {
  /** from the activity's start: the first time the guest agent answered */
  agentReadyMs: number;
  /** from the activity's start: `cloud-init status` said done (the signal is sent right after) */
  cloudInitDoneMs: number;
  status: string;
}

export interface CloudRun {
  name: string;
  bootSignal: BootSignal;
  domainName: string;
  /** client: start call → result (settled) */
  totalMs: number;
  /** workflow started → boot-complete report taken (history) */
  requestToBootCompleteMs: number;
  /** defineAndStartVm completed → boot-complete report taken: the guest's boot and the report's way in */
  guestBootMs: number;
  /** epoch ms (the server's clock, this machine's): defineAndStartVm completed, i.e. the domain runs */
  domainStartedAt: number;
  result: ProvisionVmResult;
  steps: HistorySteps;
  /** the awaitGuestAgent activity's result as recorded in the history; null if the history has none */
  agent: AgentFigures | null;
  /** defineAndStartVm completed → awaitGuestAgent started (the activity's clock starts there) */
  agentStartLagMs: number | null;
  load1: number;
}

export function cloudVmInput(env: DevEnvRecord, name: string, bootSignal: BootSignal): ProvisionVmInput {
  return benchCloudVmInput({ bench: 'p5', fleet: env.fleet, name, bootSignal, bootTimeoutSeconds: 900 });
}

export const cloudDomainName = (env: DevEnvRecord, name: string): string => domainNameFor(cloudVmInput(env, name, 'phone-home').vmId);

const at = (event: Event | undefined): number => (event ? tsToMs(event.eventTime) : Number.NaN);

/**
 * The awaitGuestAgent activity's result, if it completed (the workflow cancels it once the report is in), decoded with
 * the client's data converter: the worker seals every payload, so the history holds it encrypted.
 */
async function agentResult(client: Client, events: Event[]): Promise<{ agent: AgentFigures | null; startedAt: number }> {
  const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'awaitGuestAgent');
  if (!scheduled) return { agent: null, startedAt: Number.NaN };
  const id = Number(scheduled.eventId);
  const started = events.find((e) => Number(e.activityTaskStartedEventAttributes?.scheduledEventId) === id);
  const completed = events.find((e) => Number(e.activityTaskCompletedEventAttributes?.scheduledEventId) === id);
  const sealed = completed?.activityTaskCompletedEventAttributes?.result?.payloads?.[0] as Payload | undefined;
  if (!sealed) return { agent: null, startedAt: at(started) };
  const { payloadCodecs, payloadConverter } = client.options.loadedDataConverter;
  let payloads = [sealed];
  for (const codec of [...payloadCodecs].reverse()) payloads = await codec.decode(payloads);
  return { agent: payloadConverter.fromPayload<AgentFigures>(payloads[0] as Payload), startedAt: at(started) };
}

/** When the workflow took the boot-complete report: a `bootComplete` signal, or (newer workflows) an accepted update. */
export function bootCompleteAt(events: Event[]): number {
  return at(
    events.find(
      (e) =>
        e.workflowExecutionSignaledEventAttributes?.signalName === 'bootComplete' ||
        e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'bootComplete',
    ),
  );
}

function defineCompletedAt(events: Event[]): number {
  const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'defineAndStartVm');
  return at(events.find((e) => Number(e.activityTaskCompletedEventAttributes?.scheduledEventId) === Number(scheduled?.eventId)));
}

export async function provisionCloud(client: Client, env: DevEnvRecord, name: string, bootSignal: BootSignal, load1: number): Promise<CloudRun> {
  const input = cloudVmInput(env, name, bootSignal);
  const start = performance.now();
  const handle = await client.workflow.start(provisionVm, { taskQueue: env.taskQueue, workflowId: input.vmId, args: [input] });
  const result = await handle.result();
  const totalMs = performance.now() - start;
  if (!result.settled) throw new Error(`${name} did not settle: ${result.note}`);
  const history = await handle.fetchHistory();
  const events = history.events ?? [];
  const { agent, startedAt } = await agentResult(client, events);
  return {
    name,
    bootSignal,
    domainName: result.domainName,
    totalMs,
    requestToBootCompleteMs: bootCompleteAt(events) - at(events[0]),
    guestBootMs: bootCompleteAt(events) - defineCompletedAt(events),
    domainStartedAt: defineCompletedAt(events),
    result,
    steps: historySteps(history),
    agent,
    agentStartLagMs: bootSignal === 'guest-agent' ? startedAt - defineCompletedAt(events) : null,
    load1,
  };
}

export async function decommissionCloud(client: Client, env: DevEnvRecord, name: string): Promise<void> {
  const vmId = cloudVmInput(env, name, 'phone-home').vmId;
  await client.workflow.execute(decommissionVm, {
    taskQueue: env.taskQueue,
    workflowId: `${vmId}/decommission`,
    args: [{ vmId, provisionWorkflowId: vmId, fleet: env.fleet }],
  });
}
