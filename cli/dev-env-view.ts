// What `dev up` and `dev status` print: where each part of the embedded environment is (addresses, inventory, logs)
// and whether the processes recorded in env.json are still the ones that were started.
import path from 'node:path';
import type { DevEnvRecord } from '../devenv/dev-env';

export interface DevEnvHealth {
  running: boolean;
  components: Array<{ name: 'temporal' | 'worker'; pid: number; running: boolean }>;
}

/** `ours(pid, marker)`: the pid is alive and its command line still contains what was started under it. */
export function devEnvHealth(record: DevEnvRecord, ours: (pid: number, marker: string) => boolean): DevEnvHealth {
  const components = [
    { name: 'temporal' as const, pid: record.temporal.pid, running: ours(record.temporal.pid, record.temporal.binary) },
    { name: 'worker' as const, pid: record.worker.pid, running: ours(record.worker.pid, path.join('lib', 'worker', 'main.js')) },
  ];
  return { running: components.every((c) => c.running), components };
}

export function renderDevEnv(r: DevEnvRecord, health: DevEnvHealth): string {
  const state = (name: string) => {
    const c = health.components.find((x) => x.name === name)!;
    return `pid ${c.pid}, ${c.running ? 'running' : 'NOT running'}`;
  };
  const rows: Array<[string, string]> = [
    ['temporal', `${r.temporal.address} (${state('temporal')})`],
    ['web ui', r.temporal.uiUrl ?? '- (started with --no-ui)'],
    ['worker', `task queue ${r.taskQueue} (${state('worker')})`],
    ['gateway', r.worker.gatewayUrl],
    ['fleet', `${r.fleet}: ${r.labDir ? `libvirt lab hosts in ${r.labDir}` : 'simulated hosts'}`],
    ['inventory', r.inventoryFile],
    ['worker log', r.worker.logFile],
    ['temporal log', path.join(r.stateDir, 'temporal.log')],
    ['consoles', r.consoleDir],
  ];
  const title = `bootshift dev environment in ${r.stateDir}: ${health.running ? 'running' : 'NOT running'}`;
  return [title, ...rows.map(([k, v]) => `  ${k.padEnd(13)}${v}`)].join('\n');
}
