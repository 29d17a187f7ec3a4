// The operator as a Deployment of 2 replicas would run it: two real processes
// with --leader-elect, each replaced shortly after it dies (killed by the chaos,
// or exiting on a lost Lease), as the kubelet restarts a container. Their logs
// (JSON lines at debug) are read as they come: who leads since when, and every
// reconcile (key, result, time) from the controller's "reconciled" line.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startOperator, type RunningOperator } from '../../test/support/operator.ts';

export interface ReconcileLine {
  replica: string;
  key: string;
  result: string;
  /** Wall-clock ms (the log's time). */
  at: number;
}

export interface Replica {
  name: string;
  op: RunningOperator;
  startedAt: number;
  /** When it logged "started leading" (wall-clock ms). */
  leadingSince?: number;
  /** When it logged that it stopped leading (lost or released). */
  stoppedLeadingAt?: number;
  /** It logged a lost Lease. */
  lostLease?: boolean;
  killedAt?: number;
  exitedAt?: number;
  exitCode?: number | null;
  /** Lines that are not JSON (a stack trace of a crash, say). */
  otherOutput: string[];
}

export interface Replicas {
  /** Every replica ever started, in order. */
  readonly all: Replica[];
  readonly reconciles: ReconcileLine[];
  /** The replica leading now: alive, and it said so. */
  leader(): Replica | undefined;
  /** SIGKILLs that replica; returns the moment it was killed. */
  kill(replica: Replica): Promise<number>;
  /** Reads whatever the replicas logged since the last call. */
  poll(): void;
  /** SIGTERM to the living ones; no replacement any more. Writes every replica's log to `logDir`. */
  stop(logDir?: string): Promise<void>;
}

export interface ReplicasOptions {
  kubeconfig: string;
  count: number;
  args: string[];
  /** How long a dead replica stays dead before its replacement starts (the kubelet's restart). */
  restartDelayMs: number;
  log: (line: string) => void;
}

export async function startReplicas(opts: ReplicasOptions): Promise<Replicas> {
  const all: Replica[] = [];
  const reconciles: ReconcileLine[] = [];
  const offsets = new Map<Replica, number>();
  let stopping = false;

  const readLines = (r: Replica): void => {
    const text = r.op.logs();
    const from = offsets.get(r) ?? 0;
    const end = text.lastIndexOf('\n') + 1;
    if (end <= from) return;
    offsets.set(r, end);
    for (const line of text.slice(from, end).split('\n')) {
      if (!line) continue;
      let entry: { msg?: string; time?: string; key?: string; result?: string };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        r.otherOutput.push(line);
        continue;
      }
      const at = entry.time ? Date.parse(entry.time) : Date.now();
      if (entry.msg === 'reconciled' && entry.key) reconciles.push({ replica: r.name, key: entry.key, result: entry.result ?? '', at });
      else if (entry.msg === 'started leading') r.leadingSince = at;
      else if (entry.msg === 'stopped leading') r.stoppedLeadingAt ??= at;
      else if (entry.msg?.startsWith('leadership lost')) {
        r.lostLease = true;
        r.stoppedLeadingAt ??= at;
      }
    }
  };

  const start = async (): Promise<void> => {
    const name = `operator-${all.length + 1}`;
    const op = await startOperator(opts.kubeconfig, opts.args);
    const replica: Replica = { name, op, startedAt: Date.now(), otherOutput: [] };
    all.push(replica);
    opts.log(`${name} started (pid ${op.child.pid})`);
    void op.exited.then(async (code) => {
      replica.exitedAt = Date.now();
      replica.exitCode = code;
      readLines(replica);
      if (stopping) return;
      const why = replica.killedAt ? 'killed' : replica.lostLease ? 'exited on a lost Lease' : `exited with ${code} (a crash)`;
      opts.log(`${name} ${why}; a replacement starts in ${opts.restartDelayMs} ms`);
      await new Promise((r) => setTimeout(r, opts.restartDelayMs));
      if (!stopping) await startWithRetry();
    });
  };
  const startWithRetry = async (): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await start();
      } catch (err) {
        if (stopping || attempt >= 5) {
          opts.log(`a replica failed to start: ${String(err).split('\n')[0]}`);
          return;
        }
      }
    }
  };

  for (let i = 0; i < opts.count; i++) await start();

  const alive = (r: Replica) => r.exitedAt === undefined && r.killedAt === undefined;
  return {
    all,
    reconciles,
    leader: () => {
      for (const r of all) readLines(r);
      return all.find((r) => alive(r) && r.leadingSince !== undefined && r.stoppedLeadingAt === undefined);
    },
    kill: async (r) => {
      const at = Date.now();
      r.killedAt = at;
      await r.op.stop('SIGKILL');
      return at;
    },
    poll: () => all.forEach(readLines),
    stop: async (logDir) => {
      stopping = true;
      await Promise.all(all.filter((r) => r.exitedAt === undefined).map((r) => r.op.stop('SIGTERM')));
      for (const r of all) readLines(r);
      if (logDir) for (const r of all) await writeFile(join(logDir, `${r.name}.log`), r.op.logs());
    },
  };
}
