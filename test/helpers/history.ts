// Reads a workflow history the way a person reads it in the Temporal UI: event type names rather than enum numbers.
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;

export function eventTypeNames(history: History): string[] {
  return (history.events ?? []).map((e) => temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType));
}

type BootReport = { source: string; nonce?: string; detail?: Record<string, string> };

/**
 * The boot-complete reports a provisionVm run accepted (the bootComplete update's input), in order, decoded with the
 * client's data converter (the worker encrypts payloads, so the history holds them sealed).
 */
export async function bootReports(client: Client, history: History): Promise<BootReport[]> {
  const { payloadCodecs, payloadConverter } = client.options.loadedDataConverter;
  const sealed = (history.events ?? []).flatMap((e) => {
    const input = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input;
    return input?.name === 'bootComplete' ? [input.args!.payloads![0]! as Payload] : [];
  });
  let payloads = sealed;
  for (const codec of [...payloadCodecs].reverse()) payloads = await codec.decode(payloads);
  return payloads.map((payload) => payloadConverter.fromPayload<BootReport>(payload));
}
