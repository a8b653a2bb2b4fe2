// P4 in Markdown: the two ways of booting K guests next to D busy tenants, side by side, with the evidence that the
// setup is what it claims (B busy, every qemu pinned) and the calibration handed to the simulation.
import type { BenchRecord } from '../bench-main';
import type { P4Result } from '../p4-payoff/index';
import { runNote, seconds, table, yesNo } from './markdown';

export function renderP4(record: BenchRecord<P4Result>): string[] {
  const r = record.result;
  const list = (ms: number[]) => ms.map((m) => seconds(m)).join(', ');
  return [
    '## P4 — the payoff on real guests (lab, pinned CPUs)',
    '',
    ...runNote(record),
    '',
    `Host A (boot pool, 1 CPU) has its qemu processes pinned to CPU 0, host B (settle pool, 1 CPU, cpuAllocationRatio ` +
      `${r.burners + r.guests}) to CPU 1 (taskset every 200 ms; ${r.pinning.pinCalls} pin calls, ${r.pinning.errors} errors, ` +
      `${r.pinning.strays.length} unpinned qemu threads at the checks). B first gets D = ${r.burners} tenants that keep their vCPU busy ` +
      `(placed through bootshift, so the ledger knows them; B's qemus then used ${r.bBusyBefore} CPU-s/s). Then K = ${r.guests} new ` +
      'guests, all requested at once: (a) in place on B with plain virsh, (b) the bootshift way (boot on A, live-migrate to B once booted).',
    '',
    ...payoffTable(r),
    '',
    `**Boot p95 ${r.bootP95Speedup.toFixed(2)}× faster the bootshift way at equal final density** (goal ≥ 2×: ${yesNo(r.met)}).`,
    '',
    `Alone, one at a time with plain virsh: on B before it was filled ${list(r.aloneBootMs)} s; on A while B's CPU was saturated ` +
      `${list(r.aloneOnABootMs)} s (the machine's unpinned processes — Temporal, the worker, libvirtd, other work — then run on A's CPU). ` +
      'The bootshift boot time runs from the workflow putting the domain on A to the gateway\'s signal reaching it, so it also ' +
      'includes define/start and the signal path (see the P1 steps). A holds one VM at a time (1 CPU, undersubscribed), so the bootshift ' +
      'way boots the K guests one after another: its request → phone-home includes that queue.',
    '',
    `Calibration written for the simulation (\`${r.calibrationFile}\`): alone ${r.calibration.aloneSeconds} s, packed ` +
      `${r.calibration.packedSeconds} s with ${r.calibration.packedLoadPerCpu} other runnable vCPUs per CPU (the ${r.burners} tenants and the ` +
      `${r.guests - 1} other guests booting alongside), host CPUs ${r.calibration.hostCpus}.`,
    '',
  ];
}

/** What each way of booting the K guests is measured by, the same for busybox and cloud guests. */
interface PayoffArm {
  bootP50Ms: number;
  bootP95Ms: number;
  requestToPhoneHomeP50Ms: number;
  requestToPhoneHomeP95Ms: number;
  allSettledMs: number;
  density: { vms: number; vcpusPerPcpu: number };
}

/** The two arms side by side: P4's table, for the busybox run and the cloud run alike. */
export function payoffTable(r: { inPlace: PayoffArm; bootshift: PayoffArm }): string[] {
  const arms = [r.inPlace, r.bootshift];
  const row = (label: string, pick: (a: PayoffArm) => string) => [label, ...arms.map(pick)];
  return table(
    ['figure', '(a) in place on B', '(b) bootshift'],
    [
      row('boot time p50 (s, boot start → phone-home)', (a) => seconds(a.bootP50Ms)),
      row('boot time p95 (s)', (a) => `**${seconds(a.bootP95Ms)}**`),
      row('request → phone-home p50 (s)', (a) => seconds(a.requestToPhoneHomeP50Ms)),
      row('request → phone-home p95 (s)', (a) => seconds(a.requestToPhoneHomeP95Ms)),
      row('all K settled on B (s, first request → last settled)', (a) => seconds(a.allSettledMs)),
      row('final density of B: VMs', (a) => String(a.density.vms)),
      row('final density of B: vCPUs per pCPU', (a) => a.density.vcpusPerPcpu.toFixed(1)),
    ],
    ['l', 'r', 'r'],
  );
}
