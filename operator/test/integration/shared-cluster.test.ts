// Teams sharing one cluster, on a real kube-apiserver, with the operator as its
// own ServiceAccount and nothing but config/rbac/role.yaml: same-named instances
// in two namespaces, grants that never outlive consent, a conflict that costs
// only what it touches, a predecessor's grants that never pass to its successor,
// and a kept claim that never blocks persistence. Access is asked of the API
// server itself (SubjectAccessReview, as `kubectl auth can-i` does), never
// inferred from the objects.
import assert from 'node:assert/strict';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { FINALIZER, OWNER_UID_ANNOTATION, instanceLabels } from '../../src/desired/names.ts';
import { WATCHER_RULES } from '../../src/desired/rbac.ts';
import { adminKubeConfig, usePlane } from '../support/cluster.ts';
import { eventually, getJson, installOperator, markDeploymentReady, startOperator, type RunningOperator } from '../support/operator.ts';

const plane = usePlane('api');
let operator: RunningOperator | undefined;
let operatorKubeconfig = '';

interface Condition { type: string; status: string; reason: string; message: string }
interface Instance {
  metadata: { name: string; namespace: string; uid: string; generation?: number; finalizers?: string[] };
  status?: { ready?: boolean; observedGeneration?: number; conditions?: Condition[] };
}
interface Obj { metadata: { name: string; uid: string; annotations?: Record<string, string> }; spec?: Record<string, unknown> }

const k = (args: string[], input?: string) => plane().kubectl(args, input);
const get = <T = Obj>(args: string[]) => getJson<T>(plane(), args);
const exists = async (args: string[]) => (await get(args)) !== undefined;
const instance = (ns: string, name: string) => get<Instance>(['chatcliinstance', name, '-n', ns]);
const condition = async (ns: string, name: string, type: string) => (await instance(ns, name))?.status?.conditions?.find((c) => c.type === type);

async function namespace(name: string, watchable = true): Promise<string> {
  await k(['create', 'namespace', name]);
  if (watchable) await k(['label', 'namespace', name, 'chatcli.diillson.com/watchable=true']);
  return name;
}
async function applyInstance(ns: string, name: string, spec: Record<string, unknown>): Promise<void> {
  await k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'chatcli.diillson.com/v1alpha1', kind: 'ChatCLIInstance', metadata: { name, namespace: ns }, spec }));
}
const watching = (...namespaces: string[]) => ({ enabled: true, targets: namespaces.map((namespace, i) => ({ deployment: `d${i}`, namespace })) });

/** Whether the ServiceAccount may do what the watcher does in `ns` (pods/log: the read that matters most), asked of the API server. */
async function canReadLogs(saNamespace: string, sa: string, ns: string): Promise<boolean> {
  return await subjectAccess(saNamespace, sa, { namespace: ns, verb: 'get', resource: 'pods', subresource: 'log' });
}

