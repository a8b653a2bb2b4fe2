// Simulated hypervisor mode (benchmarks, fault tests, `--simulated`): simulated guests have no network, so when one
// finishes booting this sends the boot-complete report on its behalf (again, as a real guest would, while the
// workflow refuses it for being early), marked as simulated in the history. With a
// state file the simulated fleet outlives the worker process, so a killed and restarted worker finds its VMs again,
// as it would on real hosts.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import {
  createSimulatedHypervisor,
  type SimulatedHypervisor,
  type SimulatedHypervisorOptions,
  type SimulatedSnapshot,
} from '../activities/simulated-hypervisor';
import { setTimeout as delay } from 'node:timers/promises';
import type { BootReportOutcome } from '../activities/ports';
import type { BootCompleteEvent } from '../workflows/types';

type ReportBoot = (workflowId: string, event: BootCompleteEvent) => Promise<BootReportOutcome | void>;

/** As the lab guest and cloud-init do: a refused report (it came before the workflow saw its domain defined) is sent again. */
const GUEST_TRIES = 30;
const GUEST_RETRY_MS = 1000;

export interface SimulatedFleetOptions extends Omit<SimulatedHypervisorOptions, 'onBooted'> {
  stateFile?: string;
  /** Pause before a refused report is sent again (default 1 s, as the lab guest). */
  guestRetryMs?: number;
}

export function createSimulatedFleet(
  options: SimulatedFleetOptions,
  reportBoot: ReportBoot,
  onError: (err: unknown) => void = () => undefined,
): SimulatedHypervisor {
  const { stateFile, guestRetryMs = GUEST_RETRY_MS, ...simulation } = options;
  const phoneHome = async (workflowId: string, event: BootCompleteEvent): Promise<void> => {
    for (let attempt = 1; attempt <= GUEST_TRIES; attempt += 1) {
      if ((await reportBoot(workflowId, event)) !== 'refused') return;
      await delay(guestRetryMs);
    }
  };
  const workflowOf = new Map<string, string>();
  const hypervisor = createSimulatedHypervisor({
    ...simulation,
    onBooted: (domainName, host) => {
      const workflowId = workflowOf.get(domainName);
      // A trusted sender inside the worker: no token, as for the guest-agent watcher.
      if (workflowId) phoneHome(workflowId, { source: 'guest', detail: { via: 'simulated-guest', host: host.name } }).catch(onError);
    },
  });
  const remember = (snapshot: SimulatedSnapshot) => {
    for (const { domains } of Object.values(snapshot)) {
      for (const d of domains) if (d.metadata?.workflowId) workflowOf.set(d.name, d.metadata.workflowId);
    }
  };
  if (stateFile && existsSync(stateFile)) {
    const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as SimulatedSnapshot;
    remember(saved);
    hypervisor.restore(saved);
  }
  const persist = () => {
    if (!stateFile) return;
    writeFileSync(`${stateFile}.tmp`, JSON.stringify(hypervisor.snapshot()));
    renameSync(`${stateFile}.tmp`, stateFile);
  };
  // Every operation that changes the fleet is followed by a write of the whole (small) fleet, success or not.
  const persisted = <R>(run: Promise<R>): Promise<R> => run.finally(persist);
  return {
    defineAndStart: (host, spec) => {
      if (spec.metadata?.workflowId) workflowOf.set(spec.name, spec.metadata.workflowId);
      return persisted(hypervisor.defineAndStart(host, spec));
    },
    migrate: (request) => persisted(hypervisor.migrate(request)),
    destroy: (host, domain, owner) => persisted(hypervisor.destroy(host, domain, owner)),
    domainState: (host, domain) => hypervisor.domainState(host, domain),
    listDomains: (host) => hypervisor.listDomains(host),
    hostFacts: (host) => hypervisor.hostFacts(host),
    ensurePool: (host, pool) => hypervisor.ensurePool(host, pool),
    volumeInfo: (host, pool, name) => hypervisor.volumeInfo(host, pool, name),
    listVolumes: (host, pool) => hypervisor.listVolumes(host, pool),
    createVolume: (host, pool, spec) => persisted(hypervisor.createVolume(host, pool, spec)),
    deleteVolume: (host, pool, name) => persisted(hypervisor.deleteVolume(host, pool, name)),
    uploadVolume: (host, pool, name, file) => persisted(hypervisor.uploadVolume(host, pool, name, file)),
    downloadVolume: (host, pool, name, file) => hypervisor.downloadVolume(host, pool, name, file),
    ejectMedia: (host, domain, device) => persisted(hypervisor.ejectMedia(host, domain, device)),
    agentCommand: (host, domain, command) => hypervisor.agentCommand(host, domain, command),
    failNextMigrations: (host, n, failure) => hypervisor.failNextMigrations(host, n, failure),
    failDefine: (n, failure) => hypervisor.failDefine(n, failure),
    inject: (op, predicate) => hypervisor.inject(op, predicate),
    setDomainState: (host, domain, state) => hypervisor.setDomainState(host, domain, state),
    snapshot: () => hypervisor.snapshot(),
    restore: (snapshot) => hypervisor.restore(snapshot),
  };
}
