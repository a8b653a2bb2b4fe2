// The lab guest takes its parameters from the kernel command line (lab/guest/init reads /proc/cmdline). Values are
// checked here because the kernel splits the line on spaces and the guest puts them, unencoded, into a form body.
import { z } from 'zod';

export const guestParamsSchema = z.strictObject({
  // busybox wget in the guest speaks plain HTTP; the gateway is reached through slirp at 10.0.2.2.
  url: z.url({ protocol: /^http$/ }).regex(/^[^\s"'`\\<>]+$/, { error: 'must not contain spaces or quotes' }),
  token: z.string().regex(/^[A-Za-z0-9._~-]{1,512}$/, { error: 'must be 1-512 characters of A-Z, a-z, 0-9, ".", "_", "~", "-"' }),
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,254}$/, { error: 'must be a VM id (A-Z, a-z, 0-9, "._:@/-")' }),
  burn: z.boolean().optional(),
});

export type GuestParams = z.input<typeof guestParamsSchema>;

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
