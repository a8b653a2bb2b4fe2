// The lab is only worth building on if it behaves like a real fleet: a guest boots on one host, phones home with
// its token, live-migrates to another host and keeps running there, and tearing the lab down leaves nothing behind.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { parseInventory } from '../../domain/inventory';
import { guestDomainXml } from '../../lab/guest-domain-xml';
import { guestImage } from '../../devenv/tools';
import { startLab, stopLab } from '../../devenv/lab-hosts';
import { qemuPids } from '../../devenv/libvirtd';
import { startPhoneHomeCatcher, type PhoneHomeCatcher } from '../../lab/phone-home-catcher';
import { isRunning, processesMentioning } from '../../devenv/processes';
import { virsh } from '../../lab/virsh';
import { waitFor } from '../../devenv/wait';

jest.setTimeout(15 * 60_000);

const dir = `/tmp/bs-${randomBytes(4).toString('hex')}`;

function lastAlive(consoleFile: string): number {
  const text = existsSync(consoleFile) ? readFileSync(consoleFile, 'utf8') : '';
  return Math.max(0, ...[...text.matchAll(/bootshift-alive (\d+)/g)].map((m) => Number(m[1])));
}

describe('lab hosts', () => {
  let catcher: PhoneHomeCatcher;

  beforeAll(async () => {
    catcher = await startPhoneHomeCatcher();
  });

  afterAll(async () => {
    await stopLab(dir);
    await catcher.close();
  });

  test('a guest phones home on host A, live-migrates to host B and stays alive; teardown leaves nothing', async () => {
    const lab = await startLab({ dir, boot: 1, settle: 1 });
    const [a, b] = lab.hosts;
    if (!a || !b) throw new Error('expected two lab hosts');
    const inventory = parseInventory(YAML.parse(readFileSync(lab.inventoryPath, 'utf8')));
    expect(inventory.hosts.map((host) => [host.name, host.pool, host.uri])).toEqual([
      ['boot-1', 'boot', a.uri],
      ['settle-1', 'settle', b.uri],
    ]);

    const id = `vm-${randomBytes(4).toString('hex')}`;
    const token = randomBytes(18).toString('base64url');
    const consoleFile = path.join(lab.sharedDir, `${id}.console`);
    const xmlFile = path.join(lab.sharedDir, `${id}.xml`);
    const params = { url: catcher.guestUrl(id), token, id };
    writeFileSync(xmlFile, guestDomainXml({ name: id, image: guestImage(), params, consoleFile }));
    await virsh(a.uri, ['create', xmlFile]);

    const call = await catcher.next(id, 5 * 60_000);
    expect(call.form).toEqual({ instance_id: id, hostname: id, token });
    expect(call.headers['x-bootshift-token']).toBe(token);
    await waitFor(() => lastAlive(consoleFile) >= 1, { timeoutMs: 60_000, what: `${id} to show signs of life` });

    await virsh(a.uri, ['migrate', '--live', '--verbose', id, b.uri, '--migrateuri', 'tcp://127.0.0.1']);
    expect(await virsh(b.uri, ['domstate', '--reason', id])).toBe('running (migrated)');
    expect(await virsh(a.uri, ['list', '--all', '--name'])).toBe('');
    const beforeMove = lastAlive(consoleFile);
    await waitFor(() => lastAlive(consoleFile) >= beforeMove + 2, { timeoutMs: 60_000, what: `${id} alive on B` });
    expect(readFileSync(consoleFile, 'utf8')).toContain('bootshift-phoned-home');

    const guestPids = qemuPids(b.dir);
    expect(guestPids).toHaveLength(1);
    expect(qemuPids(a.dir)).toEqual([]);
    // libvirtd names its host dir on its command line; qemu gets its files as fds, but carries the domain name.
    const daemonPids = lab.hosts.map((host) => host.pid);
    const scan = (): number[][] => [dir, `guest=${id},`].map((text) => processesMentioning(text).map((p) => p.pid).sort());
    expect(scan()).toEqual([[...daemonPids].sort(), guestPids]);

    await stopLab(dir);
    expect([...daemonPids, ...guestPids].filter(isRunning)).toEqual([]);
    expect(scan()).toEqual([[], []]);
    expect(existsSync(dir)).toBe(false);
  });
});
