// Bad stored data (issue 10, item 4): what the operator meets in a cluster that
// has lived, run against the leader-elected replicas once the chaos is over.
// - instances stored before a validation rule existed: created while the CRD
//   validates nothing in the spec, then the real CRD is put back;
// - an instance whose watcher names a namespace that is deleted mid-run;
// - an instance whose Deployment is replaced by a foreign one of the same name
//   (our labels on it, no owner reference: labels prove nothing).
// For each: a condition and an Event name it, no replica crashes, the foreign
// object is neither deleted nor changed, and the key is not reconciled faster
// than its retry backoff allows.
import type { KubeConfig } from '@kubernetes/client-node';
import type { ControlPlane } from '../../hack/controlplane/controlplane.ts';
import { storeUnchecked } from '../../test/support/stored-unchecked.ts';
import { INSTANCES } from '../../src/reconciler/types.ts';
import { deleteObject, getObject } from '../../src/runtime/apply.ts';
import { isAlreadyExists, request, resourcePath, type KubeObject } from '../../src/runtime/kube.ts';
import { Deployments, Events, Namespaces } from '../../src/runtime/resources.ts';
import { watcherRoleName } from '../../src/desired/names.ts';
import { DEFAULT_BASE_DELAY_MS } from '../../src/runtime/workqueue.ts';
import { create } from '../lib/workload.ts';
import type { Replicas } from './replicas.ts';

export interface BadDataCase {
  name: string;
  instance: string;
  /** What the instance's ReconcileSucceeded condition and Events said. */
  reported: string;
  /** Reconciles of its key in the observation window, and what the backoff allows there. */
  reconciles: number;
  allowedByBackoff: number;
  met: boolean;
  detail: string;
}

export interface BadDataResult {
  observedSeconds: number;
  cases: BadDataCase[];
  crashes: string[];
}

const NS = 'bad-data';
const DOOMED = 'doomed-target';
const API_VERSION = 'chatcli.diillson.com/v1alpha1';
const instance = (name: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: API_VERSION, kind: 'ChatCLIInstance', metadata: { name, namespace: NS }, spec });

/** Stored while the CRD checked nothing in the spec; each breaks a rule of the real schema. */
const INVALID = [
  { name: 'no-targets', rule: 'an enabled watcher needs targets', spec: { provider: 'OPENAI', watcher: { enabled: true } } },
  { name: 'metrics-port', rule: 'the server port may not be the metrics port', spec: { provider: 'OPENAI', server: { port: 9090 } } },
  { name: 'rwo-replicas', rule: 'more replicas need a ReadWriteMany claim', spec: { provider: 'OPENAI', replicas: 2, persistence: { enabled: true } } },
];

/**
 * Reconciles of a failing key in `ms`: the retries its backoff (5 ms doubling)
 * allows, the first run, and one every 10 s for changes of what it watches (a
 * foreign Deployment rolling out, say), which queue it at once, as in client-go.
 */
export function backoffAllows(ms: number, baseMs = DEFAULT_BASE_DELAY_MS): number {
  return Math.floor(Math.log2(ms / baseMs + 1)) + 1 + Math.floor(ms / 10_000);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`bad data: timed out waiting for ${what}`);
    await sleep(500);
  }
}

