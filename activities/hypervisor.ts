// The Hypervisor port: the only way bootshift's activities touch VMs and their storage. Two adapters implement it:
// libvirt (real hosts, through virsh and libvirt's storage API, so a remote qemu+ssh host works like a local one) and
// a simulated one (in memory, for unit tests and benchmarks), so workflows and activities are tested against the same
// contract the real hosts honour. It is deliberately low level (pools, volumes, domains, one migration); what a VM
// needs of them, in which order, is the activities' business.
import { ApplicationFailure } from '@temporalio/common';
import type { DomainOwner } from '../domain';

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
    /** `disk`: the VM's own qcow2 volume (a file in the host's pool); `seed`: a NoCloud ISO, attached as a cdrom. */
    | { kind: 'disk'; disk: string; seed?: string };
  /** A virtio-serial channel for the QEMU guest agent. */
  guestAgent?: boolean;
  /** Serial console to this file, appended to, so it survives live migration. */
  consoleLog?: string;
  /** Free-form metadata kept in the domain XML (e.g. the workflow id), for humans and for the invariant checker. */
  metadata?: Record<string, string>;
}

/** The two files of a NoCloud seed: user-data (with bootshift's phone_home section) and meta-data. */
export interface CloudInitSeed {
  userData: string;
  metaData: string;
}

/** A host's storage pool for bootshift's volumes; `path` is where its files live on that host. */
export interface PoolRef {
  name: string;
  path: string;
}

export interface VolumeSpec {
  name: string;
  capacityBytes: number;
  format: 'qcow2' | 'raw';
  /** A volume of the same pool this one is a copy-on-write layer over (qcow2 only). */
  backingVolume?: string;
}

export interface VolumeInfo {
  name: string;
  path: string;
  format: string;
  /** Virtual size. */
  capacityBytes: number;
  /** Size of the file: what an upload fills, so a volume smaller than its source was cut short. */
  physicalBytes: number;
  backingVolume?: string;
}

/** The cdrom a NoCloud seed is attached as: ejected without the guest's cooperation, unlike a hot-unplugged disk. */
export const SEED_DEVICE = 'hdc';

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
  /** 0..100 of everything the job moves: the disk copy (when there is one) first, then memory. */
  percent: number;
  dataProcessedMiB?: number;
  dataRemainingMiB?: number;
  /** The disk part alone, when the job copies storage. */
  diskProcessedMiB?: number;
  diskTotalMiB?: number;
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
  /**
   * Copy the VM's disk (vda) too, for hosts that share no storage: only its top layer moves (`--copy-storage-inc`),
   * into a fresh volume of the same size the caller created on `to`, over the same base.
   */
  copyStorage?: boolean;
  /** Encrypt the migration streams (memory and disk) with qemu's native TLS, verifying the target's certificate. */
  tls?: boolean;
}

export interface Hypervisor {
  /** Idempotent: if the domain already exists on the host it is started if needed and left as it is. */
  defineAndStart(host: HostRef, spec: DomainSpec): Promise<{ created: boolean; state: DomainState }>;
  /** Live migration; afterwards the domain runs on `to` and is gone from `from`, or this throws. */
  migrate(request: MigrateRequest): Promise<{ durationMs: number }>;
  /**
   * Idempotent: destroy (if running) and undefine; a domain that does not exist is success (`existed: false`). With
   * `owner`, a domain whose bootshift metadata names another VM is left alone (a DomainConflict), and one of a later
   * provisioning of the same VM is left alone too (`anotherRun`: the one meant is gone). Names are hashes.
   */
  destroy(host: HostRef, domain: string, owner?: DomainOwner): Promise<{ existed: boolean; anotherRun?: true }>;
  /** null when the host has no such domain. */
  domainState(host: HostRef, domain: string): Promise<DomainState | null>;
  /** Every domain defined on the host, with its size, for inventory checks and the invariant checker. */
  listDomains(host: HostRef): Promise<ListedDomain[]>;
  hostFacts(host: HostRef): Promise<{ cpus: number; memoryMiB: number }>;

  /** Idempotent: the pool exists, is active and autostarts; returns the path its volumes live under. */
  ensurePool(host: HostRef, pool: PoolRef): Promise<{ path: string }>;
  /** null when the pool has no such volume. */
  volumeInfo(host: HostRef, pool: PoolRef, name: string): Promise<VolumeInfo | null>;
  listVolumes(host: HostRef, pool: PoolRef): Promise<string[]>;
  /** Created 0600; a volume of that name already there is a VolumeConflict. */
  createVolume(host: HostRef, pool: PoolRef, spec: VolumeSpec): Promise<void>;
  deleteVolume(host: HostRef, pool: PoolRef, name: string): Promise<{ existed: boolean }>;
  /** Streams a file the worker can read into an existing volume (through libvirtd, so remote hosts work too). */
  uploadVolume(host: HostRef, pool: PoolRef, name: string, file: string): Promise<void>;
  downloadVolume(host: HostRef, pool: PoolRef, name: string, file: string): Promise<void>;
  /** Ejects a cdrom's media, live and in the persistent definition; false when it held none already. */
  ejectMedia(host: HostRef, domain: string, device: string): Promise<{ ejected: boolean }>;
  /** One QEMU guest agent command (`{ execute, arguments }`); its `return` value. Fails while no agent answers. */
  agentCommand(host: HostRef, domain: string, command: { execute: string; arguments?: Record<string, unknown> }): Promise<unknown>;
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
