// `bootshift check`: the invariant checker an operator (and every fault test) runs once the fleet is quiet. It puts
// the three views side by side (the ledger, the domains libvirt or the simulated hypervisor really has, and what each
// VM's workflows say) and reports any VM lost or duplicated, any host over its policy, and any reservation that no
// live VM accounts for.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { z } from 'zod';
import { createLibvirtHypervisor } from '../activities/libvirt/libvirt-hypervisor';
import type { Hypervisor, ListedDomain } from '../activities/hypervisor';
import type { SimulatedSnapshot } from '../activities/simulated-hypervisor';
import { isVmVolume, vcpuCapacity, vmCapacity, type HostConfig, type Inventory, type LedgerSnapshot } from '../domain';
import { readInventoryFile } from '../worker/inventory-file';
import { CliError, ExitCode, usageError } from './errors';
import { jsonFlag, optionsFor, parseFlags, withLedger, type CliContext } from './options';
import { writeJson } from './output';
import type { ProvisionVmResult } from '../workflows/types';

export interface ObservedDomain {
  host: string;
  name: string;
  vmId?: string;
  running: boolean;
  vcpus: number;
  memoryMiB: number;
}

/** A VM's own volume (disk or seed) found in a host's pool; base images are a cache and not listed. */
export interface ObservedVolume {
  host: string;
  name: string;
}

export interface InvariantReport {
  vms: number;
  lost: string[];
  duplicated: string[];
  overcommitted: string[];
  leakedReservations: string[];
  /** Capacity the ledger holds, marked leaked, for a domain that could not be destroyed: an operator must look. */
  heldAsLeaked: string[];
  /** A VM's volume where that VM does not run (or runs no more), or a seed left after boot. */
  leakedVolumes: string[];
  misplaced: string[];
  ok: boolean;
}

interface Expectation {
  vmId: string;
  /** Where the VM must run, or null when it must be gone. */
  host: string | null;
}

export async function checkInvariants(opts: {
  client: Client;
  /** The fleet ledger as PostgreSQL holds it (PostgresLedger.snapshot). */
  ledger: LedgerSnapshot;
  inventory: Inventory;
  domains: ObservedDomain[];
  /** The VMs' own volumes on every host; checked when given. */
  volumes?: ObservedVolume[];
}): Promise<InvariantReport> {
  const { ledger } = opts;
  const expected = await expectations(opts.client);
  const where = new Map<string, ObservedDomain[]>();
  for (const d of opts.domains) if (d.vmId) where.set(d.vmId, [...(where.get(d.vmId) ?? []), d]);

  const lost: string[] = [];
  const misplaced: string[] = [];
  for (const { vmId, host } of expected) {
    const found = where.get(vmId) ?? [];
    if (host !== null && found.length === 0) lost.push(vmId);
    else if (host !== null && !found.some((d) => d.host === host && d.running)) misplaced.push(`${vmId}: expected on ${host}, found on ${found.map((d) => d.host).join(', ')}`);
    else if (host === null && found.length > 0) misplaced.push(`${vmId}: should be gone, found on ${found.map((d) => d.host).join(', ')}`);
  }
  const duplicated = [...where].filter(([, found]) => found.length > 1).map(([vmId, found]) => `${vmId} on ${found.map((d) => d.host).join(', ')}`);
  const leakedReservations = leaks(ledger, opts.domains, expected);
  const overcommitted = opts.inventory.hosts.flatMap((h) => overcommit(h, opts.domains.filter((d) => d.host === h.name), opts.inventory));
  const leakedVolumes = strayVolumes(opts.volumes ?? [], opts.domains);
  const heldAsLeaked = ledger.leaked.map((l) => `${l.vmId} on ${l.host} (${l.vcpus} vCPUs, ${l.memoryMiB} MiB) since ${l.since}: ${l.reason}`);
  const report = { vms: expected.filter((e) => e.host !== null).length, lost, duplicated, overcommitted, leakedReservations, heldAsLeaked, leakedVolumes, misplaced };
  const problems = [lost, duplicated, overcommitted, leakedReservations, heldAsLeaked, leakedVolumes, misplaced];
  return { ...report, ok: problems.every((l) => l.length === 0) };
}

