// A scripted stand-in for virsh: a few hosts' domains in memory, answering the commands the libvirt adapter sends
// with the output and error texts real virsh 9 prints, so the adapter's logic is tested without libvirt.
import { readFileSync, statSync } from 'node:fs';
import { parseDomainXml } from '../../../activities/libvirt/domain-xml';
import { VirshFailure, type VirshCall, type VirshRunner } from '../../../activities/libvirt/virsh';

export interface FakeDomain {
  uuid: string;
  state: string;
  xml: string;
}

export interface FakeVirsh {
  run: VirshRunner;
  calls: VirshCall[];
  hosts: Map<string, Map<string, FakeDomain>>;
  /** Makes matching calls fail with this stderr (checked before the normal handling). */
  failWhen(match: (call: VirshCall) => boolean, stderr: string, times?: number): void;
  /** The pending `virsh migrate`, if any: finish it (moving the domain) or fail it. */
  migration?: { finish(): void; fail(stderr: string): void };
  /** What `domjobinfo` prints while a migration runs. */
  jobInfo: string;
  /** Resolves when the next migrate call starts. */
  migrationStarted(): Promise<void>;
  defineFileModes: number[];
}

const fail = (args: string[], stderr: string) => Promise.reject(new VirshFailure(args, stderr, false));

export function fakeVirsh(uris: string[]): FakeVirsh {
  const hosts = new Map(uris.map((uri) => [uri, new Map<string, FakeDomain>()]));
  const failures: Array<{ match: (call: VirshCall) => boolean; stderr: string; times: number }> = [];
  let onMigrationStart: (() => void) | undefined;
  const fake: FakeVirsh = {
    calls: [],
    hosts,
    jobInfo: 'Job type:         Unbounded\nMemory remaining: 96 MiB\nMemory total:     128 MiB\n',
    defineFileModes: [],
    failWhen: (match, stderr, times = Infinity) => void failures.push({ match, stderr, times }),
    migrationStarted: () => new Promise((resolve) => (onMigrationStart = resolve)),
    run: async (call) => {
      fake.calls.push(call);
      const injected = failures.find((f) => f.times > 0 && f.match(call));
      if (injected) {
        injected.times -= 1;
        return fail(call.args, injected.stderr);
      }
      const host = hosts.get(call.uri);
      if (!host) return fail(call.args, `error: failed to connect to the hypervisor\nerror: Failed to connect socket to '${call.uri}': No such file or directory`);
      const stdout = await answer(fake, host, call.args, () => onMigrationStart?.());
      return { stdout, stderr: '' };
    },
  };
  return fake;
}

async function answer(fake: FakeVirsh, host: Map<string, FakeDomain>, args: string[], started: () => void): Promise<string> {
  const [command, ...rest] = args;
  const name = rest.find((arg) => !arg.startsWith('--')) ?? '';
  const domain = host.get(name);
  const missing = () => fail(args, `error: failed to get domain '${name}'`);
  switch (command) {
    case 'define': {
      const file = rest[rest.length - 1] as string;
      fake.defineFileModes.push(statSync(file).mode & 0o777);
      const parsed = parseDomainXml(readFileSync(file, 'utf8'));
      const existing = host.get(parsed.name);
      if (existing && existing.uuid !== parsed.uuid) {
        return fail(args, `error: operation failed: domain '${parsed.name}' already exists with uuid ${existing.uuid}`);
      }
      host.set(parsed.name, { uuid: parsed.uuid, state: existing?.state ?? 'shut off (unknown)', xml: readFileSync(file, 'utf8') });
      return `Domain '${parsed.name}' defined from ${file}\n`;
    }
    case 'domuuid':
      return domain ? `${domain.uuid}\n\n` : missing();
    case 'domstate':
      return domain ? `${domain.state}\n\n` : missing();
    case 'dumpxml':
      return domain ? domain.xml : missing();
    case 'start':
      if (!domain) return missing();
      if (domain.state.startsWith('running')) return fail(args, `error: Failed to start domain '${name}'\nerror: Requested operation is not valid: domain is already active`);
      domain.state = 'running (booted)';
      return `Domain '${name}' started\n`;
    case 'destroy':
      if (!domain) return missing();
      if (!domain.state.startsWith('running')) return fail(args, `error: Failed to destroy domain '${name}'\nerror: Requested operation is not valid: domain is not running`);
      domain.state = 'shut off (destroyed)';
      return `Domain '${name}' destroyed\n`;
    case 'undefine':
      if (!domain) return missing();
      host.delete(name);
      return `Domain '${name}' has been undefined\n`;
    case 'list':
      return [...host.keys()].map((n) => `${n}\n`).join('') + '\n';
    case 'nodeinfo':
      return 'CPU model:           x86_64\nCPU(s):              8\nMemory size:         16777216 KiB\n';
    case 'domjobinfo':
      if (!domain) return missing();
      return fake.migration ? fake.jobInfo : 'Job type:         None\n';
    case 'domjobabort':
      if (!fake.migration) return fail(args, 'error: Requested operation is not valid: no job is active on the domain');
      fake.migration.fail("error: operation aborted: job 'migration out' canceled by client");
      return '';
    case 'migrate':
      return migrate(fake, host, args, started);
    default:
      return fail(args, `error: unknown command: '${command}'`);
  }
}

function migrate(fake: FakeVirsh, host: Map<string, FakeDomain>, args: string[], started: () => void): Promise<string> {
  const positional = args.slice(1).filter((arg, i, all) => !arg.startsWith('--') && all[i - 1] !== '--migrateuri');
  const [name, targetUri] = positional as [string, string];
  return new Promise((resolve, reject) => {
    fake.migration = {
      finish: () => {
        const domain = host.get(name) as FakeDomain;
        host.delete(name);
        fake.hosts.get(targetUri)?.set(name, { ...domain, state: 'running (migrated)' });
        fake.migration = undefined;
        resolve('\nMigration: [100 %]\n');
      },
      fail: (stderr) => {
        fake.migration = undefined;
        reject(new VirshFailure(args, stderr, false));
      },
    };
    started();
  });
}
