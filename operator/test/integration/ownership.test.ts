// What the operator may touch, on a real kube-apiserver, with the real operator
// process under its own ServiceAccount: an object is its own only by identity
// (a controller owner reference with the instance's uid, or elsewhere the
// owner-uid annotation), never by labels; it takes nothing over, deletes only
// what is provably its own, holds the Deployment back while an earlier object
// fails, and compares quantities and conditions the way the API server stores
// them, so that nothing is written over and over.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { usePlane } from '../support/cluster.ts';
import { apiServerWrites, eventually, getJson, markDeploymentReady, nudgeInstance, useOperator, type RunningOperator } from '../support/operator.ts';

const plane = usePlane('api');
let operator: RunningOperator;

interface Obj {
  metadata: {
    name: string;
    namespace?: string;
    uid: string;
    resourceVersion: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { uid: string; kind: string }[];
  };
  [k: string]: unknown;
}
interface Condition { type: string; status: string; reason: string; message: string }
interface Instance extends Obj {
  status?: { ready?: boolean; observedGeneration?: number; conditions?: Condition[] };
}
type Hashed = Obj & { spec: { template: { metadata: { annotations?: Record<string, string> } } } };

const WATCHABLE = 'chatcli.diillson.com/watchable=true';
const HASH = 'chatcli.diillson.com/config-hash';

/** A namespace; `watchable` opts it in to being watched from other namespaces. */
async function namespace(name: string, opts: { watchable?: boolean } = {}): Promise<string> {
  await plane().kubectl(['create', 'namespace', name]);
  if (opts.watchable) await plane().kubectl(['label', 'namespace', name, WATCHABLE]);
  return name;
}

async function applyObject(obj: Record<string, unknown>): Promise<void> {
  await plane().kubectl(['apply', '--server-side', '--field-manager=someone-else', '-f', '-'], JSON.stringify(obj));
}

async function applyInstance(ns: string, name: string, spec: Record<string, unknown>): Promise<void> {
  await plane().kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'chatcli.diillson.com/v1alpha1', kind: 'ChatCLIInstance', metadata: { name, namespace: ns }, spec }));
}

/** The labels the operator selects its objects by: anyone can set them. */
const ourLabels = (ns: string, name: string) => ({
  'app.kubernetes.io/name': 'chatcli',
  'app.kubernetes.io/instance': name,
  'app.kubernetes.io/managed-by': 'chatcli-operator',
  'chatcli.diillson.com/instance-namespace': ns,
});

const get = <T = Obj>(args: string[]) => getJson<T>(plane(), args);
const exists = async (args: string[]) => (await get(args)) !== undefined;
const instance = (ns: string, name: string) => get<Instance>(['chatcliinstance', name, '-n', ns]);
const reconcileCondition = async (ns: string, name: string) => (await instance(ns, name))?.status?.conditions?.find((c) => c.type === 'ReconcileSucceeded');
const watcher = (targets: { deployment: string; namespace: string }[]) => ({ enabled: true, targets });
const configHash = async (ns: string, name: string) => (await get<Hashed>(['deployment', name, '-n', ns]))?.spec.template.metadata.annotations?.[HASH];

/** Reasons of the Events about an object, by type. */
async function eventReasons(ns: string, name: string): Promise<string[]> {
  const list = JSON.parse(await plane().kubectl(['get', 'events.events.k8s.io', '-n', ns, '-o', 'json'])) as {
    items: { type: string; reason: string; note?: string; regarding?: { name?: string } }[];
  };
  return list.items.filter((e) => e.regarding?.name === name).map((e) => `${e.type} ${e.reason}: ${e.note ?? ''}`);
}

