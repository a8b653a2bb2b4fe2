// P3 in Markdown: placement decision times at fleet scale; the PostgreSQL ledger holding that fleet (claims per
// second by number of callers, latency, size, with the settings it ran with); and the workflow ledger it replaces, at
// the largest fleet that one can hold.
import type { BenchRecord } from '../bench-main';
import type { P3Result } from '../p3-placement/index';
import type { PostgresLedgerFigures } from '../p3-placement/postgres-claims';
import type { WorkflowLedgerFigures } from '../p3-placement/workflow-ledger-claims';
import { durable, settingsNote } from '../postgres-settings';
import { runNote, table, yesNo } from './markdown';

const n = (value: number) => value.toLocaleString('en');
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const ms = (value: number) => value.toFixed(1);

function placement(record: BenchRecord<P3Result>): string[] {
  const p = record.result.placement;
  const us = (v: number) => `${v.toFixed(1)} µs`;
  return [
    `In memory, the fleet's ledger (${n(p.hosts)} hosts: ${n(p.bootHosts)} boot × 16 CPUs, the rest settle × 16 CPUs at ratio 4; ` +
      `${n(p.vms)} VMs of 1/2/4 vCPUs, ${n(p.settled)} settled, the rest booting) built with the domain's own transitions in ` +
      `${p.buildSeconds} s; then ${n(p.boot.calls)} decisions of each kind, timed one by one:`,
    '',
    ...table(
      ['decision', 'p50', 'p99', 'max'],
      [
        ['pickBootHost', us(p.boot.p50Us), `**${us(p.boot.p99Us)}**`, us(p.boot.maxUs)],
        ['pickSettleHost', us(p.settle.p50Us), `**${us(p.settle.p99Us)}**`, us(p.settle.maxUs)],
      ],
      ['l', 'r', 'r', 'r'],
    ),
    '',
    `Goal p99 ≤ ${p.goalP99Ms} ms: ${yesNo(p.met)}.`,
    '',
  ];
}

