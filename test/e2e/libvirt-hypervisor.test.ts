// The libvirt adapter against real hypervisors: two lab hosts (libvirtd + TCG qemu), the lab's tiny guest phoning
// home, and every Hypervisor operation the workflows rely on, idempotency, cancellation and error types included.
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Failure } from '../../domain';
import { HypervisorError, type DomainSpec, type HostRef, type Hypervisor, type MigrationProgress } from '../../activities/hypervisor';
import { createLibvirtHypervisor } from '../../activities/libvirt/libvirt-hypervisor';
import { guestCmdline } from '../../activities/phone-home';
import { guestImage } from '../../devenv/tools';
import { startLab, stopLab, type Lab } from '../../devenv/lab-hosts';
import { qemuPids } from '../../devenv/libvirtd';
import { startPhoneHomeCatcher, type PhoneHomeCatcher } from '../../lab/phone-home-catcher';
import { isRunning, processesMentioning } from '../../devenv/processes';
import { virsh } from '../../lab/virsh';
import { waitFor } from '../../devenv/wait';

jest.setTimeout(10 * 60_000);

const dir = `/tmp/bs-hv-${randomBytes(4).toString('hex')}`;
const name = `hv-${randomBytes(4).toString('hex')}`;
const token = randomBytes(18).toString('base64url');
const HOSTILE = `a"b'c<d>e&f]]>g </bootshift:meta>`;

function lastAlive(consoleFile: string): number {
  const text = existsSync(consoleFile) ? readFileSync(consoleFile, 'utf8') : '';
  return Math.max(0, ...[...text.matchAll(/bootshift-alive (\d+)/g)].map((m) => Number(m[1])));
}