/** From the workflows: every completed provisioning not decommissioned since must run where its result says. */
async function expectations(client: Client): Promise<Expectation[]> {
  const latest = new Map<string, Expectation & { closedAt: number }>();
  for await (const wf of client.workflow.list({ query: `WorkflowType = 'provisionVm'` })) {
    if (wf.status.name === 'RUNNING') throw new Error(`checkInvariants needs a quiet fleet, but ${wf.workflowId} is still running`);
    const closedAt = wf.closeTime?.getTime() ?? 0;
    if (wf.status.name !== 'COMPLETED' || (latest.get(wf.workflowId)?.closedAt ?? -1) > closedAt) continue;
    const result = (await client.workflow.getHandle(wf.workflowId, wf.runId).result()) as ProvisionVmResult;
    latest.set(wf.workflowId, { vmId: result.vmId, host: result.host, closedAt });
  }
  // A decommission counts only if it came after the VM's latest provisioning (a VM can be re-created).
  for await (const wf of client.workflow.list({ query: `WorkflowType = 'decommissionVm' AND ExecutionStatus = 'Completed'` })) {
    const vmId = wf.workflowId.replace(/\/decommission$/, '');
    const provisioned = latest.get(vmId);
    if (provisioned && wf.startTime.getTime() > provisioned.closedAt) latest.set(vmId, { ...provisioned, host: null });
  }
  return [...latest.values()].map(({ vmId, host }) => ({ vmId, host }));
}

/** A reservation held by a VM that runs nowhere (or a VM the ledger places on a host it is not on) is a leak. */
function leaks(ledger: LedgerSnapshot, domains: ObservedDomain[], expected: Expectation[]): string[] {
  const alive = new Set(expected.filter((e) => e.host !== null).map((e) => e.vmId));
  // Capacity marked leaked is known to the ledger and reported on its own (heldAsLeaked).
  const marked = new Set(ledger.leaked.map((l) => `${l.vmId} ${l.host}`));
  const found: string[] = [];
  for (const host of ledger.hosts) {
    for (const vmId of host.vms) {
      if (marked.has(`${vmId} ${host.name}`)) continue;
      const onHost = domains.some((d) => d.vmId === vmId && d.host === host.name);
      if (!alive.has(vmId) || !onHost) found.push(`${vmId} holds a slot on ${host.name}`);
    }
  }
  for (const q of ledger.queue) found.push(`${q.vmId} still queued`);
  return found;
}

/**
 * On a quiet fleet every VM's disk sits beside its running domain and nowhere else, and no seed is left (seeds are
 * deleted once the guest has booted). Anything else is storage nobody will free.
 */
function strayVolumes(volumes: ObservedVolume[], domains: ObservedDomain[]): string[] {
  return volumes.flatMap(({ host, name }) => {
    if (name.endsWith('-seed.iso')) return [`${host}: seed ${name} left after boot`];
    const domain = name.replace(/\.qcow2$/, '');
    return domains.some((d) => d.host === host && d.name === domain && d.running) ? [] : [`${host}: ${name} belongs to no VM running there`];
  });
}

function overcommit(host: HostConfig, domains: ObservedDomain[], inventory: Inventory): string[] {
  const record = { ...host, usage: { vms: 0, vcpus: 0, memoryMiB: 0, groups: {} } };
  const vcpus = domains.reduce((n, d) => n + d.vcpus, 0);
  const memory = domains.reduce((n, d) => n + d.memoryMiB, 0);
  const vcpuLimit = vcpuCapacity(record, inventory.policy);
  const vmLimit = vmCapacity(record);
  const problems: string[] = [];
  if (memory > host.memoryMiB) problems.push(`${host.name}: ${memory} MiB of ${host.memoryMiB}`);
  if (vmLimit !== null && domains.length > vmLimit) problems.push(`${host.name}: ${domains.length} VMs on ${host.cpus} CPUs`);
  if (vcpuLimit !== null && vcpus > vcpuLimit) problems.push(`${host.name}: ${vcpus} vCPUs over a limit of ${vcpuLimit}`);
  return problems;
}

// What the hypervisors really hold: asked of libvirt through the Hypervisor port, or read from the file a simulated
// fleet keeps (the simulated hosts live inside the worker process).
const observed = (host: string, d: Pick<ListedDomain, 'name' | 'state' | 'vcpus' | 'memoryMiB' | 'metadata'>): ObservedDomain => ({
  host,
  name: d.name,
  ...(d.metadata?.vmId && { vmId: d.metadata.vmId }),
  running: d.state.state === 'running',
  vcpus: d.vcpus,
  memoryMiB: d.memoryMiB,
});

