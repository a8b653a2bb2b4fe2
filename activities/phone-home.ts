// How a guest learns to say "boot complete": what bootshift puts into a VM so that, at the end of its boot, it calls
// the boot gateway with its token. Cloud images get a `phone_home` section merged into the user's own cloud-config
// (cloud-init posts instance_id and hostname to the URL); kernel images (the lab's busybox guest, or any initramfs
// that reads /proc/cmdline) get the URL, token and id on the kernel command line.
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import type { CloudInitSeed } from './hypervisor';

export interface CloudInitRequest {
  vmId: string;
  hostname: string;
  /** Already checked by the VM spec's schema (domain/vm-spec.ts): a #cloud-config mapping without phone_home. */
  userData?: string;
  /** Carries the token in its query string: cloud-init's phone_home posts a fixed set of fields. Omitted for VMs
   * whose boot-complete comes from the guest agent. */
  phoneHomeUrl?: string;
}

export function cloudInitSeed(req: CloudInitRequest): CloudInitSeed {
  const user = (req.userData ? parse(req.userData) : null) as Record<string, unknown> | null;
  const phoneHome = req.phoneHomeUrl ? { phone_home: { url: req.phoneHomeUrl, post: ['instance_id', 'hostname'], tries: 30 } } : {};
  return {
    userData: `#cloud-config\n${stringify({ ...user, ...phoneHome })}`,
    metaData: stringify({ 'instance-id': req.vmId, 'local-hostname': req.hostname }),
  };
}

// Kernel parameters: the kernel splits the line on spaces and a minimal guest puts the values, unencoded, into a
// form body, so each is checked to hold neither.
export const guestParamsSchema = z.strictObject({
  // busybox wget in the lab guest speaks plain HTTP; the gateway is reached through slirp at 10.0.2.2.
  url: z.url({ protocol: /^http$/ }).regex(/^[^\s"'`\\<>]+$/, { error: 'must not contain spaces or quotes' }),
  token: z.string().regex(/^[A-Za-z0-9._~-]{1,512}$/, { error: 'must be 1-512 characters of A-Z, a-z, 0-9, ".", "_", "~", "-"' }),
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,254}$/, { error: 'must be a VM id (A-Z, a-z, 0-9, "._:@/-")' }),
  /** Keep a vCPU busy after phoning home (benchmarks of oversubscribed hosts). */
  burn: z.boolean().optional(),
});

export type GuestParams = z.input<typeof guestParamsSchema>;

/**
 * Why a kernel image cannot phone home to this gateway URL (the minimal guest speaks plain HTTP), or undefined if it
 * can. Checked before anything is reserved, so the refusal comes at `pulumi preview` and not from defineAndStartVm.
 */
export function kernelGatewayProblem(url: string): string | undefined {
  const parsed = guestParamsSchema.shape.url.safeParse(url);
  if (parsed.success) return undefined;
  return `kernel images phone home with a minimal HTTP client over plain http, and this worker's gateway is ${new URL(url).protocol.replace(':', '')}: use a cloud image (cloud-init speaks https)`;
}

export function guestCmdline(params: GuestParams): string {
  const { url, token, id, burn } = guestParamsSchema.parse(params);
  return [
    'console=ttyS0',
    `bootshift.url=${url}`,
    `bootshift.token=${token}`,
    `bootshift.id=${id}`,
    ...(burn ? ['bootshift.burn=1'] : []),
  ].join(' ');
}
