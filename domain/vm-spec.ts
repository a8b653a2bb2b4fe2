// The VM request, shared by the Pulumi provider's `check`, the provisioning workflow and the CLI, so that a spec
// accepted at `pulumi preview` is exactly the spec the workflow runs.
import { z } from 'zod';
import { nameSchema } from './names';
import { ValidationError, absolutePathSchema, intIn, parseOrThrow, rule } from './validation';

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
    bootTimeoutSeconds: intIn(1, 3600).default(300),
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
  return parseOrThrow(vmSpecSchema, raw, 'invalid VM spec', VmSpecError);
}
