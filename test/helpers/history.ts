// Reads a workflow history the way a person reads it in the Temporal UI: event type names rather than enum numbers.
import { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;

export function eventTypeNames(history: History): string[] {
  return (history.events ?? []).map((e) => temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType));
}
