// P5 in Markdown: real cloud guests through bootshift's workflows, one at a time — boot to phone-home and to
// guest-agent-ready VM by VM with their medians, where the boot's time goes (first use of the base vs later uses),
// and the migration that copies the VM's own disk layer next to plain virsh copying the VM's layer or the whole image.
import type { BenchRecord } from '../bench-main';
import type { LoadGate } from '../load-gate';
import type { P5Result, VmFigures } from '../p5-cloud/summary';
import type { PlainMove } from '../p5-cloud/plain-migration';
import { median } from '../stats';
import { load, runNote, seconds, table } from './markdown';

const s = (ms: number | null | undefined, digits = 1): string => (ms === null || ms === undefined || !Number.isFinite(ms) ? '—' : seconds(ms, digits));
const mib = (value: number | null | undefined): string => (value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(1));

export function gateNote(gate: LoadGate): string {
  if (gate.skipped) return `- load gate skipped (smoke run); 1-min load at the start ${load(gate.loadAtStart)}`;
  const waited = `waited ${gate.waitedSeconds} s for the 1-min load average to fall below ${gate.threshold}`;
  return gate.quiet
    ? `- ${waited}; load at the start of the measured part ${load(gate.loadAtStart)}`
    : `- ${waited}, in vain (gave up after 20 minutes): measured anyway at load ${load(gate.loadAtStart)}`;
}

function vmRow(v: VmFigures): string[] {
  return [
    `${v.name}${v.firstUse ? ' (first use)' : ''}`,
    v.bootSignal,
    v.load1.toFixed(2),
    `**${s(v.requestToBootCompleteMs)}**`,
    s(v.bootMs),
    s(v.defineStartMs, 2),
    s(v.guestBootMs),
    v.cloudInitFinishedUptimeS === null ? '—' : v.cloudInitFinishedUptimeS.toFixed(1),
    s(v.agentConnectedMs),
    s(v.cloudInitDoneMs),
  ];
}

function moveColumn(move: PlainMove | undefined): string[] {
  if (!move) return ['—', '—', '—', '—', '—', '—', '—'];
  return [
    s(move.wallMs, 2),
    s(move.job?.timeElapsedMs, 2),
    '—',
    mib(move.job?.diskProcessedMiB),
    mib(move.targetFileMiB),
    mib(move.job?.memoryProcessedMiB),
    String(move.job?.downtimeMs ?? '—'),
  ];
}

function agentNote(vms: VmFigures[]): string {
  const agent = vms.filter((v) => v.agentReadyMs !== null);
  if (agent.length === 0) return '';
  const pairs = agent.map((v) => `${s(v.agentReadyMs)} / ${s(v.cloudInitDoneMs)}`).join(', ');
  const equal = agent.every((v) => v.agentReadyMs === v.cloudInitDoneMs);
  return equal
    ? `\`agentReadyMs\` as the awaitGuestAgent activity returns it equals \`cloudInitDoneMs\` in every run (${pairs} s): the activity ` +
        "only notes the agent as ready once `cloud-init status` has a final answer, so the table takes the agent's readiness from " +
        "libvirt's agent-lifecycle event instead (a product bug, reported)."
    : `\`agentReadyMs\` / \`cloudInitDoneMs\` as the awaitGuestAgent activity returns them: ${pairs} s.`;
}

/** How much later cloud-init itself finished in the guest-agent VMs, and the report's lag behind it, per signal. */
function agentCost(r: P5Result): string {
  const { phoneHome: ph, guestAgent: ga } = r;
  if (ph.cloudInitFinishedUptimeMedianS === null || ga.cloudInitFinishedUptimeMedianS === null) return '';
  const later = ga.cloudInitFinishedUptimeMedianS - ph.cloudInitFinishedUptimeMedianS;
  const lag = (x: typeof ph) => (x.guestBootMedianMs - (x.cloudInitFinishedUptimeMedianS ?? Number.NaN) * 1000) / 1000;
  return (
    `Inside the guest, cloud-init finished ${later.toFixed(1)} s ${later >= 0 ? 'later' : 'earlier'} (median guest uptime) in the guest-agent VMs ` +
    `than in the phone-home ones, although both boot the same image the same way; from cloud-init's finish to the workflow taking ` +
    `the report (guest boot − guest uptime at the finish, so firmware and boot loader included) took ${lag(ph).toFixed(1)} s with ` +
    `phone-home and ${lag(ga).toFixed(1)} s with the guest agent. The watcher asks every 2 s, once the agent answers, by running ` +
    '`cloud-init status` in the guest through guest-exec: a Python process that takes several seconds of the guest\'s only vCPU ' +
    'under TCG, which the watcher stops waiting for after 20 checks 250 ms apart and leaves running ' +
    "before it starts the next. Most likely these polls compete with cloud-init itself for the guest's CPU; the phone-home VMs, " +
    'which are not polled, are the control (reported, with a cheaper check proposed).'
  );
}

