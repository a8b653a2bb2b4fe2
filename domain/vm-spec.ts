// The VM request, shared by the Pulumi provider's `check`, the provisioning workflow and the CLI, so that a spec
// accepted at `pulumi preview` is exactly the spec the workflow runs. Two kinds of image: a cloud image (a base volume
// in each host's storage pool, under a copy-on-write disk of the VM's own, configured by cloud-init from user-data)
// and a kernel + initrd pair booted directly (fast; the lab's busybox guest).
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { isVmVolume, nameSchema, volumeNameSchema } from './names';
import { ValidationError, absolutePathSchema, intIn, parseOrThrow, rule } from './validation';

const kernelImage = z.strictObject({
  kind: z.literal('kernel'),
  kernel: absolutePathSchema,
  initrd: absolutePathSchema,
  // Printable ASCII only: the kernel splits on whitespace (a tab would split a word the guest then misreads), and
  // the limit leaves room for bootshift's own parameters within the kernel's 4096 bytes.
  cmdline: z
    .string({ error: rule('must be a string') })
    .max(2048, { error: 'must be at most 2048 characters (bootshift adds its own parameters within the 4096 the kernel takes)' })
    .regex(/^[\x20-\x7e]*$/, { error: 'must be one line of printable ASCII (no tabs or control characters)' })
    .optional(),
});

/**
 * cloud-config user-data, checked here rather than on the host: it must be a `#cloud-config` YAML mapping that parses,
 * and must leave `phone_home` to bootshift (which adds its own, carrying the VM's token).
 */
export const cloudConfigSchema = z
  .string({ error: rule('must be a string') })
  .max(65536, { error: 'must be at most 65536 characters' })
  .superRefine((text, ctx) => {
    if (!text.startsWith('#cloud-config')) {
      ctx.addIssue({ code: 'custom', message: 'must be a #cloud-config document (its first line is "#cloud-config")' });
      return;
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(text);
    } catch (err) {
      const where = (err as { linePos?: Array<{ line: number; col: number }> }).linePos?.[0];
      const at = where ? ` at line ${where.line}, column ${where.col}` : '';
      ctx.addIssue({ code: 'custom', message: `must be valid YAML: ${String((err as Error).message).split('\n')[0]}${at}` });
      return;
    }
    if (parsed === null || parsed === undefined) return;
    if (typeof parsed !== 'object' || Array.isArray(parsed)) {
      ctx.addIssue({ code: 'custom', message: 'must be a YAML mapping of cloud-config modules' });
    } else if (Object.hasOwn(parsed, 'phone_home')) {
      ctx.addIssue({ code: 'custom', message: 'must not set phone_home: bootshift adds its own (it carries the boot token)' });
    }
  });

const cloudImage = z.strictObject({
  kind: z.literal('cloud'),
  /** The base image: a volume of that name in the hosts' pool, or a file of that name in the inventory's imageDirs. */
  volume: volumeNameSchema.refine((name) => !isVmVolume(name), { error: "must name a base image, not a VM's own disk or seed" }),
  /** Size of the VM's own disk; at least the base image's virtual size. */
  diskGiB: intIn(1, 4096),
  userData: cloudConfigSchema.optional(),
});

export const vcpusSchema = intIn(1, 64);
export const memoryMiBSchema = intIn(64, 1048576);

export const vmSpecSchema = z.strictObject(
  {
    name: nameSchema,
    vcpus: vcpusSchema,
    memoryMiB: memoryMiBSchema,
    image: z.discriminatedUnion('kind', [cloudImage, kernelImage], {
      error: rule('must be an image with kind "cloud" or "kernel"'),
    }),
    /**
     * How the guest says its boot is complete: cloud-init's phone_home to the boot gateway, or (for guests that cannot
     * reach the gateway) the QEMU guest agent, asked by the worker until cloud-init reports done.
     */
    bootSignal: z.enum(['phone-home', 'guest-agent'], { error: rule('must be "phone-home" or "guest-agent"') }).default('phone-home'),
    bootTimeoutSeconds: intIn(1, 3600).default(300),
    waitFor: z.enum(['settled', 'booted'], { error: rule('must be "settled" or "booted"') }).default('settled'),
    fleet: nameSchema.default('default'),
    antiAffinityGroup: nameSchema.optional(),
  },
  { error: 'must be an object' },
).superRefine((spec, ctx) => {
  // The agent path waits for cloud-init to finish, which only cloud images run.
  if (spec.bootSignal === 'guest-agent' && spec.image.kind !== 'cloud') {
    ctx.addIssue({ code: 'custom', path: ['bootSignal'], message: '"guest-agent" needs a cloud image (it waits for cloud-init to report done)' });
  }
});

export type VmSpec = z.output<typeof vmSpecSchema>;
export type VmSpecInput = z.input<typeof vmSpecSchema>;
export type VmImage = VmSpec['image'];

export class VmSpecError extends ValidationError {}

export function parseVmSpec(raw: unknown): VmSpec {
  return parseOrThrow(vmSpecSchema, raw, 'invalid VM spec', VmSpecError);
}
