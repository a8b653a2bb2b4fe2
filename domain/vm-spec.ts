// The VM request, shared by the Pulumi provider's `check`, the provisioning workflow and the CLI, so that a spec
// accepted at `pulumi preview` is exactly the spec the workflow runs.
import { z } from 'zod';
import { ValidationError, formatIssues, rule } from './issues';
import { nameSchema } from './names';

const ABSOLUTE_PATH = /^\/(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/+@-]{0,4095}$/;
export const absolutePathSchema = z
  .string({ error: rule('must be a string') })
  .regex(ABSOLUTE_PATH, { error: 'must be an absolute path of A-Z, a-z, 0-9, "._/+@-" without ".." segments' });

const intIn = (min: number, max: number) =>
  z
    .int({ error: rule(`must be an integer from ${min} to ${max}`) })
    .min(min, { error: `must be an integer from ${min} to ${max}` })
    .max(max, { error: `must be an integer from ${min} to ${max}` });

const kernelImage = z.strictObject({
  kind: z.literal('kernel'),
  kernel: absolutePathSchema,
  initrd: absolutePathSchema,
  cmdline: z
    .string({ error: rule('must be a string') })
    .max(4096, { error: 'must be at most 4096 characters' })
    .regex(/^[^\0\r\n]*$/, { error: 'must be one line' })
    .optional(),
});

const diskImage = z.strictObject({
  kind: z.literal('disk'),
  disk: absolutePathSchema,
  format: z.enum(['qcow2', 'raw'], { error: rule('must be "qcow2" or "raw"') }).optional(),
  userData: z.string({ error: rule('must be a string') }).max(65536, { error: 'must be at most 65536 characters' }).optional(),
});

export const vcpusSchema = intIn(1, 64);
export const memoryMiBSchema = intIn(64, 1048576);

export const vmSpecSchema = z.strictObject(
  {
    name: nameSchema,
    vcpus: vcpusSchema,
    memoryMiB: memoryMiBSchema,
    image: z.discriminatedUnion('kind', [kernelImage, diskImage], {
      error: rule('must be an image with kind "kernel" or "disk"'),
    }),
    bootTimeoutSeconds: intIn(10, 3600).default(300),
    waitFor: z.enum(['settled', 'booted'], { error: rule('must be "settled" or "booted"') }).default('settled'),
    fleet: nameSchema.default('default'),
    antiAffinityGroup: nameSchema.optional(),
  },
  { error: 'must be an object' },
);

export type VmSpec = z.output<typeof vmSpecSchema>;
export type VmSpecInput = z.input<typeof vmSpecSchema>;
export type VmImage = VmSpec['image'];

export class VmSpecError extends ValidationError {}

export function parseVmSpec(raw: unknown): VmSpec {
  const result = vmSpecSchema.safeParse(raw);
  if (!result.success) throw new VmSpecError('invalid VM spec', formatIssues(result.error.issues));
  return result.data;
}