export async function runBadData(opts: { plane: ControlPlane; admin: KubeConfig; replicas: Replicas; observeMs: number; log: (line: string) => void }): Promise<BadDataResult> {
  const { plane, admin, log } = opts;
  await create(admin, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  await create(admin, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: DOOMED, labels: { 'chatcli.diillson.com/watchable': 'true' } } });

  // 1. Stored before the rules: the spec unchecked for a moment, then the real CRD again.
  log('bad data: storing instances under a CRD that checks nothing in the spec');
  await storeUnchecked(plane, INVALID.map((bad) => instance(bad.name, bad.spec)));

  // 2. A watcher target whose namespace goes away once its grant exists.
  await create(admin, instance('doomed-watch', { provider: 'OPENAI', watcher: { enabled: true, targets: [{ deployment: 'app', namespace: DOOMED }] } }));
  await until(`the watcher Role in ${DOOMED}`, async () => (await getObject(admin, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', plural: 'roles', namespaced: true }, { namespace: DOOMED, name: watcherRoleName({ namespace: NS, name: 'doomed-watch' }, DOOMED) })) !== undefined);
  log(`bad data: deleting namespace ${DOOMED}, which doomed-watch's watcher names`);
  await deleteObject(admin, Namespaces, { name: DOOMED });

  // 3. The Deployment replaced by a foreign one of the same name, carrying our labels.
  await create(admin, instance('replaced', { provider: 'OPENAI' }));
  await until('replaced\'s Deployment', async () => (await getObject(admin, Deployments, { namespace: NS, name: 'replaced' })) !== undefined);
  log('bad data: replacing the Deployment of "replaced" with a foreign one');
  const ours = (await getObject(admin, Deployments, { namespace: NS, name: 'replaced' }))!;
  const foreign = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'replaced', namespace: NS, labels: ours.metadata?.labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'foreign' } },
      template: { metadata: { labels: { app: 'foreign' } }, spec: { containers: [{ name: 'foreign', image: 'registry.example/foreign:1' }] } },
    },
  };
  let foreignUid = '';
  await until('the foreign Deployment in place', async () => {
    await deleteObject(admin, Deployments, { namespace: NS, name: 'replaced' }, { propagationPolicy: 'Background' });
    try {
      foreignUid = (await create(admin, foreign as KubeObject)).metadata?.uid ?? '';
      return true;
    } catch (err) {
      if (isAlreadyExists(err)) return false; // the operator was faster: again
      throw err;
    }
  });

  // Observe.
  opts.replicas.poll();
  const from = Date.now();
  const exitedBefore = new Set(opts.replicas.all.filter((r) => r.exitedAt !== undefined).map((r) => r.name));
  log(`bad data: observing for ${opts.observeMs / 1000} s`);
  await sleep(opts.observeMs);
  opts.replicas.poll();
  const to = Date.now();
  const allowed = backoffAllows(to - from);
  const reconcilesOf = (name: string) => opts.replicas.reconciles.filter((l) => l.key === `${NS}/${name}` && l.at >= from && l.at <= to).length;

  const events = (await request<{ items: { reason?: string; note?: string; regarding?: { name?: string } }[] }>(admin, { method: 'GET', path: resourcePath(Events, { namespace: NS }) })).items;
  const reportOf = async (name: string): Promise<{ reason?: string; message?: string; events: string[] }> => {
    const live = await getObject(admin, INSTANCES, { namespace: NS, name });
    const cond = ((live?.status as { conditions?: { type: string; status: string; reason: string; message: string }[] } | undefined)?.conditions ?? [])
      .find((c) => c.type === 'ReconcileSucceeded');
    const evs = [...new Set(events.filter((e) => e.regarding?.name === name).map((e) => e.reason ?? ''))];
    return { reason: cond?.status === 'False' ? cond.reason : undefined, message: cond?.message, events: evs };
  };

  const cases: BadDataCase[] = [];
  const judgeCase = async (name: string, label: string, expected: string[], extra: () => Promise<string | undefined> = async () => undefined) => {
    const r = await reportOf(name);
    const n = reconcilesOf(name);
    const problem = await extra();
    const reported = `${r.reason ?? 'no failing condition'} / Events: ${r.events.join(', ') || 'none'}`;
    const met = r.reason !== undefined && expected.includes(r.reason) && r.events.includes(r.reason) && n <= allowed && !problem;
    cases.push({ name: label, instance: `${NS}/${name}`, reported, reconciles: n, allowedByBackoff: allowed, met, detail: [problem, r.message?.slice(0, 200)].filter(Boolean).join('; ') });
  };
  for (const bad of INVALID) await judgeCase(bad.name, `stored before the rule: ${bad.rule}`, ['ReconcileFailed']);
  await judgeCase('doomed-watch', 'watcher target namespace deleted', ['TargetNotPermitted']);
  await judgeCase('replaced', 'Deployment replaced by a foreign one', ['Conflict'], async () => {
    const now = await getObject(admin, Deployments, { namespace: NS, name: 'replaced' });
    if (!now) return 'the foreign Deployment was deleted';
    if (now.metadata?.uid !== foreignUid) return 'the foreign Deployment was replaced';
    const managers = ((now.metadata?.managedFields ?? []) as { manager?: string }[]).map((m) => m.manager ?? '');
    if (managers.some((m) => m.startsWith('chatcli-operator'))) return `the operator wrote to the foreign Deployment (managers ${managers.join(', ')})`;
    return undefined;
  });
  const crashes = opts.replicas.all
    .filter((r) => r.exitedAt !== undefined && !exitedBefore.has(r.name) && r.killedAt === undefined && !r.lostLease)
    .map((r) => `${r.name} exited with ${r.exitCode}`);
  return { observedSeconds: Math.round((to - from) / 1000), cases, crashes };
}
