// The private /etc/libvirt of one lab host: the machine's client config plus the few daemon settings that make
// several libvirtd on one machine independent of each other and of the system's (no virtlogd, own host UUID, own
// migration ports) and keep them from touching machine-wide state (cgroups, file ownership).
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

type ConfValue = string | number | string[];

export interface HostConfigOptions {
  etcDir: string;
  /** Each host of a lab gets its own migration port range, so concurrent incoming migrations never race for one. */
  migrationPortMin: number;
  migrationPortMax: number;
}

function confLine(key: string, value: ConfValue): string {
  if (Array.isArray(value)) return `${key} = [ ${value.map((v) => JSON.stringify(v)).join(', ')} ]`;
  return `${key} = ${typeof value === 'number' ? String(value) : JSON.stringify(value)}`;
}

// Keep whatever the machine configured, minus the keys we set, so ours are the only assignment of each.
function writeConf(file: string, settings: Record<string, ConfValue>): void {
  const ours = new Set(Object.keys(settings));
  const kept = existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => !ours.has(/^\s*([A-Za-z_]+)\s*=/.exec(line)?.[1] ?? ''))
    : [];
  const lines = Object.entries(settings).map(([key, value]) => confLine(key, value));
  writeFileSync(file, [...kept, '# bootshift lab host', ...lines, ''].join('\n'));
}

export function writeHostConfig(opts: HostConfigOptions): void {
  mkdirSync(opts.etcDir, { recursive: true });
  if (existsSync('/etc/libvirt')) cpSync('/etc/libvirt', opts.etcDir, { recursive: true });
  writeConf(path.join(opts.etcDir, 'libvirtd.conf'), {
    // Migration refuses a destination with the source's UUID; without this all hosts read the same SMBIOS one.
    host_uuid: randomUUID(),
    // The sockets are root-only (0700), so no further authentication is needed (and polkit is absent).
    auth_unix_rw: 'none',
    auth_unix_ro: 'none',
    unix_sock_rw_perms: '0700',
    unix_sock_ro_perms: '0700',
    log_outputs: '3:file:/var/log/libvirt/libvirtd.log',
  });
  writeConf(path.join(opts.etcDir, 'qemu.conf'), {
    stdio_handler: 'file',
    // The guest image lives in the tool cache under a private home directory: qemu runs as root and libvirt
    // changes no file's owner, which several daemons sharing one console directory would fight over.
    user: 'root',
    group: 'root',
    dynamic_ownership: 0,
    security_driver: 'none',
    // Source and destination of a migration run a domain of the same name, often with the same id: per-domain
    // cgroups would collide, and lab hosts need no resource control.
    cgroup_controllers: [],
    migration_port_min: opts.migrationPortMin,
    migration_port_max: opts.migrationPortMax,
  });
}