describe('libvirt hypervisor on lab hosts', () => {
  let lab: Lab;
  let catcher: PhoneHomeCatcher;
  let boot: HostRef;
  let settle: HostRef;
  let spec: DomainSpec;
  // Polling faster than the default second: a small guest migrates in a few seconds here.
  const hv: Hypervisor = createLibvirtHypervisor({ pollIntervalMs: 250 });

  beforeAll(async () => {
    catcher = await startPhoneHomeCatcher();
    lab = await startLab({ dir, boot: 1, settle: 1 });
    const [b, s] = lab.hosts.map((host) => ({ name: host.name, uri: host.uri, migrationAddress: '127.0.0.1', domainType: 'qemu' as const }));
    if (!b || !s) throw new Error('expected two lab hosts');
    [boot, settle] = [b, s];
    const cmdline = guestCmdline({ url: catcher.guestUrl(name), token, id: name });
    spec = {
      name,
      uuid: randomUUID(),
      vcpus: 1,
      memoryMiB: 128,
      image: { kind: 'kernel', ...guestImage(), cmdline },
      consoleLog: path.join(lab.sharedDir, `${name}.console`),
      metadata: { workflowId: `vm/e2e/test/${name}`, hostile: HOSTILE },
    };
  });

  afterAll(async () => {
    const daemons = lab?.hosts.map((host) => host.pid) ?? [];
    const guests = lab?.hosts.flatMap((host) => qemuPids(host.dir)) ?? [];
    await stopLab(dir);
    await catcher?.close();
    expect([...daemons, ...guests].filter(isRunning)).toEqual([]);
    expect(processesMentioning(dir)).toEqual([]);
    expect(processesMentioning(`guest=${name},`)).toEqual([]);
  });

  test('defineAndStart creates and starts the guest once, and the guest phones home', async () => {
    await expect(hv.defineAndStart(boot, spec)).resolves.toEqual({ created: true, state: { state: 'running', reason: 'booted' } });
    await expect(hv.defineAndStart(boot, spec)).resolves.toEqual({ created: false, state: { state: 'running', reason: 'booted' } });
    const call = await catcher.next(name, 5 * 60_000);
    expect(call.form).toMatchObject({ instance_id: name, token });
    await expect(hv.listDomains(boot)).resolves.toEqual([
      { name, state: { state: 'running', reason: 'booted' }, vcpus: 1, memoryMiB: 128, metadata: spec.metadata },
    ]);
    await expect(hv.hostFacts(boot)).resolves.toMatchObject({ cpus: expect.any(Number), memoryMiB: expect.any(Number) });
  });

  test('migrate moves the running guest with its definition, reporting progress', async () => {
    // Unthrottled, the memory copy itself takes well under a second here (the rest is setting up the target), too
    // short to be sure a poll lands in it; at 32 MiB/s it takes about two.
    await virsh(boot.uri, ['migrate-setspeed', name, '--bandwidth', '32']);
    const progress: MigrationProgress[] = [];
    const aliveBefore = lastAlive(spec.consoleLog as string);
    const { durationMs } = await hv.migrate({ domain: name, from: boot, to: settle, onProgress: (p) => progress.push(p) });
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress.every((p) => p.percent >= 0 && p.percent <= 100)).toBe(true);
    expect(durationMs).toBeGreaterThan(0);
    await expect(hv.domainState(settle, name)).resolves.toEqual({ state: 'running', reason: 'migrated' });
    await expect(hv.domainState(boot, name)).resolves.toBeNull();
    await expect(hv.listDomains(boot)).resolves.toEqual([]);
    // --persistent: the target holds the definition, so a later destroy + undefine there removes it for good.
    expect(await virsh(settle.uri, ['dominfo', name])).toMatch(/Persistent:\s+yes/);
    await waitFor(() => lastAlive(spec.consoleLog as string) >= aliveBefore + 2, { timeoutMs: 60_000, what: `${name} alive after the move` });
    console.info(`migration of a ${spec.memoryMiB} MiB guest at 32 MiB/s: ${durationMs} ms, ${progress.length} progress reports`);
  });

  test('a migration cancelled through its AbortSignal leaves the guest running on the source', async () => {
    // Throttled so the job is surely still running when the abort arrives.
    await virsh(settle.uri, ['migrate-setspeed', name, '--bandwidth', '2']);
    const controller = new AbortController();
    const progress: number[] = [];
    const attempt = hv.migrate({
      domain: name,
      from: settle,
      to: boot,
      signal: controller.signal,
      onProgress: (p) => (progress.push(p.percent), controller.abort()),
    });
    const error = await attempt.then(() => undefined, (err: unknown) => err);
    expect(error).toBeInstanceOf(HypervisorError);
    expect(error).toMatchObject({ type: Failure.Cancelled, permanent: true });
    expect(progress.length).toBeGreaterThanOrEqual(1);
    await expect(hv.domainState(settle, name)).resolves.toMatchObject({ state: 'running' });
    await expect(hv.domainState(boot, name)).resolves.toBeNull();
    const aliveBefore = lastAlive(spec.consoleLog as string);
    await waitFor(() => lastAlive(spec.consoleLog as string) >= aliveBefore + 1, { timeoutMs: 60_000, what: `${name} alive after the cancel` });
  });

  test('destroy removes the guest and its definition; a second destroy finds nothing', async () => {
    await expect(hv.destroy(settle, name)).resolves.toEqual({ existed: true });
    await expect(hv.domainState(settle, name)).resolves.toBeNull();
    await expect(hv.destroy(settle, name)).resolves.toEqual({ existed: false });
    expect(lab.hosts.flatMap((host) => qemuPids(host.dir))).toEqual([]);
  });

  test('invalid input fails permanently, before or at libvirt', async () => {
    await expect(hv.defineAndStart(boot, { ...spec, name: 'bad name' })).rejects.toMatchObject({ type: Failure.InvalidDomainSpec, permanent: true });
    await expect(hv.domainState({ ...boot, uri: `${boot.uri}&x=$(id)` }, name)).rejects.toMatchObject({ type: Failure.InvalidHost, permanent: true });
    const missingKernel = { ...spec, name: `${name}-nokernel`, uuid: randomUUID(), image: { ...spec.image, kernel: `${lab.sharedDir}/no-such-kernel` } };
    await expect(hv.defineAndStart(boot, missingKernel as DomainSpec)).rejects.toMatchObject({ type: Failure.DomainRejected, permanent: true });
    await expect(hv.destroy(boot, missingKernel.name)).resolves.toEqual({ existed: true });
  });
});
