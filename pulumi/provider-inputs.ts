// The VirtualMachine's inputs as the provider sees them (resolved values), and their validation with the domain's
// own VM schema, so `pulumi preview` rejects exactly what the workflow would reject, naming the field.
import { formatPath, projectSchema, vmSpecSchema, vmWorkflowId, type VmSpec } from '../domain';
import type { ConnectionSettings } from './connection';

/** Marks a value Pulumi does not know yet during preview (same constant as @pulumi/pulumi's runtime). */
const UNKNOWN = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';

export const SPEC_KEYS = ['name', 'vcpus', 'memoryMiB', 'image', 'bootTimeoutSeconds', 'waitFor', 'fleet', 'antiAffinityGroup'] as const;
/** Changing any of these means another VM: same name, so the old one goes first. */
export const REPLACE_KEYS = ['name', 'vcpus', 'memoryMiB', 'image', 'fleet', 'antiAffinityGroup'] as const;

export interface ProviderInputs extends VmSpec {
  project: string;
  stack: string;
  connection: ConnectionSettings;
}

export interface CheckFailure {
  property: string;
  reason: string;
}

export function checkInputs(news: Record<string, unknown>): { inputs: Record<string, unknown>; failures: CheckFailure[] } {
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
  if (failures.length === 0 && parsed.success) {
    vmWorkflowId(String(news.project), String(news.stack), parsed.data.name);
    return { inputs: { ...news, ...parsed.data }, failures };
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
