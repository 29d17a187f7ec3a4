// Starting and stopping the node plane leaves the machine as it was: after a
// clean stop, after the plane's process is killed, and after a kill that also
// took its janitor (the next start cleans up). One node plane at a time.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ensureBinaries, startControlPlane, type ControlPlane } from '../../hack/controlplane/controlplane.ts';
import { ensureImage } from '../../hack/images/images.ts';
import { LOCK_FILE } from '../../hack/node/layout.ts';
import { hostSnapshot, probePod, type HostSnapshot } from '../support/node.ts';
import { eventually } from '../support/wait.ts';

const operatorDir = fileURLToPath(new URL('../..', import.meta.url));
const log = process.env.CHATCLI_TEST_VERBOSE ? (l: string) => console.error(l) : undefined;

/** Pods that give the node something to clean: a sandbox, a netns and veth, mounts (token, emptyDir, claim), cgroups. */
function busyPods() {
  return [
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
    probePod('default', 'busy', ['sleep', 'inf'], {
      pod: { securityContext: { runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000 }, volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }, { name: 'scratch', emptyDir: {} }] },
      container: { volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'scratch', mountPath: '/scratch' }] },
    }),
  ];
}

async function runBusyPods(kubectl: (args: string[], input?: string) => Promise<string>): Promise<void> {
  await kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: busyPods() }));
  try {
    await eventually('pod busy Running', async () => (await kubectl(['get', 'pod', 'busy', '-o', 'jsonpath={.status.phase}'])) === 'Running', 90_000);
  } catch (err) {
    // Say why: the pod's and the claim's state and the namespace's Events.
    const look = async (args: string[]) => await kubectl(args).catch((e: unknown) => String(e));
    const state = await look(['get', 'pod/busy', 'pvc/data', '-o', 'jsonpath={range .items[*]}{.kind} {.status}{"\\n"}{end}']);
    const events = await look(['get', 'events', '--sort-by=.lastTimestamp', '-o', 'custom-columns=OBJECT:.involvedObject.name,REASON:.reason,MESSAGE:.message']);
    throw new Error(`${(err as Error).message}\n${state}\n${events}`, { cause: err });
  }
}

/** Planes planeInChild started; a test that failed before its own kill leaves one running. */
const children = new Set<ChildProcess>();

/** Ends such a plane with SIGTERM, so it stops cleanly (SIGKILL after 60 s). */
async function endChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  await exited;
  clearTimeout(timer);
}

/** The machine is back as it was: compared field by field so a failure names what was left. */
/** The machine as it is with no node plane running: refuses to start from one another process runs. */
async function idleHostSnapshot(): Promise<HostSnapshot> {
  assert.ok(!existsSync(LOCK_FILE), `another node plane is running on this machine (${LOCK_FILE}): the snapshot would be of it`);
  return await hostSnapshot();
}

async function assertLeftAsItWas(before: HostSnapshot, timeoutMs = 0): Promise<void> {
  let after = await hostSnapshot();
  if (timeoutMs) {
    await eventually('the machine as before the start', async () => {
      after = await hostSnapshot();
      return JSON.stringify(after) === JSON.stringify(before);
    }, timeoutMs, 500).catch(() => {});
  }
  for (const key of Object.keys(before) as (keyof HostSnapshot)[]) assert.deepEqual(after[key], before[key], `left behind: ${key}`);
}