function claimsTable(pg: PostgresLedgerFigures): string[] {
  const rate = (r: { perSecond: number; failed: number }) => `${r.perSecond}${r.failed > 0 ? ` (${r.failed} failed)` : ''}`;
  return table(
    ['callers', 'VMs held', 'load (1 min)', 'reserveBoot claims/s', 'p50 / p99 ms', 'reserveSettle claims/s', 'p50 / p99 ms', 'commitMove/s', 'cores while claiming: bench process / PostgreSQL'],
    pg.levels.map((l) => [
      l.concurrency,
      n(l.liveVms),
      l.loadAtStart[0].toFixed(2),
      `**${rate(l.boot)}**`,
      `${ms(l.boot.p50Ms)} / ${ms(l.boot.p99Ms)}`,
      rate(l.settle),
      `${ms(l.settle.p50Ms)} / ${ms(l.settle.p99Ms)}`,
      rate(l.commit),
      `${l.boot.clientCores.toFixed(2)} / ${l.boot.postgresCores.toFixed(2)}`,
    ]),
    ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
}

function postgres(record: BenchRecord<P3Result>): string[] {
  const { durable: d, fsyncOff: f } = record.result.postgres;
  const l = d.load;
  const check = (c: PostgresLedgerFigures['checkBefore']) =>
    `${n(c.hosts)} hosts, ${n(c.liveVms)} live VMs: counters off on ${c.countersOff} hosts, ${c.overCapacity} over capacity, ${c.orphans} reservations on unknown hosts`;
  const claims = d.levels[0]?.boot.requests ?? 0;
  const best = record.result.claimBestPerSecond;
  const bestAt = d.levels.find((level) => level.boot.perSecond === best)?.concurrency;
  return [
    '### The PostgreSQL ledger holding the fleet',
    '',
    `The same fleet in the PostgreSQL ledger (a cluster of the benchmark's own, its data dir on ${d.storage}): the ${n(l.hosts)} hosts ` +
      `through \`ledger.resync\`, then the ${n(l.vms)} VMs in bulk SQL as the rows the ledger itself writes (${n(l.settled)} settled: a ` +
      `released boot row and a committed settle row each; ${n(l.booting)} booting: a reserved boot row), spread round-robin over each ` +
      `pool, the hosts' counters set from the reservations in one UPDATE, then VACUUM ANALYZE: ${d.loadSeconds} s (resync ${l.resyncSeconds} s, ` +
      `reservations ${l.reservationsSeconds} s, counters ${l.countersSeconds} s, vacuum ${l.vacuumSeconds} s). Checked before measuring: ` +
      `${check(d.checkBefore)}; and at the end: ${check(d.checkAfter)}.`,
    '',
    `Each claim asks for 1 vCPU and 2 GiB. For each number of concurrent callers, ${n(claims)} new VMs go through \`reserveBoot\` (the ` +
      'claim: a boot host picked and taken), then `reserveSettle` (a settle host picked and taken), then `commitMove` (the boot slot ' +
      `freed), each phase timed from its first call to its last reply, after ${d.warmUpVms} untimed warm-up VMs. The callers share the ` +
      `worker's ledger client (createPostgresLedger over connectLedgerDatabase's default pool: ${d.connections} connections open at the end).`,
    '',
    `**Durable** (${settingsNote(d.settings)}: PostgreSQL's defaults${durable(d.settings) ? '' : ' — NOT durable, see the settings'}):`,
    '',
    ...claimsTable(d),
    '',
    `Goal ≥ ${n(record.result.claimGoalPerSecond)} claims/s (reserveBoot, durable, with the ledger consistent after the claims): ` +
      `${yesNo(record.result.claimMet)} (best: ${best}/s at ${bestAt} callers; consistent after: ${d.checkAfter.ok ? 'yes' : '**no**'}).`,
    '',
    `For comparison, **fsync off** (${settingsNote(f.settings)}, as the test clusters run), the same load and check (end: ${check(f.checkAfter)}):`,
    '',
    ...claimsTable(f),
    '',
    `Database size (\`ledgerSize\`: the ledger's tables with their indexes and TOAST): **${mib(d.bytesLoaded)}** for the loaded fleet ` +
      `(${n(d.rowsLoaded.hosts)} host rows, ${n(d.rowsLoaded.reservations)} reservation rows), ${mib(d.bytesEnd)} at the end ` +
      `(${n(d.rowsEnd.reservations)} reservation rows: a reservation row is never deleted, it is the ledger's history).`,
    '',
  ];
}

function workflowLedger(w: WorkflowLedgerFigures, pg: PostgresLedgerFigures): string[] {
  const big = w.largest;
  const next = w.nextSize;
  const answer = next.accepted ? '**accepted** (the limit is higher than assumed)' : `refused: \`${next.refusal}\``;
  const rates = (runs: { concurrency: number; perSecond: number }[]) => runs.map((r) => r.perSecond).join(' / ');
  return [
    '### The workflow ledger it replaces, at the largest fleet it can hold',
    '',
    'The `fleetLedger` workflow (now bench-only: `bench/p3-placement/workflow-ledger/`) carries its whole state across ' +
      `continue-as-new in one payload, and the server refuses a payload over ${mib(w.payloadLimitBytes)} (Temporal's default ` +
      `\`limit.blobSize.error\`). The ${n(w.fullInventoryHosts)} hosts alone, with no VM, make a state of ${mib(w.fullInventoryBytes)}. ` +
      `The largest fleet of the same shape (ten VMs per host, one host in ten a boot host) whose state fits, built with the same ` +
      `transitions and trimmed as the workflow trims it before continuing: **${n(big.hosts)} hosts holding ${n(big.vms)} VMs** ` +
      `(${n(big.settled)} settled), ${n(big.stateBytes)} bytes. The next size up (${n(next.hosts)} hosts, ${n(next.vms)} VMs, ` +
      `${n(next.stateBytes)} bytes), offered to the dev server as a ledger's input: ${answer}.`,
    '',
    `From that largest state, a fresh ledger workflow for each number of callers took ${n(w.levels[0]?.run.requests ?? 0)} \`reserveBoot\` ` +
      `updates through \`createTemporalLedger\` (the adapter the worker used, at most ${w.inFlightCap} updates in flight), on the same ` +
      `dev server and one worker. ${w.levels.some((l) => l.continuedAsNew) ? 'It **continued as new** during a run (see the table), carrying more than its largest state' : 'It did not continue as new during any run: with the claims on top, its state would no longer fit'}.`,
    '',
    ...table(
      ['callers', 'requests', 'reserved', 'seconds', 'claims/s', 'p50 / p99 ms', 'continued as new'],
      w.levels.map(({ run, continuedAsNew }) => [
        run.concurrency,
        run.requests,
        run.succeeded,
        run.seconds.toFixed(2),
        `**${run.perSecond}**`,
        `${ms(run.p50Ms)} / ${ms(run.p99Ms)}`,
        continuedAsNew ? 'yes' : 'no',
      ]),
      ['r', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
    '',
    `Side by side, claims/s at ${w.levels.map((l) => l.run.concurrency).join(' / ')} callers: the workflow ledger at its largest ` +
      `(${n(big.vms)} VMs) ${rates(w.levels.map((l) => l.run))}; PostgreSQL, durable, holding ${n(pg.load.vms)}+ VMs ` +
      `${rates(pg.levels.map((l) => ({ concurrency: l.concurrency, perSecond: l.boot.perSecond })))}.`,
    '',
  ];
}

export function renderP3(record: BenchRecord<P3Result>): string[] {
  const r = record.result;
  return [
    '## P3 — the ledger at fleet scale: placement, claims on PostgreSQL, and the workflow ledger it replaces',
    '',
    ...runNote(record),
    '',
    ...placement(record),
    ...postgres(record),
    ...workflowLedger(r.workflowLedger, r.postgres.durable),
  ];
}