export function renderP5(record: BenchRecord<P5Result>): string[] {
  const r = record.result;
  const ph = r.phoneHome;
  const ga = r.guestAgent;
  const later = r.vms.filter((v) => !v.firstUse);
  const med = (values: number[]) => median(values.filter(Number.isFinite));
  const b = r.migration.bootshift;
  const plain = r.migration.plain[0];
  const inc = plain?.moves.find((m) => m.kind === 'copy-storage-inc');
  const all = plain?.moves.find((m) => m.kind === 'copy-storage-all');
  const bootshiftColumn = [
    s(b.migrateMedianMs, 2),
    s(b.jobTimeMedianMs, 2),
    mib(b.migrateDiskMedianMiB),
    mib(b.jobDiskMedianMiB),
    mib(b.targetFileMedianMiB),
    mib(b.jobMemoryMedianMiB),
    String(med(r.vms.map((v) => v.job?.downtimeMs ?? Number.NaN))),
  ];
  const incColumn = moveColumn(inc);
  const allColumn = moveColumn(all);
  const labels = [
    'migration time as its caller sees it (s): bootshift `migrateMs`; plain: wall clock around `virsh migrate`',
    "libvirt's job time (s, `time_elapsed` of the job-completed event)",
    'bootshift `migrateDiskMiB` (MiB, `File processed` of domjobinfo polled during the job)',
    "disk MiB libvirt processed (`disk_processed` of the job-completed event: the copy's extent, zeroes included)",
    "the VM's disk file on the target afterwards (MiB: the data that landed)",
    'memory MiB sent (`memory_processed`)',
    'downtime (ms)',
  ];
  return [
    '## P5 — real cloud guests (lab, libvirt, Debian 12 cloud image)',
    '',
    ...runNote(record),
    gateNote(r.gate),
    ...(r.vmGates && r.vmGates.waits > 0
      ? [
          `- before each later VM, up to 3 minutes more for the load to fall below ${r.gate.threshold} again: ${r.vmGates.waitedSeconds} s ` +
            `in all over ${r.vmGates.waits} waits, ${r.vmGates.notQuiet} of them in vain (each VM's own 1-min load at its start is in the table)`,
        ]
      : []),
    '',
    `Lab: ${r.lab.boot} boot host + ${r.lab.settle} settle host (${r.lab.hostCpus} CPUs, ${r.lab.hostCpus} GiB declared each; each host ` +
      `its own libvirtd and private storage pool, so nothing is shared). Guests: ${r.lab.guest}. Base image \`${r.image.volume}\` ` +
      `(${r.image.fileMiB} MiB compressed qcow2, ${r.image.virtualGiB} GiB virtual). ${r.vmsPerSignal} VMs per boot signal through ` +
      "bootshift's real workflow (provisionVm via the client, the worker process, its boot gateway), one at a time and alternated " +
      'phone-home / guest-agent, each request → settled on the settle host, then decommissioned. The lab is new, so the first VM ' +
      "uploads the base into the boot host's pool (defineAndStartVm) and into the settle host's (migrateVm); the others find it cached.",
    '',
    '### Boot to boot-complete',
    '',
    'Per VM (seconds): request → boot-complete is the history\'s workflow start → the boot-complete report taken by the workflow; ' +
      '`bootMs` is ProvisionVmResult.bootMs (the domain being put on the boot host → boot-complete); define + start is the ' +
      'defineAndStartVm activity (pool, base, the VM\'s disk, the seed built and uploaded, define, start); guest boot is that ' +
      "activity's completion → boot-complete (the guest's boot, then the gateway's or the agent watcher's report); cloud-init's own " +
      "finish is the guest's uptime from its console (from the kernel's start, so firmware and boot loader are not in it); agent " +
      "connected is libvirt's agent-lifecycle event after the domain started; cloud-init done is the awaitGuestAgent activity's " +
      'result (from its start, which follows the domain\'s start by a few ms).',
    '',
    ...table(
      ['VM', 'boot signal', 'load (1 min)', 'request → boot-complete', 'bootMs', 'define + start', 'guest boot → report', 'cloud-init finished (guest uptime)', 'agent connected', 'cloud-init done (agent watcher)'],
      r.vms.map(vmRow),
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    `**Boot to phone-home: median request → boot-complete ${s(ph.requestToBootCompleteMedianMs)} s** (bootMs ${s(ph.bootMedianMs)} s, ` +
      `guest boot ${s(ph.guestBootMedianMs)} s; cloud-init finished at ${ph.cloudInitFinishedUptimeMedianS?.toFixed(1) ?? '—'} s of guest uptime). ` +
      `**Boot to guest-agent-ready: median request → boot-complete ${s(ga.requestToBootCompleteMedianMs)} s** (bootMs ${s(ga.bootMedianMs)} s; ` +
      `the agent connected ${s(ga.agentConnectedMedianMs)} s after the domain started, cloud-init was reported done ` +
      `${s(ga.cloudInitDoneMedianMs)} s after the watcher started; cloud-init finished at ${ga.cloudInitFinishedUptimeMedianS?.toFixed(1) ?? '—'} s of guest uptime).`,
    '',
    r.firstUse
      ? `Split of the boot: define + start took ${s(r.firstUse.defineStartMs, 2)} s on first use (the ${r.image.fileMiB} MiB base uploaded into ` +
        `the boot host's pool through libvirt) and ${s(med(later.map((v) => v.defineStartMs)), 2)} s (median) once cached; the first ` +
        `migrateVm activity took ${s(r.firstUse.migrateActivityMs, 2)} s (base uploaded to the settle host first) against ` +
        `${s(med(later.map((v) => v.migrateActivityMs)), 2)} s later; checkVm ${s(r.firstUse.checkVmMs, 2)} s the first time (the worker ` +
        `hashes the image file) and ${s(med(later.map((v) => v.checkVmMs)), 2)} s later. Everything else of the boot is the guest: ` +
        `define + start is ${(((ph.bootMedianMs - ph.guestBootMedianMs) / ph.bootMedianMs) * 100).toFixed(0)}% of the phone-home bootMs.`
      : '',
    '',
    agentNote(r.vms),
    '',
    agentCost(r),
    '',
    '### Migration: the VM\'s own layer (bootshift) vs the whole image',
    '',
    `bootshift: median of the ${b.vms} migrations above (boot host → settle host, \`--copy-storage-inc\` into a fresh empty disk over the ` +
      'base, the seed ejected and deleted before). Plain virsh, for comparison, on one more cloud guest booted plainly on the boot host ' +
      `(start → phone-home ${s(plain?.bootMs)} s${plain?.load1 !== undefined ? `, 1-min load ${plain.load1.toFixed(2)} at its start` : ''}), its seed likewise ` +
      'ejected and deleted: first boot → settle with `--copy-storage-inc` ' +
      'into a fresh empty disk over the cached base (what bootshift does, without the workflow), then settle → boot with ' +
      '`--copy-storage-all` into a pre-created flat qcow2 of the same virtual size (4 GiB): the whole image, base included, as when ' +
      'no base is cached on the target (libvirt opens the target disk without a backing chain).',
    '',
    ...table(
      ['figure', 'bootshift (overlay only)', 'plain `--copy-storage-inc`', 'plain `--copy-storage-all` (full image)'],
      labels.map((label, i) => [label, `${bootshiftColumn[i]}`, `${incColumn[i]}`, `${allColumn[i]}`]),
      ['l', 'r', 'r', 'r'],
    ),
    '',
    all && inc
      ? `**The full image took ${s(all.job?.timeElapsedMs, 2)} s of libvirt job time against ${s(b.jobTimeMedianMs, 2)} s for bootshift's overlay-only ` +
        `move, and left ${mib(all.targetFileMiB)} MiB on the target against ${mib(b.targetFileMedianMiB)} MiB.** libvirt counts a disk copy's ` +
        'extent, zero areas included (a full copy "processes" the whole 4 GiB virtual disk; an overlay, the clusters it has, ' +
        `${mib(b.jobDiskMedianMiB)} MiB here, most of them zero), so the disk file on the target is the better measure of the data moved. ` +
        "bootshift's `migrateMs` is longer than libvirt's job because the adapter checks where the domain is before and after the " +
        "job (a few virsh calls), and the migrateVm activity around it also prepares the target's disk and deletes the source's."
      : '',
    '',
  ];
}