/** Runs `make cluster-up`'s command in a child process; resolves once the plane is ready. */
async function planeInChild(dir: string): Promise<{ child: ChildProcess; kubectl: (args: string[], input?: string) => Promise<string> }> {
  const kubeconfig = join(dir, 'kubeconfig');
  const ready = join(dir, 'ready');
  const child = spawn(process.execPath, [join(operatorDir, 'hack/controlplane/up.ts'), '--mode', 'node', '--kubeconfig', kubeconfig, '--ready-file', ready, '--image', 'probe'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.add(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  process.once('exit', () => child.kill('SIGKILL'));
  await eventually('the node plane in a child process', () => {
    if (child.exitCode !== null) throw new Error(`up.ts exited with ${child.exitCode}:\n${stderr}`);
    return existsSync(ready);
  }, 300_000, 250);
  const kubectlBin = join(await ensureBinaries(), 'kubectl');
  const kubectl = async (args: string[], input?: string) => await new Promise<string>((resolve, reject) => {
    const c = execFile(kubectlBin, [`--kubeconfig=${kubeconfig}`, ...args], (err, out, errOut) => (err ? reject(new Error(errOut || err.message)) : resolve(out)));
    if (input !== undefined) c.stdin?.end(input);
  });
  return { child, kubectl };
}

/** Whether a process runs: it exists and is no zombie (one not ours stays a zombie until its parent reaps it). */
async function running(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== '' && state !== 'Z' && state !== 'X';
}

async function janitorOf(pid: number): Promise<number | undefined> {
  for (const p of (await readdir('/proc')).filter((d) => /^\d+$/.test(d))) {
    const cmd = (await readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (cmd.some((a) => a.endsWith('hack/node/janitor.sh')) && cmd.includes(String(pid))) return Number(p);
  }
  return undefined;
}

describe('node plane lifecycle', () => {
  afterEach(async () => {
    for (const child of children) await endChild(child);
    children.clear();
  });

  it('a stop leaves nothing behind (processes, mounts, links, rules, cgroups, sysctls), and a second start works', { timeout: 600_000 }, async () => {
    const before = await idleHostSnapshot();
    const probe = await ensureImage('probe');
    for (const round of [1, 2]) {
      let plane: ControlPlane | undefined;
      try {
        plane = await startControlPlane({ mode: 'node', images: [probe.archive], log });
        await runBusyPods(plane.kubectl);
        const during = await hostSnapshot();
        assert.ok(during.mounts.length > 0 && during.processes.length > 0 && during.cgroups.length > 0, 'the node made mounts, processes and cgroups');
        if (round === 1) {
          const second = startControlPlane({ mode: 'node' }).then(async (p) => await p.stop());
          await assert.rejects(second, new RegExp(`a node plane is already running on this machine \\(pid ${process.pid}`));
        }
      } finally {
        await plane?.stop();
      }
      await assertLeftAsItWas(before);
    }
  });

  it('a killed plane process leaves nothing behind: its janitor cleans up', { timeout: 600_000 }, async () => {
    const before = await idleHostSnapshot();
    const dir = await mkdtemp(join(tmpdir(), 'chatcli-node-kill-'));
    try {
      const { child, kubectl } = await planeInChild(dir);
      await runBusyPods(kubectl);
      child.kill('SIGKILL');
      await assertLeftAsItWas(before, 60_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('leftovers of a run killed together with its janitor are removed by the next start', { timeout: 600_000 }, async () => {
    const before = await idleHostSnapshot();
    const dir = await mkdtemp(join(tmpdir(), 'chatcli-node-stale-'));
    try {
      const { child, kubectl } = await planeInChild(dir);
      await runBusyPods(kubectl);
      const janitor = await janitorOf(child.pid ?? 0);
      assert.ok(janitor, 'the plane runs a janitor');
      const childExited = child.exitCode === null && child.signalCode === null ? new Promise((r) => child.once('exit', r)) : Promise.resolve();
      process.kill(janitor, 'SIGKILL');
      child.kill('SIGKILL');
      // Both dead, the plane reaped (the next start takes a lock whose owner is gone), not a guessed 2 s later.
      await childExited;
      await eventually('the janitor dead', async () => !(await running(janitor)), 10_000);
      // Containers outlive the plane (their shims are not its children): the leftovers to clean.
      const stale = await hostSnapshot();
      assert.ok(stale.paths['/sys/class/net/chatcli0'] && stale.mounts.length > 0, 'a killed run left its bridge and mounts');

      const plane = await startControlPlane({ mode: 'node', log });
      try {
        assert.equal((await plane.kubectl(['get', 'pods', '--all-namespaces', '-o', 'name'])).trim(), '');
      } finally {
        await plane.stop();
      }
      await assertLeftAsItWas(before);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
