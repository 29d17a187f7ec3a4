// How busy the machine was: the benchmark shares 2 cores with other work, and
// a number means little without the load it was taken under. Besides the load
// average (which counts the benchmark's own plane and operator too), a phase
// notes how many cores everything outside the benchmark's process tree used.
import { readFile } from 'node:fs/promises';
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

export interface Load {
  /** 1-minute load average at the start and end of the phase. */
  before: number;
  after: number;
  /** Cores busy on average during the phase outside the benchmark (its planes and operator included in "the benchmark"). */
  othersCores: number;
}

/** Runs fn and notes how loaded the machine was meanwhile. */
export async function underLoad<T>(fn: () => Promise<T>): Promise<T & { load: Load }> {
  const before = round(loadavg()[0] ?? 0);
  const [machine0, ours0, t0] = [await machineBusySeconds(), (await treeUsage(process.pid)).cpuSeconds, performance.now()];
  const result = await fn();
  const [machine1, ours1, t1] = [await machineBusySeconds(), (await treeUsage(process.pid)).cpuSeconds, performance.now()];
  const othersCores = Math.max(0, (machine1 - machine0 - (ours1 - ours0)) / ((t1 - t0) / 1000));
  return { ...result, load: { before, after: round(loadavg()[0] ?? 0), othersCores: round(othersCores) } };
}

export const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** Nearest-rank percentile of an unsorted list. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

// Linux reports CPU time in clock ticks of 1/100 s (USER_HZ) on every common architecture.
const TICKS_PER_SECOND = 100;

/** VmRSS and CPU time (user + system, its own and its exited children's) summed over a process and all its descendants. */
export async function treeUsage(pid: number): Promise<{ rssBytes: number; cpuSeconds: number }> {
  const usage = { rssBytes: 0, cpuSeconds: 0 };
  const pending = [pid];
  while (pending.length > 0) {
    const p = pending.pop()!;
    const status = await readFile(`/proc/${p}/status`, 'utf8').catch(() => '');
    usage.rssBytes += Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    // Fields after the parenthesised command name: utime, stime, cutime, cstime are the 12th to 15th.
    // cutime/cstime hold children that exited and were waited for, so time is not lost when a process ends.
    const stat = await readFile(`/proc/${p}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    usage.cpuSeconds += fields.slice(11, 15).reduce((sum, f) => sum + Number(f || 0), 0) / TICKS_PER_SECOND;
    const children = await readFile(`/proc/${p}/task/${p}/children`, 'utf8').catch(() => '');
    pending.push(...children.split(/\s+/).filter(Boolean).map(Number));
  }
  return usage;
}

/** CPU time the whole machine spent busy (not idle, not waiting for I/O) since boot. */
async function machineBusySeconds(): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const [, ...ticks] = line.trim().split(/\s+/).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks;
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
}
