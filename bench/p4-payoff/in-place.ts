// Booting where the VM will live, as a dense-only scheduler does: plain virsh on host B, all K guests at once, each
// timed to its phone-home on the catcher. Also the calibration's "alone" boots, one at a time on an idle host.
import type { HostConfig } from '../../domain';
import type { PhoneHomeCatcher } from '../../lab/phone-home-catcher';
import { definePlain, plainDomainXml, removePlain, startPlain } from '../lab/plain-guest';
import type { GuestTiming } from './guest-timing';

export async function bootPlain(host: HostConfig, catcher: PhoneHomeCatcher, consoleDir: string, name: string): Promise<GuestTiming> {
  const requestedAt = Date.now();
  await definePlain(host, plainDomainXml(host, { name, consoleDir }, catcher), name);
  const bootStartedAt = Date.now();
  await startPlain(host, name);
  const { at } = await catcher.next(name, 20 * 60_000);
  // In place, a guest has settled once it has booted: it already runs where it will stay.
  return { name, requestedAt, bootStartedAt, phonedHomeAt: at, settledAt: at };
}

export function bootInPlace(host: HostConfig, catcher: PhoneHomeCatcher, consoleDir: string, names: string[]): Promise<GuestTiming[]> {
  return Promise.all(names.map((name) => bootPlain(host, catcher, consoleDir, name)));
}

export async function bootAlone(host: HostConfig, catcher: PhoneHomeCatcher, consoleDir: string, names: string[]): Promise<GuestTiming[]> {
  const timings: GuestTiming[] = [];
  for (const name of names) {
    timings.push(await bootPlain(host, catcher, consoleDir, name));
    await removePlain(host, name);
  }
  return timings;
}

export async function removeAll(host: HostConfig, names: string[]): Promise<void> {
  for (const name of names) await removePlain(host, name);
}
