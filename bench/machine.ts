// What the machine was like while a figure was taken. These machines are shared and noisy, so every result carries
// the load average from before and after it, next to the cores and kernel it ran on.
import os from 'node:os';

export interface MachineNote {
  cores: number;
  cpuModel: string;
  kernel: string;
  memoryGiB: number;
  node: string;
}

export type LoadAverage = [number, number, number];

export function machineNote(): MachineNote {
  return {
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    kernel: `${os.type()} ${os.release()}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
}

export function loadAverage(): LoadAverage {
  const [one, five, fifteen] = os.loadavg().map((n) => Number(n.toFixed(2)));
  return [one ?? 0, five ?? 0, fifteen ?? 0];
}