/** Reconciles the operator finished so far (any result). */
async function reconciles(): Promise<number> {
  const text = await operator.metrics();
  return [...text.matchAll(/^chatcli_operator_reconciliations_total\{[^}]*controller="chatcliinstance"[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

/** Makes the operator reconcile the instance `times` times, each on its own (an annotation changes; the spec does not), waiting for each. */
const nudge = (ns: string, name: string, times: number) => nudgeInstance(plane(), operator, ns, name, times);

/** The latest spec reconciled: status written for the instance's current generation (after every apply and prune). */
async function reconciled(ns: string, name: string): Promise<boolean> {
  const i = await instance(ns, name);
  return i?.status?.observedGeneration !== undefined && i.status.observedGeneration === i.metadata.generation;
}

/** A ValidatingAdmissionPolicy and its binding, limited to one namespace; resolves once the API server enforces it. */
async function admissionPolicy(name: string, ns: string, rule: { operations: string[]; resource: string; expression: string; message: string }, probe: () => Promise<unknown>): Promise<void> {
  await applyObject({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: rule.operations, resources: [rule.resource] }] },
      validations: [{ expression: rule.expression, message: rule.message }],
    },
  });
  await applyObject({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name },
    spec: { policyName: name, validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } } },
  });
  await eventually(`policy ${name} enforced`, async () => {
    try {
      await probe();
      return false;
    } catch (err) {
      return String(err).includes(rule.message);
    }
  });
}

