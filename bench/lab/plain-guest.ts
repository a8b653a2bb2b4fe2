// The baseline bootshift is measured against: the same steps done directly with virsh, as a plain script (or a
// scheduler without bootshift) would. The domain XML comes from bootshift's own builder and the virsh flags match
// the libvirt adapter's, so the comparison isolates what bootshift adds around them.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildDomainXml } from '../../activities/libvirt/domain-xml';
import type { HostConfig } from '../../domain';
import { guestCmdline } from '../../activities/phone-home';
import { guestImage } from '../../devenv/tools';
import type { PhoneHomeCatcher } from '../../lab/phone-home-catcher';
import { virsh } from '../../lab/virsh';

export interface PlainGuest {
  name: string;
  consoleDir: string;
  memoryMiB?: number;
  /** The guest keeps its vCPU busy after boot (a tenant of a dense host). */
  burn?: boolean;
}

export function plainDomainXml(host: HostConfig, guest: PlainGuest, catcher: PhoneHomeCatcher): string {
  const { kernel, initrd } = guestImage();
  const params = { url: catcher.guestUrl(guest.name), token: randomBytes(12).toString('base64url'), id: guest.name, burn: guest.burn };
  return buildDomainXml(
    {
      name: guest.name,
      uuid: randomUUID(),
      vcpus: 1,
      memoryMiB: guest.memoryMiB ?? 128,
      image: { kind: 'kernel', kernel, initrd, cmdline: guestCmdline(params) },
      consoleLog: path.join(guest.consoleDir, `${guest.name}.log`),
      metadata: { vmId: guest.name, fleet: 'bench' },
    },
    { domainType: host.domainType },
  );
}

/** `virsh define --validate` from a private file, as the adapter does. */
export async function definePlain(host: HostConfig, xml: string, name: string): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bootshift-bench-'));
  try {
    const file = path.join(dir, `${name}.xml`);
    writeFileSync(file, xml, { mode: 0o600 });
    await virsh(host.uri, ['define', '--validate', file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function startPlain(host: HostConfig, name: string): Promise<void> {
  await virsh(host.uri, ['start', name]);
}

export async function migratePlain(from: HostConfig, to: HostConfig, name: string): Promise<void> {
  const args = ['migrate', '--live', '--persistent', '--undefinesource', '--verbose', name, to.uri];
  await virsh(from.uri, [...args, '--migrateuri', `tcp://${to.migrationAddress ?? '127.0.0.1'}`], 10 * 60_000);
}

/** Destroys and undefines; a guest that is already gone is fine (clean-up runs in `finally`). */
export async function removePlain(host: HostConfig, name: string): Promise<void> {
  await virsh(host.uri, ['destroy', name]).catch(() => undefined);
  await virsh(host.uri, ['undefine', name]).catch(() => undefined);
}
