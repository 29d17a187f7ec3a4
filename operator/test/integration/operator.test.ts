// The operator process on a real kube-apiserver (api mode: no controller-manager,
// so the tests write Deployment status where a cluster would), running as its
// own ServiceAccount with nothing but config/rbac/role.yaml. Each scenario of
// SPEC.md is one named test, in a namespace of its own.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { usePlane } from '../support/cluster.ts';
import { apiServerWrites, eventWrites, eventually, getJson, markDeploymentReady, namespaceEvents, reconcileResults, useOperator, type RunningOperator } from '../support/operator.ts';

const plane = usePlane('api');
let operator: RunningOperator;

interface Obj {
  metadata: { name: string; namespace?: string; uid: string; labels?: Record<string, string>; ownerReferences?: { uid: string; controller?: boolean; kind: string }[]; finalizers?: string[]; resourceVersion: string };
  [k: string]: unknown;
}
interface Instance extends Obj {
  spec: Record<string, unknown>;
  status?: { ready?: boolean; observedGeneration?: number; conditions?: { type: string; status: string; reason: string; message: string }[] };
}

/** A namespace that opted in to being watched from others (the default --watch-namespace-policy=label). */
async function namespace(name: string): Promise<string> {
  await plane().kubectl(['create', 'namespace', name]);
  await plane().kubectl(['label', 'namespace', name, 'chatcli.diillson.com/watchable=true']);
  return name;
}

async function applyInstance(ns: string, name: string, spec: Record<string, unknown>): Promise<void> {
  await plane().kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'chatcli.diillson.com/v1alpha1', kind: 'ChatCLIInstance', metadata: { name, namespace: ns }, spec }));
}

const get = <T = Obj>(args: string[]) => getJson<T>(plane(), args);
const exists = async (args: string[]) => (await get(args)) !== undefined;
const instance = (ns: string, name: string) => get<Instance>(['chatcliinstance', name, '-n', ns]);
const watcher = (targets: { deployment: string; namespace: string }[]) => ({ enabled: true, targets });
/** The latest spec reconciled: status written for the instance's current generation (after every apply and prune). */
const reconciled = async (ns: string, name: string) => {
  const i = await instance(ns, name);
  return i?.status?.observedGeneration !== undefined && i.status.observedGeneration === (i.metadata as { generation?: number }).generation;
};
/** Whether an Event with this reason is about the instance (Events are written after the status, and not awaited). */
const hasEvent = async (ns: string, name: string, reason: string, type?: string) =>
  (await plane().kubectl(['get', 'events', '-n', ns, `--field-selector=involvedObject.name=${name},reason=${reason}${type ? `,type=${type}` : ''}`, '-o', 'name'])).trim() !== '';

