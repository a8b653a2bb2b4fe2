// P3 in Markdown: placement decision times at fleet scale, and the ledger's reservation rate by concurrency.
import type { BenchRecord } from '../bench-main';
import type { P3Result } from '../p3-placement/index';
import { runNote, table, yesNo } from './markdown';

export function renderP3(record: BenchRecord<P3Result>): string[] {
  const { placement: p, ledger } = record.result;
  const us = (n: number) => `${n.toFixed(1)} µs`;
  const uncapped = ledger.filter((l) => l.inFlightCap === null);
  return [
    '## P3 — placement at fleet scale, and the ledger\'s reservation rate',
    '',
    ...runNote(record),
    '',
    `Ledger of ${p.hosts.toLocaleString('en')} hosts (${p.bootHosts.toLocaleString('en')} boot × 16 CPUs, the rest settle × 16 CPUs at ratio 4) ` +
      `holding ${p.vms.toLocaleString('en')} VMs of 1/2/4 vCPUs (${p.settled.toLocaleString('en')} settled, the rest booting), built with the ` +
      `domain's own transitions in ${p.buildSeconds} s; then ${p.boot.calls.toLocaleString('en')} decisions of each kind, timed one by one:`,
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
    'Reservations through the dev server: `reserveBoot` updates sent with `createTemporalLedger` to one `fleetLedger` workflow, ' +
      'by N callers each sending one request after another:',
    '',
    ...table(
      ['concurrent callers', "adapter's in-flight cap", 'requests', 'reserved', 'failed', 'seconds', 'reservations/s'],
      ledger.map((l) => [l.concurrency, l.inFlightCap ?? 'none', l.reservations, l.reserved, l.failed, l.seconds.toFixed(2), `**${l.perSecond}**`]),
      ['r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    `Goal ≥ ${record.result.ledgerGoalPerSecond}/s: ${yesNo(record.result.ledgerMet)} (best: ${record.result.ledgerBestPerSecond}/s at ` +
      `${ledger.find((l) => l.perSecond === record.result.ledgerBestPerSecond)?.concurrency} callers). The server admits at most 10 ` +
      'in-flight updates per workflow (`history.maxInFlightUpdates`, default 10) and answers the rest `RESOURCE_EXHAUSTED: limit on ' +
      'number of concurrent in-flight updates has been reached (10)`; the client backs off and retries, admitted updates get ' +
      'aborted ("workflow update was aborted" in the server log), and the rate falls. So the adapter queues its updates and keeps ' +
      'at most the cap in flight: with it, more callers than the limit keep the rate; without it: ' +
      `${uncapped.map((l) => `${l.perSecond}/s at ${l.concurrency} callers`).join(', ')}.`,
    '',
  ];
}
