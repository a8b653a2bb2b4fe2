// The comparison: the ledger as it was, one fleetLedger workflow per fleet, measured at the largest fleet it can hold.
// Its whole state crosses continue-as-new in one payload, which the server refuses past its blob size limit, so the
// largest fleet is found by building the state of ever larger fleets of P3's shape (fleet.ts: ten VMs per host) with
// the same transitions, trimmed as the workflow trims it before continuing, and measuring its JSON; the server is then
// offered the next size up, to show where it says no. For each number of concurrent callers, a fresh ledger workflow
// starts from the largest state and takes `claims` reserveBoot updates through createTemporalLedger (the adapter the
// worker used, with its in-flight cap). The runs are short enough that the ledger never continues as new: with the
// claims on top, its state would no longer fit.
import { randomUUID } from 'node:crypto';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createLedger, pruneApplied, type LedgerState } from '../../simulator/ledger';
import type { BenchTemporal } from '../temporal-env';
import { expect, runClaims, type ClaimRun } from './claims';
import { BOOT_HOST_EVERY, bootHostsOf, CLAIM, fleetInventory, fleetState, VMS_PER_HOST } from './fleet';
import { APPLIED_LIMITS } from './workflow-ledger/fleet-ledger';
import { ledgerWorkflowId, type FleetLedgerInput } from './workflow-ledger/messages';
import { createTemporalLedger, DEFAULT_MAX_IN_FLIGHT_UPDATES } from './workflow-ledger/temporal-ledger';

/** Temporal's default blob size limit (dynamic config limit.blobSize.error), which the dev server keeps. */
export const PAYLOAD_LIMIT_BYTES = 2 * 1024 * 1024;

export interface WorkflowLedgerSize {
  hosts: number;
  bootHosts: number;
  vms: number;
  settled: number;
  /** JSON of the workflow's input ({ state }), as it crosses continue-as-new */
  stateBytes: number;
}

export interface WorkflowLedgerLevel {
  run: ClaimRun;
  /** whether the ledger continued as new during the run (it must not, see above) */
  continuedAsNew: boolean;
}

export interface WorkflowLedgerFigures {
  payloadLimitBytes: number;
  /** P3's 10,000 hosts with no VM at all */
  fullInventoryBytes: number;
  fullInventoryHosts: number;
  largest: WorkflowLedgerSize;
  /** the next size up, offered to the server as a ledger's input */
  nextSize: WorkflowLedgerSize & { accepted: boolean; refusal: string | null };
  inFlightCap: number;
  levels: WorkflowLedgerLevel[];
}

/** An error and its causes, one message after another (the client's "Failed to start Workflow" says little alone). */
function messages(err: unknown): string {
  const chain: string[] = [];
  for (let e: unknown = err; e !== undefined && e !== null; e = (e as { cause?: unknown }).cause) chain.push(e instanceof Error ? e.message : String(e));
  return chain.join(': ');
}

/** Fleet names of one length: the name is in every host's URI, so it weighs on the state's size. */
const fleetName = () => `wf-${randomUUID().slice(0, 8)}`;

function ledgerInput(fleet: string, hosts: number): { input: { state: LedgerState }; size: WorkflowLedgerSize } {
  const vms = hosts * VMS_PER_HOST;
  const { state, settled } = fleetState(fleet, hosts, vms);
  pruneApplied(state, APPLIED_LIMITS);
  const input = { state };
  return { input, size: { hosts, bootHosts: bootHostsOf(hosts), vms, settled, stateBytes: Buffer.byteLength(JSON.stringify(input)) } };
}

/** The largest multiple of BOOT_HOST_EVERY hosts whose ledger state fits the limit: doubling, then bisecting. */
function largestFitting(): number {
  const fits = (hosts: number) => ledgerInput(fleetName(), hosts).size.stateBytes <= PAYLOAD_LIMIT_BYTES;
  let low = BOOT_HOST_EVERY;
  if (!fits(low)) throw new Error(`not even ${low} hosts fit in ${PAYLOAD_LIMIT_BYTES} bytes`);
  let high = low * 2;
  while (fits(high)) [low, high] = [high, high * 2];
  while (high - low > BOOT_HOST_EVERY) {
    const mid = Math.round((low + high) / 2 / BOOT_HOST_EVERY) * BOOT_HOST_EVERY;
    if (fits(mid)) low = mid;
    else high = mid;
  }
  return low;
}

export async function measureWorkflowLedger(
  t: BenchTemporal,
  workflowBundle: WorkflowBundleWithSourceMap,
  opts: { fullHosts: number; claims: number; concurrencies: readonly number[] },
): Promise<WorkflowLedgerFigures> {
  const fullInventoryBytes = Buffer.byteLength(JSON.stringify({ state: createLedger(fleetInventory(fleetName(), opts.fullHosts)) }));
  const hosts = largestFitting();
  const taskQueue = `p3-ledger-${randomUUID().slice(0, 8)}`;
  const worker = await Worker.create({ connection: t.native, namespace: t.server.namespace, taskQueue, workflowBundle });
  const start = (fleet: string, input: FleetLedgerInput) =>
    t.client.workflow.start<(input: FleetLedgerInput) => Promise<void>>('fleetLedger', { taskQueue, workflowId: ledgerWorkflowId(fleet), args: [input] });

  return worker.runUntil(async () => {
    const next = ledgerInput(fleetName(), hosts + BOOT_HOST_EVERY);
    const offered = await start(next.input.state.fleet, next.input).then(
      async (handle) => {
        await handle.terminate('bench P3: only offered');
        return { accepted: true, refusal: null };
      },
      (err: unknown) => ({ accepted: false, refusal: messages(err) }),
    );

    let largest: WorkflowLedgerSize | undefined;
    const levels: WorkflowLedgerLevel[] = [];
    for (const concurrency of opts.concurrencies) {
      const fleet = fleetName();
      const { input, size } = ledgerInput(fleet, hosts);
      largest = size;
      const handle = await start(fleet, input);
      const ledger = createTemporalLedger({ client: t.client, taskQueue, loadInventory: async () => fleetInventory(fleet, hosts) });
      // The first update waits for the workflow's first task (a 2 MB input to decode): outside the clock.
      await ledger.release(fleet, { reservationId: 'bench-warm-up' });
      const run = await runClaims(opts.claims, concurrency, async (i) =>
        expect(await ledger.reserveBoot(fleet, { reservationId: `claim-${i}`, vmId: `claim-${i}`, workflowId: `claim-${i}`, ...CLAIM }), 'reserved'),
      );
      const { runId } = await handle.describe();
      levels.push({ run, continuedAsNew: runId !== handle.firstExecutionRunId });
      await handle.terminate('bench P3: run over');
    }
    return {
      payloadLimitBytes: PAYLOAD_LIMIT_BYTES,
      fullInventoryBytes,
      fullInventoryHosts: opts.fullHosts,
      largest: largest!,
      nextSize: { ...next.size, ...offered },
      inFlightCap: DEFAULT_MAX_IN_FLIGHT_UPDATES,
      levels,
    };
  });
}
