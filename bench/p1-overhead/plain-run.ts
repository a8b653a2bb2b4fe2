// One VM the plain way: define and start it on the boot host, wait for its phone-home on a test catcher, live-migrate
// it to the settle host, each step timed. What the script does not do (reserve capacity, record anything, survive a
// crash) is what bootshift's overhead buys.
import type { HostConfig } from '../../domain';
import type { PhoneHomeCatcher } from '../../lab/phone-home-catcher';
import { definePlain, migratePlain, plainDomainXml, removePlain, startPlain } from '../lab/plain-guest';

export interface PlainRun {
  totalMs: number;
  defineStartMs: number;
  bootMs: number;
  migrateMs: number;
}

export interface PlainHosts {
  boot: HostConfig;
  settle: HostConfig;
  consoleDir: string;
}

export async function provisionPlainly(hosts: PlainHosts, catcher: PhoneHomeCatcher, name: string): Promise<PlainRun> {
  const t0 = performance.now();
  await definePlain(hosts.boot, plainDomainXml(hosts.boot, { name, consoleDir: hosts.consoleDir }, catcher), name);
  await startPlain(hosts.boot, name);
  const t1 = performance.now();
  await catcher.next(name, 10 * 60_000);
  const t2 = performance.now();
  await migratePlain(hosts.boot, hosts.settle, name);
  const t3 = performance.now();
  return { totalMs: t3 - t0, defineStartMs: t1 - t0, bootMs: t2 - t1, migrateMs: t3 - t2 };
}

export async function removePlainly(hosts: PlainHosts, name: string): Promise<void> {
  await removePlain(hosts.settle, name);
  await removePlain(hosts.boot, name);
}
