// How busy the machine was: the benchmark shares 2 cores with other work, and
// a number means little without the load it was taken under.
import { cpus, loadavg } from 'node:os';

export interface MachineNote {
  cpus: number;
  cpuModel: string;
  node: string;
  /** 1-minute load average. */
  load1: number;
}

export function machineNote(): MachineNote {
  return { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', node: process.version, load1: round(loadavg()[0] ?? 0) };
}

/** Runs fn and notes the 1-minute load average before and after. */
export async function underLoad<T>(fn: () => Promise<T>): Promise<T & { load: { before: number; after: number } }> {
  const before = round(loadavg()[0] ?? 0);
  const result = await fn();
  return { ...result, load: { before, after: round(loadavg()[0] ?? 0) } };
}

export const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** Nearest-rank percentile of an unsorted list. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}
