// Running the real operator process against a plane, as its own ServiceAccount
// with nothing but config/rbac/role.yaml, the way a cluster would run it.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, type ControlPlane } from '../../hack/controlplane/controlplane.ts';
import { waitForCrd } from '../../hack/controlplane/wait.ts';
import type { EventRecorder } from '../../src/runtime/events.ts';
import { eventually } from './wait.ts';

export { eventually };

const operatorDir = fileURLToPath(new URL('../..', import.meta.url));
export const CRD_FILE = join(operatorDir, 'config/crd/bases/chatcli.diillson.com_chatcliinstances.yaml');
export const ROLE_FILE = join(operatorDir, 'config/rbac/role.yaml');
export const SAMPLES_DIR = join(operatorDir, 'config/samples');

/** Installs the CRD and the operator's RBAC; returns a kubeconfig file of its ServiceAccount. */
export async function installOperator(plane: ControlPlane): Promise<string> {
  await plane.kubectl(['apply', '--server-side', '-f', CRD_FILE]);
  await waitForCrd(plane.kubectl, 'chatcliinstances.chatcli.diillson.com');
  await plane.kubectl(['apply', '--server-side', '-f', ROLE_FILE]);
  const kc = await plane.serviceAccountKubeConfig('chatcli-system', 'chatcli-operator');
  const path = join(plane.dir, 'operator.kubeconfig');
  await writeFile(path, kc.exportConfig(), { mode: 0o600 });
  return path;
}

export interface RunningOperator {
  child: ChildProcess;
  metricsPort: number;
  healthPort: number;
  /** Everything it logged so far (JSON lines). */
  logs(): string;
  metrics(): Promise<string>;
  /** Sends the signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

/** `main`: another operator's entry point (an earlier release's, test/support/previous-release.ts). */
export async function startOperator(kubeconfig: string, args: string[] = [], { main = join(operatorDir, 'src/main.ts') }: { main?: string } = {}): Promise<RunningOperator> {
  const [metricsPort, healthPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [
    main, 'run',
    `--kubeconfig=${kubeconfig}`,
    `--metrics-bind-address=127.0.0.1:${metricsPort}`,
    `--health-probe-bind-address=127.0.0.1:${healthPort}`,
    '--log-level=debug',
    ...args,
  ], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG: '' } });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.removeListener('exit', killOnExit));
  const op: RunningOperator = {
    child,
    metricsPort,
    healthPort,
    logs: () => out,
    metrics: async () => await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return await exited;
    },
    exited,
  };
  try {
    await eventually('operator /readyz', async () => {
      if (child.exitCode !== null) throw new Error(`operator exited with ${child.exitCode}:\n${out}`);
      const res = await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined);
      return res?.status === 200;
    }, 30_000);
  } catch (err) {
    await op.stop('SIGKILL'); // nobody else holds it: it must not outlive the failed start
    throw new Error(`${(err as Error).message}\n${out.split('\n').slice(-20).join('\n')}`, { cause: err });
  }
  return op;
}

/**
 * The results ("success", "error", "requeue") of the operator's reconciles of one
 * instance ("namespace/name") so far, in order, from its debug log: the
 * controller logs one "reconciled" line at the end of each reconcile. A line
 * read here was written after every line of an earlier reconcile of that key.
 */
export function reconcileResults(op: RunningOperator, key: string): string[] {
  const results: string[] = [];
  for (const line of op.logs().split('\n')) {
    if (!line.includes('"reconciled"') || !line.includes(JSON.stringify(key))) continue;
    try {
      const entry = JSON.parse(line) as { msg?: string; key?: string; result?: string };
      if (entry.msg === 'reconciled' && entry.key === key && entry.result) results.push(entry.result);
    } catch {
      // a line cut by the pipe: the rest comes with the next chunk
    }
  }
  return results;
}

/**
 * Makes the operator reconcile the instance `times` more times (an annotation
 * changes, the spec does not), each time waiting until one more reconcile of it
 * has ended (its log line), however long that takes: no sleep to guess it.
 */
export async function nudgeInstance(plane: ControlPlane, op: RunningOperator, namespace: string, name: string, times: number): Promise<void> {
  const key = `${namespace}/${name}`;
  for (let i = 0; i < times; i++) {
    const before = reconcileResults(op, key).length;
    await plane.kubectl(['annotate', 'chatcliinstance', name, '-n', namespace, `test.example.com/nudge=${Date.now()}-${i}`, '--overwrite']);
    await eventually(`a reconcile of ${key} after nudge ${i + 1}`, () => reconcileResults(op, key).length > before, 60_000, 100);
  }
}

