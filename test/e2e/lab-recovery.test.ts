// A lab must recover from whatever a crashed run left (dead daemons, orphaned guests, stale pid files and
// sockets) and must never touch a process or directory that is not its own, since it stops things by pid.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { guestDomainXml } from '../../lab/guest-domain-xml';
import { guestImage } from '../../devenv/tools';
import { startLab, stopLab } from '../../devenv/lab-hosts';
import { labStatePath } from '../../devenv/lab-hosts';
import { qemuPids } from '../../devenv/libvirtd';
import { isRunning, signalProcesses } from '../../devenv/processes';
import { virsh } from '../../lab/virsh';
import { waitFor } from '../../devenv/wait';

jest.setTimeout(10 * 60_000);

const dir = `/tmp/bs-${randomBytes(4).toString('hex')}`;

afterAll(async () => {
  await stopLab(dir);
});

test('startLab over a crashed lab stops its orphaned guest and starts clean hosts', async () => {
  const first = await startLab({ dir, boot: 1, settle: 0 });
  const host = first.hosts[0];
  if (!host) throw new Error('expected one lab host');
  const id = `vm-${randomBytes(4).toString('hex')}`;
  const xmlFile = path.join(first.sharedDir, `${id}.xml`);
  const params = { url: `http://10.0.2.2:9/v1/phone-home/${id}`, token: 'unused', id };
  const consoleFile = path.join(first.sharedDir, `${id}.console`);
  writeFileSync(xmlFile, guestDomainXml({ name: id, image: guestImage(), params, consoleFile }));
  await virsh(host.uri, ['create', xmlFile]);
  const [guestPid] = qemuPids(host.dir);
  if (guestPid === undefined) throw new Error('guest has no qemu process');

  signalProcesses([host.pid], 'SIGKILL'); // the crash: the guest lives on, pid files and socket stay behind
  await waitFor(() => !isRunning(host.pid), { timeoutMs: 10_000, intervalMs: 50, what: 'libvirtd to die' });
  expect(isRunning(guestPid)).toBe(true);
  expect(existsSync(path.join(host.dir, 'run', 'libvirt-sock'))).toBe(true);

  const second = await startLab({ dir, boot: 1, settle: 1 });
  expect(isRunning(guestPid)).toBe(false);
  expect(second.hosts.map((h) => h.pid)).not.toContain(host.pid);
  for (const h of second.hosts) expect(await virsh(h.uri, ['list', '--all', '--name'])).toBe('');
});

test('stopLab leaves alone a live process whose pid a stale state file names', async () => {
  const lab = await startLab({ dir, boot: 1, settle: 0 });
  const stranger = spawn('sleep', ['600'], { stdio: 'ignore' });
  const state = JSON.parse(readFileSync(labStatePath(dir), 'utf8')) as { hosts: { pid: number }[] };
  const daemonPid = lab.hosts[0]?.pid ?? 0;
  state.hosts.forEach((h) => (h.pid = stranger.pid ?? 0));
  writeFileSync(labStatePath(dir), JSON.stringify(state));
  try {
    await stopLab(dir);
    expect(isRunning(stranger.pid ?? 0)).toBe(true);
    expect(isRunning(daemonPid)).toBe(false); // found through its own pid file instead
    expect(existsSync(dir)).toBe(false);
  } finally {
    stranger.kill('SIGKILL');
  }
});

test('startLab refuses a non-empty directory that is not a lab', async () => {
  const other = `/tmp/bs-${randomBytes(4).toString('hex')}`;
  mkdirSync(other);
  writeFileSync(path.join(other, 'keep.txt'), 'not a lab');
  try {
    await expect(startLab({ dir: other, boot: 1, settle: 0 })).rejects.toThrow(/not a lab directory/);
    expect(readFileSync(path.join(other, 'keep.txt'), 'utf8')).toBe('not a lab');
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
});
