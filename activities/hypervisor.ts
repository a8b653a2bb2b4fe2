// The Hypervisor port: the only way bootshift's activities touch VMs. Two adapters implement it: libvirt (real hosts,
// through virsh) and a simulated one (in memory, for unit tests and benchmarks), so workflows and activities are
// tested against the same contract the real hosts honour.
import { ApplicationFailure } from '@temporalio/common';

/** A host as the hypervisor needs it: how to reach it, and where live migration streams should go. */
export interface HostRef {
  name: string;
  uri: string;
  migrationAddress?: string;
  domainType?: 'qemu' | 'kvm';
}

/** Everything needed to define one VM. `name` is the libvirt domain name (unique per fleet). */
export interface DomainSpec {
  name: string;
  /** Stable per VM, so a retried define finds the domain it defined before. */
  uuid: string;
  vcpus: number;
  memoryMiB: number;
  image:
    | { kind: 'kernel'; kernel: string; initrd: string; cmdline: string }
    | { kind: 'disk'; disk: string; format: 'qcow2' | 'raw'; cloudInit?: CloudInitSeed };
  /** Serial console to this file, appended to, so it survives live migration. */
  consoleLog?: string;
  /** Free-form metadata kept in the domain XML (e.g. the workflow id), for humans and for the invariant checker. */
  metadata?: Record<string, string>;
}

/** NoCloud seed for real images: user-data carries cloud-init's phone_home section. */
export interface CloudInitSeed {
  userData: string;
  metaData: string;
}

/** `virsh domstate --reason` style: e.g. { state: 'running', reason: 'migrated' }. */
export interface DomainState {
  state: 'running' | 'paused' | 'shut off' | 'shutdown' | 'crashed' | 'pmsuspended' | 'blocked' | 'no state';
  reason?: string;
}

export interface ListedDomain {
  name: string;
  state: DomainState;
  vcpus: number;
  memoryMiB: number;
  metadata?: Record<string, string>;
}

export interface MigrationProgress {
  /** 0..100, from the libvirt job info (memory processed / total). */
  percent: number;
  dataProcessedMiB?: number;
  dataRemainingMiB?: number;
  elapsedMs: number;
}

export interface MigrateRequest {
  domain: string;
  from: HostRef;
  to: HostRef;
  /** Called every second or so while the migration runs. */
  onProgress?: (progress: MigrationProgress) => void;
  /** Aborting cancels the libvirt migration job (`virsh domjobabort`); the domain stays on `from`. */
  signal?: AbortSignal;
}

export interface Hypervisor {
  /** Idempotent: if the domain already exists on the host it is started if needed and left as it is. */
  defineAndStart(host: HostRef, spec: DomainSpec): Promise<{ created: boolean; state: DomainState }>;
  /** Live migration; afterwards the domain runs on `to` and is gone from `from`, or this throws. */
  migrate(request: MigrateRequest): Promise<{ durationMs: number }>;
  /** Idempotent: destroy (if running) and undefine; a domain that does not exist is success (`existed: false`). */
  destroy(host: HostRef, domain: string): Promise<{ existed: boolean }>;
  /** null when the host has no such domain. */
  domainState(host: HostRef, domain: string): Promise<DomainState | null>;
  /** Every domain defined on the host, with its size, for inventory checks and the invariant checker. */
  listDomains(host: HostRef): Promise<ListedDomain[]>;
  hostFacts(host: HostRef): Promise<{ cpus: number; memoryMiB: number }>;
}

/**
 * Errors the adapters throw carry a `type` (one of domain/failures.ts): the permanent ones become non-retryable
 * activity failures with that type (retrying an invalid spec or an unknown host cannot help); anything else is
 * treated as transient and retried by the activity's retry policy.
 */
export class HypervisorError extends Error {
  constructor(
    message: string,
    readonly type: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'HypervisorError';
  }
}

/** Runs a call on the port, turning its HypervisorErrors into typed Temporal failures. */
export async function classified<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof HypervisorError) {
      throw err.permanent
        ? ApplicationFailure.nonRetryable(err.message, err.type)
        : ApplicationFailure.retryable(err.message, err.type);
    }
    throw err;
  }
}
