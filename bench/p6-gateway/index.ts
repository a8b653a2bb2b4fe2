// P6, the boot gateway under a hostile guest: the latency of genuine phone-homes (HTTP request → gateway → the
// VM's bootComplete update on a real dev server → 204) while the gateway is idle, and again while one "guest" floods it
// from the address every guest shares with bad tokens, junk paths, malformed requests and bodies it never finishes.
// Goal (issue 15): every genuine report answered 204, and the p99 under the flood within 2× of the idle p99. The
// gateway runs with the worker's default limits, in one process with a Temporal worker, as the worker runs it; the
// flood comes from a process of its own.
// Run alone: npx ts-node --transpile-only bench/p6-gateway/index.ts
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from '@temporalio/worker';
import pino from 'pino';
import { PHONE_HOME_PREFIX } from '../../worker/gateway/phone-home';
import { DEFAULT_GATEWAY_LIMITS, createGateway } from '../../worker/gateway/server';
import { createTokenSigner } from '../../worker/tokens';
import { createBootReporter } from '../../worker/workflow-port';
import { benchMain, intArg } from '../bench-main';
import { percentile, round } from '../stats';
import { bundle, startBenchTemporal, type BenchTemporal } from '../temporal-env';

export const P99_RATIO_GOAL = 2;

export interface LatencyPhase {
  reports: number;
  statuses: Record<number, number>;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface P6Result {
  limits: typeof DEFAULT_GATEWAY_LIMITS;
  concurrency: number;
  floodLanes: number;
  slowConnections: number;
  idle: LatencyPhase;
  flooded: LatencyPhase;
  /** The flood's answers by kind and status (0: a connection the gateway cut). */
  flood: Record<string, Record<number, number>>;
  p99Ratio: number;
  goalRatio: number;
  met: boolean;
}

interface Vm {
  id: string;
  token: string;
}

const signer = createTokenSigner(randomUUID().repeat(2));

/** Harness VM workflows (the gateway test's: they accept a report carrying their own nonce), each with its token. */
async function startVms(t: BenchTemporal, taskQueue: string, prefix: string, n: number): Promise<Vm[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const id = `vm/p6/${prefix}/${i}`;
      const nonce = randomUUID();
      const handle = await t.client.workflow.start('provisionVm', { taskQueue, workflowId: id, args: [{ nonce }] });
      return { id, token: signer.tokenFor({ workflowId: id, runId: handle.firstExecutionRunId, nonce }) };
    }),
  );
}

/** Each VM reports once, `concurrency` at a time; each request timed from send to the end of its answer. */
async function report(base: string, vms: Vm[], concurrency: number): Promise<LatencyPhase> {
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < vms.length; i = next++) {
      const vm = vms[i]!;
      const started = performance.now();
      const res = await fetch(`${base}${PHONE_HOME_PREFIX}${encodeURIComponent(vm.id)}?token=${vm.token}`);
      await res.arrayBuffer();
      latencies.push(performance.now() - started);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const ms = (q: number) => round(percentile(latencies, q), 1);
  return { reports: vms.length, statuses, p50Ms: ms(0.5), p99Ms: ms(0.99), maxMs: round(Math.max(...latencies), 1) };
}

function startFlood(base: string, target: Vm, lanes: number, slow: number): ChildProcess {
  // A token of the right shape whose MAC is wrong: one character changed.
  const forged = `${target.token.slice(0, 60)}${target.token[60] === 'A' ? 'B' : 'A'}${target.token.slice(61)}`;
  const targetPath = `${PHONE_HOME_PREFIX}${encodeURIComponent(target.id)}`;
  return spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'flood.ts'), base, targetPath, forged, String(lanes), String(slow)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

async function floodStarted(flood: ChildProcess): Promise<() => Promise<P6Result['flood']>> {
  let out = '';
  flood.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  while (!out.includes('flooding\n')) {
    if (flood.exitCode !== null) throw new Error(`the flood process exited (${flood.exitCode}) before flooding`);
    await once(flood.stdout!, 'data');
  }
  return async () => {
    flood.kill('SIGTERM');
    await once(flood, 'exit');
    return JSON.parse(out.slice(out.indexOf('flooding\n') + 'flooding\n'.length)) as P6Result['flood'];
  };
}

async function run(args: string[]): Promise<P6Result> {
  const reports = intArg(args, '--reports', 300);
  const concurrency = intArg(args, '--concurrency', 4);
  const floodLanes = intArg(args, '--flood-lanes', 16);
  const slowConnections = intArg(args, '--slow', 50);
  const logDir = mkdtempSync(path.join(tmpdir(), 'bootshift-bench-p6-'));
  const t = await startBenchTemporal(path.join(logDir, 'temporal.log'));
  try {
    const taskQueue = `p6-${randomUUID()}`;
    const workflowBundle = await bundle(require.resolve('../../test/workflows/gateway-harness'));
    const worker = await Worker.create({ connection: t.native, namespace: t.server.namespace, taskQueue, workflowBundle });
    return await worker.runUntil(async () => {
      const app = await createGateway({ signer, reportBoot: createBootReporter(t.client), logger: pino({ level: 'silent' }) });
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address();
      const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      try {
        const [warmVms, idleVms, floodVms, [target]] = await Promise.all([
          startVms(t, taskQueue, 'warm', 40),
          startVms(t, taskQueue, 'idle', reports),
          startVms(t, taskQueue, 'flooded', reports),
          startVms(t, taskQueue, 'target', 1),
        ]);
        // JIT, connection pools and the workflows' first tasks, so that neither measured phase pays for them.
        await report(base, warmVms, concurrency);
        const idle = await report(base, idleVms, concurrency);
        const stopFlood = await floodStarted(startFlood(base, target!, floodLanes, slowConnections));
        const flooded = await report(base, floodVms, concurrency);
        const flood = await stopFlood();
        const p99Ratio = round(flooded.p99Ms / idle.p99Ms, 2);
        const allAnswered = (phase: LatencyPhase) => phase.statuses[204] === phase.reports;
        return {
          limits: DEFAULT_GATEWAY_LIMITS,
          concurrency,
          floodLanes,
          slowConnections,
          idle,
          flooded,
          flood,
          p99Ratio,
          goalRatio: P99_RATIO_GOAL,
          met: allAnswered(idle) && allAnswered(flooded) && p99Ratio <= P99_RATIO_GOAL,
        };
      } finally {
        await app.close();
      }
    });
  } finally {
    await t.close();
    rmSync(logDir, { recursive: true, force: true });
  }
}

benchMain('p6-gateway', run);