export async function observeHypervisor(hypervisor: Hypervisor, inventory: Inventory): Promise<ObservedDomain[]> {
  const all = await Promise.all(
    inventory.hosts.map(async (host) => (await hypervisor.listDomains({ name: host.name, uri: host.uri })).map((d) => observed(host.name, d))),
  );
  return all.flat();
}

export function observeSimulatedFleet(stateFile: string): ObservedDomain[] {
  const snapshot = JSON.parse(readFileSync(stateFile, 'utf8')) as SimulatedSnapshot;
  return Object.entries(snapshot).flatMap(([host, { domains }]) => domains.map((d) => observed(host, d)));
}


export async function observeVolumes(hypervisor: Hypervisor, inventory: Inventory): Promise<ObservedVolume[]> {
  const all = await Promise.all(
    inventory.hosts.map(async (host) =>
      (await hypervisor.listVolumes({ name: host.name, uri: host.uri }, inventory.storagePool))
        .filter(isVmVolume)
        .map((name) => ({ host: host.name, name })),
    ),
  );
  return all.flat();
}

export function observeSimulatedVolumes(stateFile: string): ObservedVolume[] {
  const snapshot = JSON.parse(readFileSync(stateFile, 'utf8')) as SimulatedSnapshot;
  return Object.entries(snapshot).flatMap(([host, { volumes }]) =>
    (volumes ?? []).filter((v) => isVmVolume(v.name)).map((v) => ({ host, name: v.name })),
  );
}

export function registerCheckCommand(program: Command, ctx: CliContext): void {
  program
    .command('check')
    .description('compare the ledger, the hypervisors and the VM workflows of a quiet fleet (exit 6 when they disagree)')
    .option('--inventory <file>', "the fleet's inventory file (default: the dev environment's)")
    .option('--simulated-state <file>', "a simulated fleet's state file instead of asking libvirt (default: the dev environment's, if simulated)")
    .option('--json', 'machine-readable output')
    .action(async (_opts, cmd: Command) => {
      const flags = parseFlags(z.object({ inventory: z.string().optional(), simulatedState: z.string().optional(), json: jsonFlag }), cmd.opts());
      const opts = optionsFor(cmd, ctx);
      const inventoryFile = flags.inventory ?? opts.devEnv?.inventoryFile;
      if (!inventoryFile) throw usageError('--inventory: is required (no dev environment to take it from)');
      const inventory = await readInventoryFile(path.resolve(ctx.cwd, inventoryFile));
      const simulated = flags.simulatedState ?? (opts.devEnv?.worker.options.hypervisor === 'simulated' ? opts.devEnv.worker.options.extraEnv?.BOOTSHIFT_SIM_STATE_FILE : undefined);
      const hypervisor = createLibvirtHypervisor();
      const [domains, volumes] = simulated
        ? [observeSimulatedFleet(path.resolve(ctx.cwd, simulated)), observeSimulatedVolumes(path.resolve(ctx.cwd, simulated))]
        : await Promise.all([observeHypervisor(hypervisor, inventory), observeVolumes(hypervisor, inventory)]);
      const report = await withLedger(opts, async (ledger, client) =>
        checkInvariants({ client, ledger: await ledger.snapshot(inventory.fleet), inventory, domains, volumes }),
      );
      if (flags.json) writeJson(ctx.out, report);
      else ctx.out.write(`${renderReport(report)}\n`);
      if (!report.ok) throw new CliError(ExitCode.Violated, `fleet ${inventory.fleet}: invariants violated`);
    });
}

function renderReport(report: InvariantReport): string {
  const sections = (['lost', 'duplicated', 'misplaced', 'overcommitted', 'leakedReservations', 'heldAsLeaked', 'leakedVolumes'] as const).filter((k) => report[k].length > 0);
  const head = `${report.vms} live VMs: ${report.ok ? 'ledger, hypervisors and workflows agree' : 'problems found'}`;
  return [head, ...sections.flatMap((k) => [`${k}:`, ...report[k].map((line) => `  ${line}`)])].join('\n');
}
