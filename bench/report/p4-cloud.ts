// P4 with real cloud guests in Markdown: the same table as the busybox run, as its own subsection next to it, with the
// evidence that the setup is what it claims and what the cloud guests' migrations moved.
import type { BenchRecord } from '../bench-main';
import type { P4CloudResult } from '../p4-payoff/cloud';
import { payoffTable } from './p4';
import { gateNote } from './p5';
import { runNote, seconds, yesNo } from './markdown';

export function renderP4Cloud(record: BenchRecord<P4CloudResult>): string[] {
  const r = record.result;
  const list = (ms: number[]) => ms.map((m) => seconds(m)).join(', ');
  const moves = r.bootshift.moves.map((m) => `${m.name} ${m.migrateMs === null ? '—' : seconds(m.migrateMs)} s / ${m.migrateDiskMiB?.toFixed(1) ?? '—'} MiB`);
  return [
    '### P4 with real cloud guests (Debian 12 cloud image)',
    '',
    ...runNote(record),
    gateNote(r.gate),
    '',
    `The same hosts and pinning as above (A: 1 CPU, pinned to CPU 0; B: 1 CPU, pinned to CPU 1, cpuAllocationRatio ` +
      `${r.burners + r.guests}; ${r.hostMemoryMiB} MiB declared per host; ${r.pinning.pinCalls} pin calls, ${r.pinning.errors} errors, ` +
      `${r.pinning.strays.length} unpinned qemu threads at the checks), and B first gets D = ${r.burners} busy busybox tenants through ` +
      `bootshift (B's qemus then used ${r.bBusyBefore} CPU-s/s). The K = ${r.guests} new guests are Debian cloud VMs (1 vCPU, 512 MiB, ` +
      'cloud-init phoning home, a 4 GiB disk over the base): (a) in place on B with plain virsh (the guest\'s disk over the base in B\'s ' +
      'pool and a NoCloud seed made with bootshift\'s own parts, phoning home to a test catcher), all at once, (b) the bootshift way ' +
      `(boot on A, live-migrate to B with the disk layer once booted). The base was put into both hosts' pools before anything was ` +
      `measured (${seconds(r.baseUploadMs.a)} s / ${seconds(r.baseUploadMs.b)} s), so neither arm pays for it; each in-place boot is timed ` +
      'from before its disk and seed are made, as bootshift\'s boot time starts before its define+start activity makes them. ' +
      `Cloud guests take about a minute to boot alone under TCG, hence the small K and D.`,
    '',
    ...payoffTable(r),
    '',
    `**Cloud guests: boot p95 ${r.bootP95Speedup.toFixed(2)}× faster the bootshift way at equal final density** (goal ≥ 2×: ${yesNo(r.met)}).`,
    '',
    `Alone, one at a time with plain virsh: on B before it was filled ${list(r.aloneBootMs)} s; on A while B's CPU was saturated ` +
      `${list(r.aloneOnABootMs)} s (the machine's unpinned processes — Temporal, the worker, libvirtd, other work — then run on A's CPU). ` +
      `The bootshift way's migrations to B (migrateMs / disk copied): ${moves.join('; ')}. A holds one VM at a time, so the bootshift way ` +
      'boots the K guests one after another: its request → phone-home includes that queue.',
    '',
  ];
}
