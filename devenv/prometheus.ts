// The launcher for a real Prometheus (Debian's `prometheus` package, from scripts/install-lab) scraping the worker's
// metrics endpoint in the embedded environment, so `bootshift dev up` has a place to query the fleet's metrics and the
// end-to-end test asserts through Prometheus's own query API. Like the other launchers it brings everything of its
// own (config, TSDB, log in one directory, a free loopback port) and never touches the package's system service.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './free-port';
import { isRunning, startTimeOf, stopProcesses } from './processes';
import { waitFor } from './wait';

export const PROMETHEUS_BINARY = '/usr/bin/prometheus';

export interface PrometheusOptions {
  /** Config, TSDB and log live here. */
  dir: string;
  /** host:port of each /metrics endpoint to scrape. */
  targets: string[];
  /** Short, so what a test just did is queryable a second later (default 1 s). */
  scrapeIntervalSeconds?: number;
  /** Keep running after this Node process exits (`dev up`). */
  detached?: boolean;
  readyTimeoutMs?: number;
}

export interface PrometheusServer {
  /** Base URL of its web UI and HTTP API. */
  url: string;
  pid: number;
  startTime?: string;
  dir: string;
  stop(): Promise<void>;
}

/** The job name the worker's endpoint is scraped under (the `job` label of its series). */
export const WORKER_JOB = 'bootshift-worker';

export async function startPrometheus(opts: PrometheusOptions): Promise<PrometheusServer> {
  if (!existsSync(PROMETHEUS_BINARY)) throw new Error(`${PROMETHEUS_BINARY} is missing: scripts/install-lab installs Debian's prometheus package`);
  mkdirSync(opts.dir, { recursive: true });
  const interval = `${opts.scrapeIntervalSeconds ?? 1}s`;
  const configFile = path.join(opts.dir, 'prometheus.yml');
  writeFileSync(
    configFile,
    stringify({
      global: { scrape_interval: interval, evaluation_interval: interval },
      scrape_configs: [{ job_name: WORKER_JOB, static_configs: [{ targets: opts.targets }] }],
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logFile = path.join(opts.dir, 'prometheus.log');
  const out = openSync(logFile, 'a');
  const child = spawn(
    PROMETHEUS_BINARY,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(opts.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // A dev environment's history is worth a day at most; the default keeps 15.
      '--storage.tsdb.retention.time=1d',
    ],
    { stdio: ['ignore', out, out], detached: opts.detached ?? false },
  );
  closeSync(out);
  // spawn reports a failure to start asynchronously (no pid then); without a listener it would be an uncaught 'error'.
  let failed: Error | undefined;
  child.once('error', (err) => (failed = err));
  if (opts.detached) child.unref();
  const pid = child.pid;
  const stop = () => (pid === undefined ? Promise.resolve() : stopProcesses([pid]));
  try {
    await waitFor(
      async () => {
        if (failed) throw new Error(`${PROMETHEUS_BINARY} could not start: ${failed.message}`);
        if (pid === undefined) return false;
        if (!isRunning(pid)) throw new Error(`Prometheus exited during start-up; see ${logFile}`);
        return fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
      },
      { timeoutMs: opts.readyTimeoutMs ?? 60_000, intervalMs: 250, what: `Prometheus on ${url} (log: ${logFile})` },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const startTime = startTimeOf(pid!);
  return { url, pid: pid!, ...(startTime && { startTime }), dir: opts.dir, stop };
}
