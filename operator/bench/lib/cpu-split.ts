// Whose CPU: the benchmark's process tree (its planes and the operator under
// test are its descendants) split by program, from /proc. Tells the plane's
// share of a run from the operator's: the plane's programs by name, the
// benchmark itself by its pid, and everything else it started is the operator
// (a shell and what it runs, whichever operator the command starts).
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

const TICKS_PER_SECOND = 100;
/** Programs of the local control plane (hack/controlplane), by executable name. */
export const PLANE_PROGRAMS = ['kube-apiserver', 'etcd', 'kube-controller-manager', 'kube-scheduler', 'kwok'] as const;
const GUARD = 'guard.sh';

/** Program -> CPU seconds (user + system) so far, of the live processes under `root` (the benchmark by default). */
export type CpuByProgram = Record<string, number>;

export async function cpuByProgram(root = process.pid): Promise<CpuByProgram> {
  const out: CpuByProgram = {};
  const pending = [root];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    const [stat, cmdline, children] = await Promise.all([
      readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''),
      readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => ''),
      readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => ''),
    ]);
    // utime and stime follow the parenthesised command name as the 12th and 13th fields;
    // only the process's own (a child is counted as itself, not again in its parent's cutime).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const seconds = (Number(fields[11] || 0) + Number(fields[12] || 0)) / TICKS_PER_SECOND;
    const program = programOf(pid, root, cmdline.split('\0'));
    out[program] = (out[program] ?? 0) + seconds;
    pending.push(...children.split(/\s+/).filter(Boolean).map(Number));
  }
  return out;
}

function programOf(pid: number, root: number, argv: string[]): string {
  if (pid === root) return 'benchmark';
  const exe = basename(argv[0] ?? '');
  if ((PLANE_PROGRAMS as readonly string[]).includes(exe)) return exe;
  if (argv.some((a) => basename(a) === GUARD)) return 'plane guards';
  return 'operator';
}

/** CPU seconds each program spent between two snapshots (programs that exited meanwhile are lost). */
export function cpuSpent(after: CpuByProgram, before: CpuByProgram): CpuByProgram {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, Math.round((v - (before[k] ?? 0)) * 100) / 100]).sort(([, a], [, b]) => (b as number) - (a as number)));
}