/**
 * An EventRecorder for an in-process reconciler that keeps the promise of every
 * Event it is asked for: the reconciler records them without waiting
 * (`void events.record(...)`), so a test awaits `written()` before it reads the
 * Events (record never rejects), and knows then that none is still on its way.
 */
export function awaitableEvents(recorder: EventRecorder): EventRecorder & { written(): Promise<void> } {
  const pending: Promise<void>[] = [];
  return {
    record: (regarding, event) => {
      const p = recorder.record(regarding, event);
      pending.push(p);
      return p;
    },
    flush: () => recorder.flush(),
    written: async () => {
      while (pending.length > 0) await Promise.all(pending.splice(0));
      await recorder.flush();
    },
  };
}

/** `kubectl get -o json`, parsed; undefined when not found. */
export async function getJson<T = Record<string, unknown>>(plane: ControlPlane, args: string[]): Promise<T | undefined> {
  const out = await plane.kubectl(['get', ...args, '--ignore-not-found', '-o', 'json']);
  return out.trim() === '' ? undefined : (JSON.parse(out) as T);
}

/** What a Deployment controller and kubelets would write when every replica is up: api mode has neither. */
export async function markDeploymentReady(plane: ControlPlane, namespace: string, name: string): Promise<void> {
  const d = await getJson<{ metadata: { generation: number }; spec: { replicas: number } }>(plane, ['deployment', name, '-n', namespace]);
  if (!d) throw new Error(`deployment ${namespace}/${name} not found`);
  const n = d.spec.replicas;
  const status = { observedGeneration: d.metadata.generation, replicas: n, readyReplicas: n, updatedReplicas: n, availableReplicas: n };
  await plane.kubectl(['patch', 'deployment', name, '-n', namespace, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
}

/** Sum of the API server's write requests (POST, PUT, PATCH, DELETE) from its own /metrics, by resource. */
export async function apiServerWrites(plane: ControlPlane): Promise<Map<string, number>> {
  const text = await plane.kubectl(['get', '--raw=/metrics']);
  const writes = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const verb = /verb="([A-Z]+)"/.exec(line)?.[1];
    if (!verb || !['POST', 'PUT', 'PATCH', 'DELETE', 'APPLY', 'CREATE', 'UPDATE'].includes(verb)) continue;
    const resource = /resource="([^"]*)"/.exec(line)?.[1] ?? '';
    const sub = /subresource="([^"]*)"/.exec(line)?.[1] ?? '';
    const key = sub ? `${resource}/${sub}` : resource;
    writes.set(key, (writes.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return writes;
}

/**
 * The Events of one namespace, name to resourceVersion: each Event write there
 * adds a name or moves a version. The API server's write counts cannot tell
 * namespaces apart, and an earlier test's Event series may be written up to 30 s
 * after its last repeat (events.ts), so tests that count writes count Events here.
 */
export async function namespaceEvents(plane: ControlPlane, namespace: string): Promise<Map<string, string>> {
  const list = JSON.parse(await plane.kubectl(['get', 'events.events.k8s.io', '-n', namespace, '-o', 'json'])) as { items: { metadata: { name: string; resourceVersion: string } }[] };
  return new Map(list.items.map((e) => [e.metadata.name, e.metadata.resourceVersion]));
}

/** How many Event writes `after` shows since `before` (namespaceEvents). */
export function eventWrites(before: Map<string, string>, after: Map<string, string>): number {
  return [...after].filter(([name, version]) => before.get(name) !== version).length;
}

/**
 * Runs the operator (installed with installOperator) for the enclosing suite:
 * started before its tests, stopped after them with SIGTERM, which must end it
 * with exit code 0. `started` receives the running operator.
 */
export function useOperator(plane: () => ControlPlane, started: (op: RunningOperator) => void = () => {}): void {
  let op: RunningOperator | undefined;
  before(async () => {
    op = await startOperator(await installOperator(plane()));
    started(op);
  }, { timeout: 120_000 });
  after(async () => {
    if (!op) return;
    const code = await op.stop('SIGTERM');
    assert.equal(code, 0, `the operator exits 0 on SIGTERM\n${op.logs().slice(-3000)}`);
  });
}