describe('operator on the API server', () => {
  useOperator(plane, (started) => (operator = started));

  it('creates every object with owner references, and READY follows the Deployment', async () => {
    const ns = await namespace('objects');
    await namespace('objects-prod');
    await applyInstance(ns, 'chat', {
      provider: 'OPENAI',
      apiKeys: { name: 'keys' },
      persistence: { enabled: true },
      watcher: watcher([{ deployment: 'api', namespace: 'objects-prod' }]),
    });
    await eventually('the Deployment', () => exists(['deployment', 'chat', '-n', ns]));
    const inst = await instance(ns, 'chat');
    assert.ok(inst);
    assert.ok(inst.metadata.finalizers?.includes('chatcli.diillson.com/finalizer'), 'finalizer added');
    for (const kind of ['deployment', 'service', 'configmap', 'serviceaccount', 'persistentvolumeclaim']) {
      const o = await get([kind, 'chat' + (kind === 'persistentvolumeclaim' ? '-sessions' : ''), '-n', ns]);
      assert.ok(o, `${kind} exists`);
      assert.deepEqual(o.metadata.ownerReferences?.map((r) => [r.kind, r.uid, r.controller]), [['ChatCLIInstance', inst.metadata.uid, true]], `${kind} is owned`);
      assert.equal(o.metadata.labels?.['app.kubernetes.io/managed-by'], 'chatcli-operator');
    }
    const watchConfig = await get(['configmap', 'chat-watch-config', '-n', ns]);
    assert.equal(watchConfig?.metadata.ownerReferences?.[0]?.uid, inst.metadata.uid);

    await eventually('Available=False before the pods are up', async () =>
      (await instance(ns, 'chat'))?.status?.conditions?.find((c) => c.type === 'Available')?.status === 'False');
    await markDeploymentReady(plane(), ns, 'chat');
    await eventually('READY true', async () => (await instance(ns, 'chat'))?.status?.ready === true);
    const current = await instance(ns, 'chat');
    const status = current?.status;
    assert.equal(status?.observedGeneration, (current?.metadata as { generation?: number }).generation);
    assert.equal(status?.conditions?.find((c) => c.type === 'Available')?.message, '1/1 replicas ready');
  });

  it('puts the Role in the targets\' namespace, bound to the ServiceAccount in the instance namespace', async () => {
    const ns = await namespace('role-home');
    const prod = await namespace('role-prod');
    await applyInstance(ns, 'chat', { provider: 'CLAUDEAI', watcher: watcher([{ deployment: 'a', namespace: prod }, { deployment: 'b', namespace: prod }]) });
    // Each object waited for itself: the RoleBinding is applied a phase after the Role.
    await eventually('Role in the targets namespace', () => exists(['role', `${ns}.chat-watcher`, '-n', prod]));
    type Binding = Obj & { subjects: { kind: string; name: string; namespace: string }[] };
    let binding: Binding | undefined;
    await eventually('RoleBinding in the targets namespace', async () => (binding = await get<Binding>(['rolebinding', `${ns}.chat-watcher`, '-n', prod])) !== undefined);
    assert.deepEqual(binding?.subjects, [{ kind: 'ServiceAccount', name: 'chat', namespace: ns }]);
    assert.equal(await exists(['role', 'chat-watcher', '-n', ns]), false, 'no Role in the instance namespace');
    assert.equal(await exists(['clusterrole', `${ns}-chat-watcher`]), false, 'no ClusterRole');
    await eventually('the status', async () => (await instance(ns, 'chat'))?.status?.observedGeneration === 1);
    // The Event of a failed attempt is written after its status and not awaited; its
    // log line is written before the next attempt starts: read the log, up to the success.
    await eventually('the successful reconcile in the log', () => reconcileResults(operator, `${ns}/chat`).includes('success'));
    assert.deepEqual(reconcileResults(operator, `${ns}/chat`).filter((r) => r === 'error'), [], 'the Role exists before its binding is applied: no failed first attempt');
    assert.equal(await hasEvent(ns, 'chat', 'ReconcileFailed'), false, 'and no ReconcileFailed Event');
  });

  it('grants a Role pair in each of several target namespaces and nothing cluster-wide; moving all targets into one namespace removes the other pair', async () => {
    const ns = await namespace('multi');
    const [a, b] = [await namespace('multi-a'), await namespace('multi-b')];
    const pair = async (n: string) => (await exists(['role', `${ns}.chat-watcher`, '-n', n])) && (await exists(['rolebinding', `${ns}.chat-watcher`, '-n', n]));
    await applyInstance(ns, 'chat', { provider: 'CLAUDEAI', watcher: watcher([{ deployment: 'x', namespace: a }, { deployment: 'y', namespace: b }]) });
    await eventually('a Role pair in both namespaces', async () => (await pair(a)) && (await pair(b)));
    assert.equal(await exists(['clusterrolebinding', 'multi-chat-watcher']), false, 'no ClusterRoleBinding');
    assert.equal(await exists(['clusterrole', 'multi-chat-watcher']), false, 'no ClusterRole');

    await applyInstance(ns, 'chat', { provider: 'CLAUDEAI', watcher: watcher([{ deployment: 'x', namespace: a }, { deployment: 'y', namespace: a }]) });
    await eventually('the pair in the other namespace removed', async () => !(await exists(['role', `${ns}.chat-watcher`, '-n', b])) && !(await exists(['rolebinding', `${ns}.chat-watcher`, '-n', b])));
    assert.ok(await pair(a), 'the pair in the namespace still named stays');
  });

  it('turning the watcher off removes its RBAC and the watch-config', async () => {
    const ns = await namespace('watcher-off');
    const t = await namespace('watcher-off-t');
    await applyInstance(ns, 'chat', { provider: 'CLAUDEAI', watcher: watcher([{ deployment: 'x', namespace: t }]) });
    const grant = `${ns}.chat-watcher`; // in a namespace other than the instance's
    await eventually('watcher RBAC and config', async () =>
      (await exists(['role', grant, '-n', t])) && (await exists(['rolebinding', grant, '-n', t])) && (await exists(['configmap', 'chat-watch-config', '-n', ns])));
    await applyInstance(ns, 'chat', { provider: 'CLAUDEAI', watcher: { enabled: false } });
    await eventually('RBAC and watch-config gone', async () =>
      !(await exists(['role', grant, '-n', t])) && !(await exists(['rolebinding', grant, '-n', t])) && !(await exists(['configmap', 'chat-watch-config', '-n', ns])));
    assert.ok(await exists(['configmap', 'chat', '-n', ns]), 'the environment ConfigMap stays');
  });

  it('deleting the instance removes its objects in other namespaces, then the finalizer', async () => {
    const ns = await namespace('deletion');
    const [a, b] = [await namespace('deletion-a'), await namespace('deletion-b')];
    await applyInstance(ns, 'one', { provider: 'CLAUDEAI', watcher: watcher([{ deployment: 'x', namespace: a }, { deployment: 'y', namespace: b }]) });
    await applyInstance(ns, 'two', { provider: 'CLAUDEAI', watcher: watcher([{ deployment: 'x', namespace: a }]) });
    await eventually('both instances reconciled', async () => (await exists(['role', `${ns}.one-watcher`, '-n', b])) && (await exists(['role', `${ns}.two-watcher`, '-n', a])));
    await plane().kubectl(['delete', 'chatcliinstance', 'one', 'two', '-n', ns, '--wait=true', '--timeout=30s']);
    assert.equal(await exists(['chatcliinstance', 'one', '-n', ns]), false, 'the finalizer was removed');
    for (const n of [a, b]) {
      assert.equal(await exists(['role', `${ns}.one-watcher`, '-n', n]), false);
      assert.equal(await exists(['rolebinding', `${ns}.one-watcher`, '-n', n]), false);
    }
    assert.equal(await exists(['role', `${ns}.two-watcher`, '-n', a]), false);
    assert.equal(await exists(['rolebinding', `${ns}.two-watcher`, '-n', a]), false);
  });

  it('passes the token only as a secretKeyRef, and no secret value appears anywhere else', async () => {
    const ns = await namespace('token');
    const value = 'tok-5f1e2d3c4b5a69788796a5b4c3d2e1f0';
    await plane().kubectl(['create', 'secret', 'generic', 'auth', '-n', ns, `--from-literal=token=${value}`]);
    await plane().kubectl(['create', 'secret', 'generic', 'keys', '-n', ns, `--from-literal=OPENAI_API_KEY=${value}-key`]);
    await applyInstance(ns, 'chat', { provider: 'OPENAI', apiKeys: { name: 'keys' }, server: { token: { name: 'auth', key: 'token' } } });
    await eventually('the Deployment', () => exists(['deployment', 'chat', '-n', ns]));
    await markDeploymentReady(plane(), ns, 'chat');
    await eventually('READY true', async () => (await instance(ns, 'chat'))?.status?.ready === true);
    await eventually('the Available Event (written after the status)', () => hasEvent(ns, 'chat', 'Available'));

    const d = await get<{ spec: { template: { spec: { containers: { env?: { name: string; value?: string; valueFrom?: unknown }[]; envFrom?: unknown[] }[] } } } }>(['deployment', 'chat', '-n', ns]);
    const container = d?.spec.template.spec.containers[0];
    assert.deepEqual(container?.env?.find((e) => e.name === 'CHATCLI_SERVER_TOKEN'), { name: 'CHATCLI_SERVER_TOKEN', valueFrom: { secretKeyRef: { name: 'auth', key: 'token' } } });
    assert.deepEqual(container?.envFrom?.find((e) => JSON.stringify(e).includes('secretRef')), { secretRef: { name: 'keys' } });
    const everywhere = [
      await plane().kubectl(['get', 'deployment,service,configmap,serviceaccount,chatcliinstance', '-n', ns, '-o', 'json']),
      await plane().kubectl(['get', 'events.events.k8s.io', '-A', '-o', 'json']),
      operator.logs(),
    ].join('\n');
    assert.equal(everywhere.includes(value), false, 'no secret value in objects, status, events or logs');
    assert.equal(everywhere.includes(Buffer.from(value).toString('base64')), false, 'nor its base64');
  });

  it('editing a ConfigMap-relevant field changes the pod-template hash, and only then', async () => {
    const ns = await namespace('hash');
    await applyInstance(ns, 'chat', { provider: 'OPENAI', model: 'gpt-4o' });
    const hash = async () =>
      (await get<{ spec: { template: { metadata: { annotations: Record<string, string> } } } }>(['deployment', 'chat', '-n', ns]))?.spec.template.metadata.annotations['chatcli.diillson.com/config-hash'];
    await eventually('the Deployment', async () => (await hash()) !== undefined);
    const first = await hash();
    await applyInstance(ns, 'chat', { provider: 'OPENAI', model: 'gpt-4o', replicas: 2 });
    await eventually('replicas 2', async () => (await get<{ spec: { replicas: number } }>(['deployment', 'chat', '-n', ns]))?.spec.replicas === 2);
    assert.equal(await hash(), first, 'a change the ConfigMaps do not carry keeps the hash');
    await applyInstance(ns, 'chat', { provider: 'OPENAI', model: 'gpt-4.1', replicas: 2 });
    await eventually('a new hash', async () => (await hash()) !== first);
    const cm = await get<{ data: Record<string, string> }>(['configmap', 'chat', '-n', ns]);
    assert.equal(cm?.data.LLM_MODEL, 'gpt-4.1');
  });

  it('repairs an owned object that someone edits or deletes', async () => {
    const ns = await namespace('repair');
    await applyInstance(ns, 'chat', { provider: 'OPENAI', model: 'm1' });
    await eventually('the objects', async () =>
      (await exists(['service', 'chat', '-n', ns])) && (await exists(['configmap', 'chat', '-n', ns])) && (await exists(['deployment', 'chat', '-n', ns])));
    const oldUid = (await get(['service', 'chat', '-n', ns]))?.metadata.uid;
    await plane().kubectl(['delete', 'service', 'chat', '-n', ns]);
    await eventually('the Service re-created', async () => {
      const s = await get(['service', 'chat', '-n', ns]);
      return s !== undefined && s.metadata.uid !== oldUid;
    });
    await plane().kubectl(['patch', 'configmap', 'chat', '-n', ns, '--type=merge', '-p', '{"data":{"LLM_MODEL":"tampered"}}']);
    await eventually('the ConfigMap restored', async () => (await get<{ data: Record<string, string> }>(['configmap', 'chat', '-n', ns]))?.data.LLM_MODEL === 'm1');
    await plane().kubectl(['scale', 'deployment', 'chat', '-n', ns, '--replicas=5']);
    await eventually('the replicas restored', async () => (await get<{ spec: { replicas: number } }>(['deployment', 'chat', '-n', ns]))?.spec.replicas === 1);
  });

  it('turning persistence off keeps the PersistentVolumeClaim', async () => {
    const ns = await namespace('persistence');
    await applyInstance(ns, 'chat', { provider: 'OPENAI', persistence: { enabled: true, size: '2Gi', storageClassName: 'fast' } });
    await eventually('the claim', () => exists(['persistentvolumeclaim', 'chat-sessions', '-n', ns]));
    await applyInstance(ns, 'chat', { provider: 'OPENAI', persistence: { enabled: false } });
    await eventually('the pods no longer mount it', async () => {
      const d = await get<{ spec: { template: { spec: { volumes?: { persistentVolumeClaim?: unknown }[] } } } }>(['deployment', 'chat', '-n', ns]);
      return d !== undefined && !(d.spec.template.spec.volumes ?? []).some((v) => v.persistentVolumeClaim);
    });
    // Prune comes before the status: once the change is reconciled, the claim was kept or deleted.
    await eventually('the change reconciled', () => reconciled(ns, 'chat'));
    assert.ok(await exists(['persistentvolumeclaim', 'chat-sessions', '-n', ns]), 'the claim and its data stay');
  });

  it('an idle instance causes no writes', async () => {
    const ns = await namespace('idle');
    await applyInstance(ns, 'chat', { provider: 'OPENAI', apiKeys: { name: 'keys' }, watcher: watcher([{ deployment: 'x', namespace: ns }]) });
    await eventually('the Deployment', () => exists(['deployment', 'chat', '-n', ns]));
    await markDeploymentReady(plane(), ns, 'chat');
    await eventually('READY true', async () => (await instance(ns, 'chat'))?.status?.ready === true);
    // The last write READY brings: its Event, written after the status.
    await eventually('the Available Event', () => hasEvent(ns, 'chat', 'Available'));
    const [before, eventsBefore] = [await apiServerWrites(plane()), await namespaceEvents(plane(), ns)];
    await new Promise((r) => setTimeout(r, 8000));
    const [afterWrites, eventsAfter] = [await apiServerWrites(plane()), await namespaceEvents(plane(), ns)];
    // Events are counted in this namespace only: an earlier test's series may land now.
    const delta = [...afterWrites].filter(([resource, n]) => resource !== 'leases' && resource !== 'events' && n !== (before.get(resource) ?? 0));
    assert.deepEqual(delta, [], 'no write requests while nothing changes (leases of the API server itself excluded)');
    assert.equal(eventWrites(eventsBefore, eventsAfter), 0, 'no Event about the instance');
  });

  it('a new instance costs one write per object and one status write (plus the finalizer only when it reaches beyond its namespace)', async () => {
    const ns = await namespace('writes');
    const before = await apiServerWrites(plane());
    await applyInstance(ns, 'chat', { provider: 'OPENAI', apiKeys: { name: 'keys' } }); // the test's own write
    await eventually('status written', async () => (await instance(ns, 'chat'))?.status?.observedGeneration === 1);
    await new Promise((r) => setTimeout(r, 3000)); // the reconciles our writes trigger
    const afterWrites = await apiServerWrites(plane());
    // Leases and the Service's ClusterIP allocation (ipaddresses) are the API server's own writes;
    // Events are counted in this namespace (an earlier test's series may land meanwhile).
    const delta = [...afterWrites].filter(([r]) => r !== 'leases' && r !== 'ipaddresses' && r !== 'events').map(([r, n]) => [r, n - (before.get(r) ?? 0)] as const).filter(([, n]) => n > 0);
    const events = eventWrites(new Map(), await namespaceEvents(plane(), ns));
    if (events > 0) delta.push(['events', events]);
    const total = delta.reduce((sum, [, n]) => sum + n, 0);
    // ServiceAccount, ConfigMap, Service, Deployment; the status; the test's create. No finalizer:
    // everything lives in the instance namespace, owner references suffice. (Proving each new
    // object absent before its first apply costs one read, no write: ownership.test.ts.)
    assert.ok(total <= 4 + 1 + 1, `writes: ${JSON.stringify(delta)}`);
    assert.deepEqual((await instance(ns, 'chat'))?.metadata.finalizers ?? [], []);
  });

  it('a change the API server refuses shows as ReconcileSucceeded=False with a Warning Event, and the rest still applies', async () => {
    const ns = await namespace('refused');
    await applyInstance(ns, 'chat', { provider: 'OPENAI', model: 'm1', persistence: { enabled: true, size: '2Gi', storageClassName: 'fast' } });
    await eventually('the claim', () => exists(['persistentvolumeclaim', 'chat-sessions', '-n', ns]));
    // A claim's StorageClass never changes: the API server refuses it, whoever asks.
    // (A smaller size is no longer sent: the operator keeps a claim's size, ClaimKept.)
    await applyInstance(ns, 'chat', { provider: 'OPENAI', model: 'm2', persistence: { enabled: true, size: '2Gi', storageClassName: 'slow' } });
    await eventually('ReconcileSucceeded=False naming the claim', async () => {
      const c = (await instance(ns, 'chat'))?.status?.conditions?.find((x) => x.type === 'ReconcileSucceeded');
      return c?.status === 'False' && c.reason === 'ReconcileFailed' && c.message.includes('chat-sessions');
    });
    assert.equal((await get<{ data: Record<string, string> }>(['configmap', 'chat', '-n', ns]))?.data.LLM_MODEL, 'm2', 'the other objects were applied');
    await eventually('a Warning Event on the instance (written after the status)', () => hasEvent(ns, 'chat', 'ReconcileFailed', 'Warning'));
    const inst = await instance(ns, 'chat');
    assert.notEqual(inst?.status?.observedGeneration, (inst?.metadata as { generation?: number }).generation, 'observedGeneration does not move on a failed reconcile');

    await applyInstance(ns, 'chat', { provider: 'OPENAI', model: 'm2', persistence: { enabled: true, size: '2Gi', storageClassName: 'fast' } });
    await eventually('ReconcileSucceeded=True again', async () =>
      (await instance(ns, 'chat'))?.status?.conditions?.find((x) => x.type === 'ReconcileSucceeded')?.status === 'True');
  });

  it('serves its metrics: reconciliations, durations, managed and ready instances, work queue, API requests', async () => {
    const text = await operator.metrics();
    for (const name of [
      'chatcli_operator_reconciliations_total{controller="chatcliinstance",result="success"}',
      'chatcli_operator_reconciliation_duration_seconds_bucket',
      'chatcli_operator_managed_instances',
      'chatcli_operator_instance_ready{name="chat",namespace="idle"} 1',
      'workqueue_depth{name="chatcliinstance"}',
      'workqueue_retries_total{name="chatcliinstance"}',
      'rest_client_requests_total{code="200",method="GET",host=',
      'rest_client_requests_total{code="200",method="PATCH",host=',
      'rest_client_request_duration_seconds_count{verb="GET",host=',
    ]) assert.ok(text.includes(name), `metrics include ${name}`);
    const managed = /^chatcli_operator_managed_instances (\d+)$/m.exec(text)?.[1];
    const count = JSON.parse(await plane().kubectl(['get', 'chatcliinstances', '-A', '-o', 'json'])) as { items: unknown[] };
    assert.equal(Number(managed), count.items.length);
  });
});