describe('what the operator may touch', () => {
  useOperator(plane, (started) => (operator = started));

  it('a user ConfigMap that carries our labels survives prune', async () => {
    const ns = await namespace('labelled');
    await applyObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'my-settings', namespace: ns, labels: ourLabels(ns, 'chat') }, data: { theme: 'dark' } });
    await applyInstance(ns, 'chat', { provider: 'OPENAI', watcher: watcher([{ deployment: 'x', namespace: ns }]) });
    await eventually('the watch-config', () => exists(['configmap', 'chat-watch-config', '-n', ns]));
    await applyInstance(ns, 'chat', { provider: 'OPENAI', watcher: { enabled: false } });
    await eventually('the watch-config pruned', async () => !(await exists(['configmap', 'chat-watch-config', '-n', ns])));
    // The whole reconcile of the change, prune and status included: whatever it deletes is gone by now.
    await eventually('the change reconciled', () => reconciled(ns, 'chat'));
    const mine = await get<Obj & { data: Record<string, string> }>(['configmap', 'my-settings', '-n', ns]);
    assert.deepEqual(mine?.data, { theme: 'dark' }, 'the user ConfigMap is still there, unchanged');
    assert.equal((await reconcileCondition(ns, 'chat'))?.status, 'True', 'and it is no conflict: the spec never asked for it');
  });

  it('a pre-existing Role and RoleBinding in a target namespace are left untouched, and the instance says why', async () => {
    const tenant = await namespace('tenant');
    const victim = await namespace('victim', { watchable: true });
    const rules = [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }];
    const subjects = [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }];
    await applyObject({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'tenant.app-watcher', namespace: victim }, rules });
    await applyObject({
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'tenant.app-watcher', namespace: victim },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'tenant.app-watcher' }, subjects,
    });
    const before = [await get(['role', 'tenant.app-watcher', '-n', victim]), await get(['rolebinding', 'tenant.app-watcher', '-n', victim])];

    await applyInstance(tenant, 'app', { provider: 'OPENAI', watcher: watcher([{ deployment: 'web', namespace: victim }]) });
    await eventually('the instance reconciled', async () => (await reconcileCondition(tenant, 'app')) !== undefined);
    const afterwards = [await get(['role', 'tenant.app-watcher', '-n', victim]), await get(['rolebinding', 'tenant.app-watcher', '-n', victim])];
    assert.deepEqual(afterwards.map((o) => o?.metadata.resourceVersion), before.map((o) => o?.metadata.resourceVersion), 'neither was written');
    assert.equal((await plane().kubectl(['auth', 'can-i', 'get', 'configmaps', '-n', victim, '--as=alice'])).trim(), 'yes', 'alice keeps her access');
    const c = await reconcileCondition(tenant, 'app');
    assert.deepEqual([c?.status, c?.reason], ['False', 'Conflict'], c?.message);
    assert.ok(c?.message.includes(`Role ${victim}/tenant.app-watcher already exists and is not this instance's`), c?.message);
    await eventually('a Warning Event Conflict on the instance', async () => (await eventReasons(tenant, 'app')).some((e) => e.startsWith('Warning Conflict:') && e.includes(`Role ${victim}/tenant.app-watcher`)));
    // A grant that is not ours costs only its namespace: the server still runs.
    await eventually('the Deployment all the same', () => exists(['deployment', 'app', '-n', tenant]));
    await eventually('WatcherReady=False naming the namespace', async () => {
      const w = (await instance(tenant, 'app'))?.status?.conditions?.find((x) => x.type === 'WatcherReady');
      return w?.status === 'False' && w.message.includes(`namespace "${victim}"`);
    });

    await plane().kubectl(['delete', 'chatcliinstance', 'app', '-n', tenant, '--wait=true', '--timeout=30s']);
    const survivors = [await get(['role', 'tenant.app-watcher', '-n', victim]), await get(['rolebinding', 'tenant.app-watcher', '-n', victim])];
    assert.deepEqual(survivors.map((o) => o?.metadata.uid), before.map((o) => o?.metadata.uid), 'deleting the instance deletes neither');
  });

  it('a pre-existing ServiceAccount and ConfigMap in the instance namespace are left untouched, and the instance says why', async () => {
    const ns = await namespace('existing');
    await applyObject({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: ns } });
    await applyObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: ns }, data: { owner: 'the web team' } });
    const before = [await get(['serviceaccount', 'web', '-n', ns]), await get(['configmap', 'web', '-n', ns])];

    await applyInstance(ns, 'web', { provider: 'OPENAI' });
    await eventually('the instance reconciled', async () => (await reconcileCondition(ns, 'web')) !== undefined);
    const afterwards = [await get(['serviceaccount', 'web', '-n', ns]), await get(['configmap', 'web', '-n', ns])];
    for (const o of afterwards) assert.equal(o?.metadata.ownerReferences, undefined, `${o?.metadata.name}: no owner reference, so garbage collection will not take it`);
    assert.deepEqual(afterwards.map((o) => o?.metadata.resourceVersion), before.map((o) => o?.metadata.resourceVersion), 'neither was written');
    const c = await reconcileCondition(ns, 'web');
    assert.deepEqual([c?.status, c?.reason], ['False', 'Conflict'], c?.message);
    assert.ok(c?.message.includes(`ServiceAccount ${ns}/web`) && c.message.includes(`ConfigMap ${ns}/web`), c?.message);
    await eventually('a Warning Event Conflict', async () => (await eventReasons(ns, 'web')).some((e) => e.startsWith('Warning Conflict:')));
    assert.equal(await exists(['deployment', 'web', '-n', ns]), false, 'no pods run as a ServiceAccount that is not the instance\'s');
  });

  it('a labelled PersistentVolumeClaim of someone else in another namespace does not block deletion', async () => {
    const ns = await namespace('claims');
    const t = await namespace('claims-t', { watchable: true });
    await applyInstance(ns, 'chat', { provider: 'OPENAI', watcher: watcher([{ deployment: 'x', namespace: t }]) });
    await eventually('the Role in the target namespace', () => exists(['rolebinding', 'claims.chat-watcher', '-n', t]));
    await applyObject({
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: t, labels: ourLabels(ns, 'chat') },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    });
    await plane().kubectl(['delete', 'chatcliinstance', 'chat', '-n', ns, '--wait=true', '--timeout=30s']);
    assert.equal(await exists(['role', 'claims.chat-watcher', '-n', t]), false, 'our Role is gone');
    assert.equal(await exists(['rolebinding', 'claims.chat-watcher', '-n', t]), false, 'our RoleBinding is gone');
    assert.ok(await exists(['persistentvolumeclaim', 'data', '-n', t]), 'the claim stays');
  });

  it('finalize goes on past an object it cannot delete, reports it, and retries until it can', async () => {
    const ns = await namespace('stuck');
    const t = await namespace('stuck-t', { watchable: true });
    await applyInstance(ns, 'chat', { provider: 'OPENAI', watcher: watcher([{ deployment: 'x', namespace: t }]) });
    await eventually('the RoleBinding in the target namespace', () => exists(['rolebinding', 'stuck.chat-watcher', '-n', t]));
    const uid = (await instance(ns, 'chat'))?.metadata.uid ?? '';
    // An object protected from deletion, then made provably the instance's (its
    // uid in our annotation, and our labels so that the operator finds it).
    const sticky = (metadata: Record<string, unknown>) => applyObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'sticky', namespace: t, ...metadata } });
    await sticky({});
    const refusal = 'sticky stays for now';
    await admissionPolicy('keep-sticky', t, { operations: ['DELETE'], resource: 'configmaps', expression: "oldObject.metadata.name != 'sticky'", message: refusal },
      () => plane().kubectl(['delete', 'configmap', 'sticky', '-n', t, '--dry-run=server']));
    await sticky({ labels: ourLabels(ns, 'chat'), annotations: { 'chatcli.diillson.com/owner-uid': uid } });

    await plane().kubectl(['delete', 'chatcliinstance', 'chat', '-n', ns, '--wait=false']);
    await eventually('the Role and RoleBinding deleted all the same', async () =>
      !(await exists(['role', 'stuck.chat-watcher', '-n', t])) && !(await exists(['rolebinding', 'stuck.chat-watcher', '-n', t])));
    await eventually('a Warning FinalizeFailed Event naming the object', async () =>
      (await eventReasons(ns, 'chat')).some((e) => e.startsWith('Warning FinalizeFailed:') && e.includes(`ConfigMap ${t}/sticky`)));
    assert.ok(await exists(['chatcliinstance', 'chat', '-n', ns]), 'the instance waits, Terminating');

    await plane().kubectl(['delete', 'validatingadmissionpolicybinding', 'keep-sticky']);
    await eventually('the instance gone once the object could be deleted', async () => !(await exists(['chatcliinstance', 'chat', '-n', ns])), 60_000);
    assert.equal(await exists(['configmap', 'sticky', '-n', t]), false);
  });

  it('a ConfigMap update the API server denies does not roll the Deployment', async () => {
    const ns = await namespace('frozen');
    await applyInstance(ns, 'chat', { provider: 'OPENAI', model: 'm1' });
    await eventually('the Deployment', async () => (await configHash(ns, 'chat')) !== undefined);
    const first = await configHash(ns, 'chat');
    const refusal = 'configuration is frozen';
    await admissionPolicy('freeze-configmaps', ns, { operations: ['UPDATE'], resource: 'configmaps', expression: 'false', message: refusal },
      () => plane().kubectl(['annotate', 'configmap', 'chat', '-n', ns, 'probe=1', '--dry-run=server']));

    await applyInstance(ns, 'chat', { provider: 'OPENAI', model: 'm2' });
    await eventually('ReconcileSucceeded=False with the refusal', async () => {
      const c = await reconcileCondition(ns, 'chat');
      return c?.status === 'False' && c.reason === 'ReconcileFailed' && c.message.includes(refusal);
    });
    await nudge(ns, 'chat', 2);
    assert.equal(await configHash(ns, 'chat'), first, 'the pods are not rolled to a configuration that is not there');
    assert.equal((await get<{ data: Record<string, string> }>(['configmap', 'chat', '-n', ns]))?.data.LLM_MODEL, 'm1');
    assert.ok((await reconcileCondition(ns, 'chat'))?.message.includes(`not applied until the above succeeds: Deployment ${ns}/chat`), 'the message says the Deployment waits');

    await plane().kubectl(['delete', 'validatingadmissionpolicybinding', 'freeze-configmaps']);
    // The nudge must come after the API server stopped enforcing it, not a guessed moment later.
    await eventually('policy freeze-configmaps no longer enforced', async () =>
      (await plane().kubectl(['annotate', 'configmap', 'chat', '-n', ns, 'probe=1', '--dry-run=server']).then(() => true, () => false)));
    await nudge(ns, 'chat', 1);
    await eventually('the ConfigMap, then the Deployment, updated', async () =>
      (await get<{ data: Record<string, string> }>(['configmap', 'chat', '-n', ns]))?.data.LLM_MODEL === 'm2' && (await configHash(ns, 'chat')) !== first, 60_000);
  });

  it('0.5 CPU and 1024Mi in resources are not re-applied on every reconcile', async () => {
    const ns = await namespace('quantities');
    const resources = { requests: { cpu: '0.5', memory: '1024Mi' }, limits: { cpu: '1.5', memory: '2048Mi' } };
    await applyInstance(ns, 'chat', { provider: 'OPENAI', resources });
    await eventually('the Deployment', () => exists(['deployment', 'chat', '-n', ns]));
    const stored = await get<{ spec: { template: { spec: { containers: { resources: unknown }[] } } } }>(['deployment', 'chat', '-n', ns]);
    assert.deepEqual(stored?.spec.template.spec.containers[0]?.resources, { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1500m', memory: '2Gi' } }, 'the API server stores the canonical form');
    await markDeploymentReady(plane(), ns, 'chat');
    await eventually('READY true', async () => (await instance(ns, 'chat'))?.status?.ready === true);

    // Whatever READY still brings is a reconcile too: none of them may write the Deployment.
    const [writesBefore, reconcilesBefore] = [await apiServerWrites(plane()), await reconciles()];
    await nudge(ns, 'chat', 5);
    const [writesAfter, reconcilesAfter] = [await apiServerWrites(plane()), await reconciles()];
    assert.ok(reconcilesAfter - reconcilesBefore >= 3, `the operator reconciled (${reconcilesAfter - reconcilesBefore} times)`);
    assert.equal((writesAfter.get('deployments') ?? 0) - (writesBefore.get('deployments') ?? 0), 0, 'no Deployment write');
  });

  it('a condition written by someone else causes no status writes', async () => {
    const ns = await namespace('conditions');
    await applyInstance(ns, 'chat', { provider: 'OPENAI' });
    await eventually('the Deployment', () => exists(['deployment', 'chat', '-n', ns]));
    await markDeploymentReady(plane(), ns, 'chat');
    await eventually('READY true', async () => (await instance(ns, 'chat'))?.status?.ready === true);
    const audited = { type: 'example.com/Audited', status: 'True', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), reason: 'Checked', message: 'by the auditor' };
    // Counted from before the auditor's write: the reconcile that write triggers is counted too.
    const [writesBefore, reconcilesBefore] = [await apiServerWrites(plane()), await reconciles()];
    await plane().kubectl(['patch', 'chatcliinstance', 'chat', '-n', ns, '--subresource=status', '--type=json', '-p', JSON.stringify([{ op: 'add', path: '/status/conditions/-', value: audited }])]);
    await nudge(ns, 'chat', 5);
    const [writesAfter, reconcilesAfter] = [await apiServerWrites(plane()), await reconciles()];
    assert.ok(reconcilesAfter - reconcilesBefore >= 3, `the operator reconciled (${reconcilesAfter - reconcilesBefore} times)`);
    const statusWrites = (writesAfter.get('chatcliinstances/status') ?? 0) - (writesBefore.get('chatcliinstances/status') ?? 0);
    assert.equal(statusWrites, 1, 'no status write but the auditor\'s own');
    assert.ok((await instance(ns, 'chat'))?.status?.conditions?.some((c) => c.type === audited.type), 'the other condition stays');
  });

  it('a new object costs one create and no read: the create proves it absent', async () => {
    // The API server counts every reader's GETs: the instances of the tests above
    // go first (one left in Conflict retries, reading its objects again each time).
    await plane().kubectl(['delete', 'chatcliinstances', '--all', '--all-namespaces', '--wait=true', '--timeout=60s']);
    // The operator has taken each deletion in (its ready series goes then): no reconcile of theirs is left to read.
    await eventually('every deleted instance reconciled as gone', async () => !(await operator.metrics()).includes('chatcli_operator_instance_ready{'));
    const ns = await namespace('absence');
    const [readsBefore, writesBefore] = [await objectReads(), await apiServerWrites(plane())];
    await applyInstance(ns, 'chat', { provider: 'OPENAI' });
    await eventually('status written', async () => (await instance(ns, 'chat'))?.status?.observedGeneration === 1);
    await new Promise((r) => setTimeout(r, 2000));
    const [readsAfter, writesAfter] = [await objectReads(), await apiServerWrites(plane())];
    const reads = [...readsAfter].map(([r, n]) => [r, n - (readsBefore.get(r) ?? 0)] as const).filter(([, n]) => n > 0);
    assert.deepEqual(Object.fromEntries(reads), {}, 'no GET of a ServiceAccount, ConfigMap, Service or Deployment');
    const writes = ['configmaps', 'deployments', 'serviceaccounts', 'services'].map((r) => (writesAfter.get(r) ?? 0) - (writesBefore.get(r) ?? 0));
    assert.deepEqual(writes, [1, 1, 1, 1], 'one write per object');
  });

  it('a created object\'s fields pass to our apply at its first update, once: a pod label dropped from the spec is gone', async () => {
    const ns = await namespace('handover');
    const ours = (d: Managed | undefined, operation: string) => (d?.metadata.managedFields ?? []).filter((m) => m.manager === 'chatcli-operator' && m.operation === operation && !m.subresource);
    const deployment = () => get<Managed & { spec: { template: { metadata: { labels: Record<string, string> } } } }>(['deployment', 'chat', '-n', ns, '--show-managed-fields']);
    await applyInstance(ns, 'chat', { provider: 'OPENAI', podLabels: { tier: 'a' } });
    await eventually('the Deployment', async () => (await deployment()) !== undefined);
    let d = await deployment();
    assert.equal(ours(d, 'Update').length, 1, 'created by POST: its fields are held by an Update entry');
    assert.equal(ours(d, 'Apply').length, 0);

    // Another label in its place: a change to apply (a removal alone leaves the cached object covering what is desired).
    await applyInstance(ns, 'chat', { provider: 'OPENAI', podLabels: { rev: 'a' } });
    await eventually('the new pod label', async () => (await deployment())?.spec.template.metadata.labels.rev === 'a');
    assert.equal((await deployment())?.spec.template.metadata.labels.tier, undefined, 'the dropped pod label is gone');
    d = await deployment();
    assert.equal(ours(d, 'Update').length, 0, 'handed over');
    assert.equal(ours(d, 'Apply').length, 1);
    assert.equal(JSON.stringify(ours(d, 'Apply')[0]?.fieldsV1).includes('f:tier'), false);
    await eventually('reconciled', () => reconciled(ns, 'chat'));

    // Later updates are plain applies: no hand-over, no read (the test reads the Deployment only after counting).
    const [readsBefore, writesBefore] = [await objectReads(), await apiServerWrites(plane())];
    await applyInstance(ns, 'chat', { provider: 'OPENAI', podLabels: { rev: 'b' } });
    await eventually('reconciled', () => reconciled(ns, 'chat'));
    const [readsAfter, writesAfter] = [await objectReads(), await apiServerWrites(plane())];
    assert.equal((await deployment())?.spec.template.metadata.labels.rev, 'b');
    assert.equal((readsAfter.get('deployments') ?? 0) - (readsBefore.get('deployments') ?? 0), 0, 'no read of the Deployment');
    assert.equal((writesAfter.get('deployments') ?? 0) - (writesBefore.get('deployments') ?? 0), 1, 'one apply');
  });
});

interface Managed { metadata: { managedFields?: { manager: string; operation: string; subresource?: string; fieldsV1?: unknown }[] } }

/** GETs of single objects of the kinds an instance becomes, from the API server's own /metrics. */
async function objectReads(): Promise<Map<string, number>> {
  const text = await plane().kubectl(['get', '--raw=/metrics']);
  const reads = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{') || !line.includes('verb="GET"') || !line.includes('scope="resource"')) continue;
    const resource = /resource="([^"]*)"/.exec(line)?.[1] ?? '';
    if (!['configmaps', 'deployments', 'serviceaccounts', 'services'].includes(resource) || /subresource="[^"]+"/.test(line)) continue;
    reads.set(resource, (reads.get(resource) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return reads;
}