let https: RequestOptions & { server: URL } | undefined;
/** POSTs a SubjectAccessReview as the admin, directly (a poller must be faster than a kubectl process). */
async function subjectAccess(saNamespace: string, sa: string, attributes: Record<string, string>): Promise<boolean> {
  if (!https) {
    const kc = adminKubeConfig(plane());
    const opts: RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    https = { ...opts, server: new URL(kc.getCurrentCluster()!.server) };
  }
  const body = JSON.stringify({
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: {
      user: `system:serviceaccount:${saNamespace}:${sa}`,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${saNamespace}`, 'system:authenticated'],
      resourceAttributes: attributes,
    },
  });
  const { server, ...opts } = https;
  return await new Promise<boolean>((resolve, reject) => {
    const req = httpsRequest({ ...opts, host: server.hostname, port: server.port, method: 'POST', path: '/apis/authorization.k8s.io/v1/subjectaccessreviews', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => {
        if (res.statusCode !== 201) return reject(new Error(`SubjectAccessReview: ${res.statusCode} ${text}`));
        resolve((JSON.parse(text) as { status?: { allowed?: boolean } }).status?.allowed === true);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function start(): Promise<void> {
  operatorKubeconfig ||= await installOperator(plane());
  operator = await startOperator(operatorKubeconfig);
}
async function stop(): Promise<void> {
  const code = await operator?.stop('SIGTERM');
  operator = undefined;
  assert.equal(code, 0, 'the operator exits 0 on SIGTERM');
}

describe('shared clusters', () => {
  before(start, { timeout: 120_000 });
  after(async () => {
    if (operator) await stop();
  });

  it('two instances named chatcli in two namespaces both watch production; deleting one leaves the other its access', async () => {
    const [a, b, prod] = [await namespace('team-a'), await namespace('team-b'), await namespace('shared-prod')];
    await applyInstance(a, 'chatcli', { provider: 'CLAUDEAI', watcher: watching(prod) });
    await applyInstance(b, 'chatcli', { provider: 'CLAUDEAI', watcher: watching(prod) });
    for (const ns of [a, b]) {
      await eventually(`${ns}/chatcli may read logs in ${prod}`, () => canReadLogs(ns, 'chatcli', prod));
      await eventually(`${ns}/chatcli has its Deployment`, () => exists(['deployment', 'chatcli', '-n', ns]));
      await eventually(`${ns}/chatcli reconciled without a failure`, async () => (await condition(ns, 'chatcli', 'ReconcileSucceeded'))?.status === 'True');
    }
    assert.ok(await exists(['role', 'team-a.chatcli-watcher', '-n', prod]));
    assert.ok(await exists(['role', 'team-b.chatcli-watcher', '-n', prod]));
    // Every rule of the Role, not only logs.
    for (const rule of WATCHER_RULES) {
      const [resource, subresource] = rule.resources![0]!.split('/');
      const attrs = { namespace: prod, verb: rule.verbs[0]!, group: rule.apiGroups![0]!, resource: resource!, ...(subresource ? { subresource } : {}) };
      assert.ok(await subjectAccess(b, 'chatcli', attrs), `team-b may ${JSON.stringify(attrs)}`);
    }

    await k(['delete', 'chatcliinstance', 'chatcli', '-n', a, '--wait=true', '--timeout=30s']);
    assert.equal(await canReadLogs(a, 'chatcli', prod), false, 'the deleted instance lost its access');
    assert.equal(await canReadLogs(b, 'chatcli', prod), true, 'the other kept its own');
    assert.ok(await exists(['rolebinding', 'team-b.chatcli-watcher', '-n', prod]));
  });

  it('a Role made by hand with the grant\'s name costs only that namespace: the server runs, WatcherReady names it, and clears once it is gone', async () => {
    const [home, taken, fine] = [await namespace('hand-home'), await namespace('hand-taken'), await namespace('hand-fine')];
    await k(['create', 'role', 'hand-home.chat-watcher', '-n', taken, '--verb=get', '--resource=configmaps']);
    await applyInstance(home, 'chat', { provider: 'CLAUDEAI', watcher: watching(taken, fine) });
    await eventually('the Deployment despite the conflict', () => exists(['deployment', 'chat', '-n', home]));
    await eventually('read access in the other namespace', () => canReadLogs(home, 'chat', fine));
    await markDeploymentReady(plane(), home, 'chat');
    await eventually('READY true', async () => (await instance(home, 'chat'))?.status?.ready === true);
    let watcher: Condition | undefined;
    await eventually('WatcherReady=False naming the namespace', async () => (watcher = await condition(home, 'chat', 'WatcherReady'))?.status === 'False');
    assert.equal(watcher?.reason, 'NamespacesNotWatched');
    assert.match(watcher!.message, /namespace "hand-taken": Role hand-taken\/hand-home\.chat-watcher already exists and is not this instance's/);
    assert.doesNotMatch(watcher!.message, /namespace "hand-fine"/);
    assert.equal((await condition(home, 'chat', 'ReconcileSucceeded'))?.reason, 'Conflict');
    assert.equal(await canReadLogs(home, 'chat', taken), false);
    assert.equal(await exists(['rolebinding', 'hand-home.chat-watcher', '-n', taken]), false, 'nothing bound to a Role that is not ours');

    await k(['delete', 'role', 'hand-home.chat-watcher', '-n', taken]);
    await eventually('WatcherReady=True once the Role is gone', async () => (await condition(home, 'chat', 'WatcherReady'))?.status === 'True', 60_000);
    assert.ok(await canReadLogs(home, 'chat', taken));
  });

  it('removing the label, then the target, revokes within seconds while another part of the instance fails', async () => {
    const [home, prod, batch] = [await namespace('rev-home'), await namespace('rev-prod'), await namespace('rev-batch')];
    await applyInstance(home, 'rev', { provider: 'CLAUDEAI', watcher: watching(prod, batch) });
    await eventually('access in both', async () => (await canReadLogs(home, 'rev', prod)) && (await canReadLogs(home, 'rev', batch)));
    // A claim of the name persistence needs, made by hand: a Conflict from now on.
    await k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'rev-sessions', namespace: home }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }));
    await k(['patch', 'chatcliinstance', 'rev', '-n', home, '--type=merge', '-p', JSON.stringify({ spec: { persistence: { enabled: true } } })]);
    await eventually('the Conflict', async () => (await condition(home, 'rev', 'ReconcileSucceeded'))?.reason === 'Conflict');

    await k(['label', 'namespace', prod, 'chatcli.diillson.com/watchable-']);
    const unlabelled = performance.now();
    await eventually('no access in the unlabelled namespace', async () => !(await canReadLogs(home, 'rev', prod)), 10_000, 100);
    const took = performance.now() - unlabelled;
    assert.equal(await exists(['role', 'rev-home.rev-watcher', '-n', prod]), false);
    assert.ok(await canReadLogs(home, 'rev', batch), 'the namespace still consenting keeps its grant');
    assert.ok(took < 10_000, `revoked in ${Math.round(took)} ms`);

    await k(['patch', 'chatcliinstance', 'rev', '-n', home, '--type=merge', '-p', JSON.stringify({ spec: { watcher: watching(prod) } })]);
    await eventually('no access once the target is removed', async () => !(await canReadLogs(home, 'rev', batch)), 10_000, 100);
    assert.equal((await condition(home, 'rev', 'ReconcileSucceeded'))?.reason, 'Conflict', 'the claim still conflicts');
  });

  it('an upgrade from the <name>-watcher grants keeps access at every moment, then removes them', async () => {
    const [home, prod] = [await namespace('up-home'), await namespace('up-prod')];
    await stop();
    try {
      await applyInstance(home, 'chat', { provider: 'CLAUDEAI', watcher: watching(prod) });
      const inst = (await instance(home, 'chat'))!;
      // What the operator before this change made: the same grant under <name>-watcher.
      const meta = { name: 'chat-watcher', namespace: prod, labels: instanceLabels({ namespace: home, name: 'chat' }), annotations: { [OWNER_UID_ANNOTATION]: inst.metadata.uid } };
      await k(['apply', '--server-side', '--field-manager=chatcli-operator', '-f', '-'], JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta, rules: WATCHER_RULES },
          { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'chat-watcher' }, subjects: [{ kind: 'ServiceAccount', name: 'chat', namespace: home }] },
        ],
      }));
      await k(['patch', 'chatcliinstance', 'chat', '-n', home, '--type=merge', '-p', JSON.stringify({ metadata: { finalizers: [FINALIZER] } })]);
      assert.ok(await canReadLogs(home, 'chat', prod), 'the old grant gives access');
    } finally {
      await start();
    }
    // Poll as fast as the API server answers until the hand-over is done.
    let samples = 0;
    let gaps = 0;
    const deadline = performance.now() + 30_000;
    for (;;) {
      if (!(await canReadLogs(home, 'chat', prod))) gaps++;
      samples++;
      const done = !(await exists(['role', 'chat-watcher', '-n', prod])) && !(await exists(['rolebinding', 'chat-watcher', '-n', prod]));
      if (done || performance.now() > deadline) break;
    }
    assert.ok(!(await exists(['role', 'chat-watcher', '-n', prod])), 'the old grant is removed');
    assert.ok(await exists(['rolebinding', 'up-home.chat-watcher', '-n', prod]), 'the new one is there');
    assert.equal(gaps, 0, `no access lost in ${samples} samples`);
    assert.ok(await canReadLogs(home, 'chat', prod));
  });

  it('a re-created instance gets no grant of its predecessor: removed as a leftover, with the watcher off or on', async () => {
    const [home, prod] = [await namespace('left-home'), await namespace('left-prod')];
    await applyInstance(home, 'left', { provider: 'CLAUDEAI', watcher: watching(prod) });
    await eventually('the first instance reads prod', () => canReadLogs(home, 'left', prod));
    const first = (await instance(home, 'left'))!.metadata.uid;
    await stop();
    try {
      // The README's escape hatch, with the operator down: delete, remove the finalizer by hand.
      await k(['delete', 'chatcliinstance', 'left', '-n', home, '--wait=false']);
      await k(['patch', 'chatcliinstance', 'left', '-n', home, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
      await eventually('the first instance gone', async () => !(await exists(['chatcliinstance', 'left', '-n', home])));
      await applyInstance(home, 'left', { provider: 'CLAUDEAI', watcher: { enabled: false } });
      assert.ok(await canReadLogs(home, 'left', prod), 'the predecessor\'s grant is still there before the operator runs');
    } finally {
      await start();
    }
    await eventually('the predecessor\'s grant removed', async () => !(await canReadLogs(home, 'left', prod)));
    assert.equal(await exists(['role', 'left-home.left-watcher', '-n', prod]), false);
    await eventually('ReconcileSucceeded', async () => (await condition(home, 'left', 'ReconcileSucceeded'))?.status === 'True');
    const second = (await instance(home, 'left'))!.metadata.uid;
    assert.notEqual(first, second);

    // The same with the watcher on: the predecessor's grant is no Conflict, it is replaced.
    await stop();
    try {
      const meta = { name: 'left-home.left-watcher', namespace: prod, labels: instanceLabels({ namespace: home, name: 'left' }), annotations: { [OWNER_UID_ANNOTATION]: first } };
      await k(['apply', '--server-side', '--field-manager=chatcli-operator', '-f', '-'], JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta, rules: WATCHER_RULES }));
      await applyInstance(home, 'left', { provider: 'CLAUDEAI', watcher: watching(prod) });
    } finally {
      await start();
    }
    await eventually('the successor reads prod through its own grant', async () =>
      (await get<Obj>(['role', 'left-home.left-watcher', '-n', prod]))?.metadata.annotations?.[OWNER_UID_ANNOTATION] === second && (await canReadLogs(home, 'left', prod)));
    await eventually('no Conflict', async () => (await condition(home, 'left', 'ReconcileSucceeded'))?.status === 'True');
  });

  it('a kept claim never blocks persistence: on at 2Gi, off, on at the default size ends with the claim kept and mounted', async () => {
    const home = await namespace('claim-home', false);
    await applyInstance(home, 'chat', { provider: 'CLAUDEAI', persistence: { enabled: true, size: '2Gi' } });
    await eventually('the claim', () => exists(['pvc', 'chat-sessions', '-n', home]));
    await applyInstance(home, 'chat', { provider: 'CLAUDEAI', persistence: { enabled: false } });
    await eventually('the Deployment without the claim', async () => !JSON.stringify((await get(['deployment', 'chat', '-n', home]))?.spec).includes('chat-sessions'));
    assert.ok(await exists(['pvc', 'chat-sessions', '-n', home]), 'the claim is kept');
    await applyInstance(home, 'chat', { provider: 'CLAUDEAI', persistence: { enabled: true } });
    await eventually('the Deployment mounts the kept claim', async () => JSON.stringify((await get(['deployment', 'chat', '-n', home]))?.spec).includes('"claimName":"chat-sessions"'));
    const inst = await instance(home, 'chat');
    await eventually('reconciled for this generation', async () => {
      const now = await instance(home, 'chat');
      return now?.status?.observedGeneration === now?.metadata.generation && (await condition(home, 'chat', 'ReconcileSucceeded'))?.status === 'True';
    });
    assert.ok(inst);
    const claim = await get<{ spec: { resources: { requests: { storage: string } } } }>(['pvc', 'chat-sessions', '-n', home]);
    assert.equal(claim?.spec.resources.requests.storage, '2Gi', 'never shrunk');
    await eventually('a Normal Event says so', async () =>
      (await k(['get', 'events', '-n', home, '--field-selector=reason=ClaimKept', '-o', 'jsonpath={.items[*].message}'])).includes('claims are never shrunk'));
  });
});
