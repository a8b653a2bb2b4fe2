// What a Temporal namespace needs before bootshift can run in it, checked and done in one place: `bootshift setup`
// (an existing cluster) and the dev server (devenv/temporal-dev-server.ts, every start) both come here, so the path
// the dev environment exercises is the one operators run. The namespace must exist (bootshift never creates one:
// retention and archival are the cluster owner's call); bootshift's search attributes are added when missing, through
// the operator service, and one that exists with another type is an error, since workflows would fail to upsert it.
import { isGrpcServiceError, type ConnectionLike } from '@temporalio/client';
import { NamespaceNotFoundError } from '@temporalio/common';
import type { SearchAttributeKey, SearchAttributeType } from '@temporalio/common/lib/search-attributes';
import { temporal } from '@temporalio/proto';
import { searchAttributeKeys } from '../workflows/messages';

const { IndexedValueType, TaskQueueKind, TaskQueueType } = temporal.api.enums.v1;

const indexedType: Record<SearchAttributeType, temporal.api.enums.v1.IndexedValueType> = {
  TEXT: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  INT: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DOUBLE: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  BOOL: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KEYWORD_LIST: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** A client's connection or a plain one: the two services this needs. */
type Services = Pick<ConnectionLike, 'workflowService' | 'operatorService'>;

// gRPC NOT_FOUND: how the frontend answers for a namespace it does not know.
const GRPC_NOT_FOUND = 5;

/** A search attribute of bootshift's that the namespace already has with another type. */
export class SearchAttributeTypeError extends Error {
  constructor(
    readonly namespace: string,
    readonly conflicts: ReadonlyArray<{ name: string; expected: string; actual: string }>,
  ) {
    super(
      `namespace "${namespace}" has ${conflicts.map((c) => `${c.name} as ${c.actual}`).join(', ')}; bootshift needs ` +
        `${conflicts.map((c) => `${c.name} as ${c.expected}`).join(', ')} (remove the attribute or use another namespace)`,
    );
    this.name = 'SearchAttributeTypeError';
  }
}

export interface NamespaceSetup {
  namespace: string;
  /** Attributes this call added. */
  added: string[];
  /** Attributes that were already there with the right type. */
  present: string[];
}

const typeName = (t: temporal.api.enums.v1.IndexedValueType | null | undefined) =>
  (IndexedValueType[t ?? 0] ?? String(t)).replace(/^INDEXED_VALUE_TYPE_/, '');

/** Idempotent: a second call adds nothing. Throws NamespaceNotFoundError when the namespace does not exist. */
export async function prepareNamespace(
  connection: Services,
  namespace: string,
  keys: readonly SearchAttributeKey<SearchAttributeType>[] = searchAttributeKeys,
): Promise<NamespaceSetup> {
  await connection.workflowService.describeNamespace({ namespace }).catch((err: unknown) => {
    throw isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND ? new NamespaceNotFoundError(namespace) : err;
  });
  const existing = (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
  const conflicts = keys
    .filter((k) => k.name in existing && existing[k.name] !== indexedType[k.type])
    .map((k) => ({ name: k.name, expected: k.type, actual: typeName(existing[k.name]) }));
  if (conflicts.length > 0) throw new SearchAttributeTypeError(namespace, conflicts);
  const missing = keys.filter((k) => !(k.name in existing));
  if (missing.length > 0) {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((k) => [k.name, indexedType[k.type]])),
    });
  }
  return { namespace, added: missing.map((k) => k.name), present: keys.filter((k) => k.name in existing).map((k) => k.name) };
}

export interface Poller {
  identity: string;
  lastAccessTime: string | null;
}

/** Who polls the task queue now: workflow tasks and activity tasks are polled (and so counted) apart. */
export async function taskQueuePollers(
  connection: Services,
  namespace: string,
  taskQueue: string,
): Promise<{ workflow: Poller[]; activity: Poller[] }> {
  const pollers = async (taskQueueType: temporal.api.enums.v1.TaskQueueType): Promise<Poller[]> => {
    const response = await connection.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType,
    });
    return (response.pollers ?? []).map((p) => ({
      identity: p.identity ?? '?',
      lastAccessTime: p.lastAccessTime?.seconds != null ? new Date(Number(p.lastAccessTime.seconds) * 1000).toISOString() : null,
    }));
  };
  const [workflow, activity] = await Promise.all([
    pollers(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW),
    pollers(TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY),
  ]);
  return { workflow, activity };
}
