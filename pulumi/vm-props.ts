// The VirtualMachine's properties as the provider sees them: the resolved inputs (validated with the domain's own VM
// schema, so `pulumi preview` rejects exactly what the workflow would reject, naming the field) and the outputs, declared
// once here; the resource class and the provider both derive theirs from these.
import { formatPath, projectSchema, vmSpecSchema, vmWorkflowId, type VmSpec } from '../domain';
import type { ProvisionVmResult, VmStatus } from '../workflows/types';
import type { ConnectionSettings } from './connection';

/** Marks a value Pulumi does not know yet during preview (same constant as @pulumi/pulumi's runtime). */
const UNKNOWN = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';

export const SPEC_KEYS = ['name', 'vcpus', 'memoryMiB', 'image', 'bootTimeoutSeconds', 'waitFor', 'bootSignal', 'fleet', 'antiAffinityGroup'] as const;
/** Changing any of these means another VM: same name, so the old one goes first. */
export const REPLACE_KEYS = ['name', 'vcpus', 'memoryMiB', 'image', 'bootSignal', 'fleet', 'antiAffinityGroup'] as const;

export interface ProviderInputs extends VmSpec {
  project: string;
  stack: string;
  connection: ConnectionSettings;
}

/** Every output of a VirtualMachine. Null where the VM has not got that far (or never will: an unsettled VM). */
export interface VmOutputs {
  workflowId: string;
  runId: string;
  temporalUiUrl: string | null;
  domainName: string;
  phase: string;
  /** Where the VM runs now. */
  host: string | null;
  bootHost: string | null;
  settleHost: string | null;
  settled: boolean;
  bootMs: number | null;
  migrateMs: number | null;
}

/** The output names, checked against VmOutputs both ways (a missing or an extra key does not compile). */
export const OUTPUT_KEYS = Object.keys({
  workflowId: true,
  runId: true,
  temporalUiUrl: true,
  domainName: true,
  phase: true,
  host: true,
  bootHost: true,
  settleHost: true,
  settled: true,
  bootMs: true,
  migrateMs: true,
} satisfies Record<keyof VmOutputs, true>) as (keyof VmOutputs)[];

export type VmState = ProviderInputs & VmOutputs;
type RunRef = Pick<VmOutputs, 'workflowId' | 'runId' | 'temporalUiUrl'>;

export function outputsFromResult(base: RunRef, r: ProvisionVmResult): VmOutputs {
  return {
    ...base,
    domainName: r.domainName,
    phase: r.settled ? 'settled' : 'unsettled',
    host: r.host,
    bootHost: r.bootHost,
    settleHost: r.settleHost,
    settled: r.settled,
    bootMs: r.bootMs,
    migrateMs: r.migrateMs,
  };
}

export function outputsFromStatus(base: RunRef, s: VmStatus): VmOutputs {
  const { bootedAt, bootStartedAt, migrateStartedAt, settledAt } = s.timings;
  return {
    ...base,
    domainName: s.domainName,
    phase: s.phase,
    host: s.host,
    bootHost: s.bootHost,
    settleHost: s.settleHost,
    settled: s.phase === 'settled',
    bootMs: bootedAt !== undefined && bootStartedAt !== undefined ? bootedAt - bootStartedAt : null,
    migrateMs: settledAt !== undefined && migrateStartedAt !== undefined ? settledAt - migrateStartedAt : null,
  };
}

export interface CheckFailure {
  property: string;
  reason: string;
}

/** The inputs as checked; `spec` is there only when the spec is complete and valid (no value unknown at preview). */
export interface CheckedInputs {
  inputs: Record<string, unknown>;
  failures: CheckFailure[];
  spec?: VmSpec;
}

export function checkInputs(news: Record<string, unknown>, checkConnection: (connection: unknown) => CheckFailure[]): CheckedInputs {
  const spec = Object.fromEntries(SPEC_KEYS.filter((k) => news[k] !== undefined).map((k) => [k, news[k]]));
  const failures: CheckFailure[] = [];
  const parsed = vmSpecSchema.safeParse(spec);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (valueAt(spec, issue.path) === UNKNOWN) continue;
      failures.push({ property: formatPath(issue.path) || 'inputs', reason: issue.message });
    }
  }
  for (const key of ['project', 'stack'] as const) {
    if (!projectSchema.safeParse(news[key]).success) failures.push({ property: key, reason: 'must be a Pulumi project/stack name' });
  }
  // The connection comes from stack config (bootshift:*) or the environment: a bad one must fail here, not at create.
  failures.push(...checkConnection(news.connection));
  if (failures.length === 0 && parsed.success) {
    vmWorkflowId(String(news.project), String(news.stack), parsed.data.name);
    return { inputs: { ...news, ...parsed.data }, failures, spec: parsed.data };
  }
  return { inputs: news, failures };
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined), value);
}

export function workflowIdOf(inputs: ProviderInputs): string {
  return vmWorkflowId(inputs.project, inputs.stack, inputs.name);
}

export function specOf(inputs: ProviderInputs): VmSpec {
  return vmSpecSchema.parse(Object.fromEntries(SPEC_KEYS.map((k) => [k, inputs[k]])));
}
