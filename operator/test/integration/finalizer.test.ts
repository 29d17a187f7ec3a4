// Deleting an instance whose finalizer someone else also holds, on a real
// kube-apiserver with the operator running as its own ServiceAccount: a GitOps
// tool's server-side apply, or a `kubectl create`, of a manifest that lists
// `chatcli.diillson.com/finalizer` (an exported or restored manifest). The
// operator removes the finalizer with a JSON patch, not by dropping its own
// claim in an apply, so `kubectl delete` finishes within seconds and the
// watcher's Role in the other namespace is gone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { API_VERSION, KIND } from '../../src/api/chatcliinstance.ts';
import { FINALIZER, ownedObjectsSelector } from '../../src/desired/names.ts';
import { createObject, getObject, isChangedSinceRead, removeFromList } from '../../src/runtime/apply.ts';
import { ApiError, closeConnections } from '../../src/runtime/kube.ts';
import { ConfigMaps } from '../../src/runtime/resources.ts';
import { usePlane } from '../support/cluster.ts';
import { eventually, getJson, useOperator } from '../support/operator.ts';

const plane = usePlane('api');

interface Listed { items: { metadata: { name: string } }[] }
interface Instance {
  metadata: { finalizers?: string[]; managedFields?: { manager: string; fieldsV1?: { 'f:metadata'?: { 'f:finalizers'?: Record<string, unknown> } } }[] };
}

/** A namespace pair: the instance's, and one that opted in to being watched from it. */
async function namespaces(name: string): Promise<{ home: string; watched: string }> {
  const [home, watched] = [name, `${name}-prod`];
  await plane().kubectl(['create', 'namespace', home]);
  await plane().kubectl(['create', 'namespace', watched]);
  await plane().kubectl(['label', 'namespace', watched, 'chatcli.diillson.com/watchable=true']);
  return { home, watched };
}

/** The manifest a GitOps repository would hold after exporting the instance: the finalizer listed. */
function manifest(home: string, watched: string, finalizers: string[] = [FINALIZER]): string {
  return JSON.stringify({
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name: 'chat', namespace: home, ...(finalizers.length > 0 ? { finalizers } : {}) },
    spec: { provider: 'OPENAI', watcher: { enabled: true, targets: [{ deployment: 'api', namespace: watched }] } },
  });
}

/** The watcher's grants in the watched namespace, found by the operator's labels. */
async function grantsIn(home: string, watched: string): Promise<string[]> {
  const listed = await getJson<Listed>(plane(), ['role,rolebinding', '-n', watched, '-l', ownedObjectsSelector({ namespace: home, name: 'chat' })]);
  return listed?.items.map((i) => i.metadata.name) ?? [];
}

/** The managers that own the finalizer entry on the instance. */
async function finalizerOwners(home: string): Promise<string[]> {
  const inst = await getJson<Instance>(plane(), ['chatcliinstance', 'chat', '-n', home, '--show-managed-fields']);
  return (inst?.metadata.managedFields ?? [])
    .filter((m) => m.fieldsV1?.['f:metadata']?.['f:finalizers']?.[`v:"${FINALIZER}"`] !== undefined)
    .map((m) => m.manager)
    .sort();
}

/** `kubectl delete` of the instance, which waits until it is gone; resolves to the seconds it took. */
async function deleteInstance(home: string): Promise<number> {
  const started = performance.now();
  await plane().kubectl(['delete', 'chatcliinstance', 'chat', '-n', home, '--timeout=60s']);
  return (performance.now() - started) / 1000;
}

async function deletesWithinSeconds(home: string, watched: string): Promise<void> {
  const seconds = await deleteInstance(home);
  assert.ok(seconds < 15, `kubectl delete took ${seconds.toFixed(1)} s`);
  assert.equal(await getJson(plane(), ['chatcliinstance', 'chat', '-n', home]), undefined, 'the instance is gone');
  assert.deepEqual(await grantsIn(home, watched), [], 'the watcher\'s Role and RoleBinding in the other namespace are gone');
}

describe('deleting an instance whose finalizer another manager also holds', () => {
  useOperator(plane);

  it('applied by a GitOps tool (server-side apply, its own field manager) from a manifest listing the finalizer: kubectl delete finishes within seconds and the cross-namespace Role is gone', async () => {
    const { home, watched } = await namespaces('gitops-apply');
    await plane().kubectl(['apply', '--server-side', '--field-manager=gitops', '-f', '-'], manifest(home, watched));
    await eventually('the watcher\'s Role and RoleBinding in the other namespace', async () => (await grantsIn(home, watched)).length === 2);
    assert.deepEqual(await finalizerOwners(home), ['gitops'], 'the GitOps manager owns the finalizer');
    await deletesWithinSeconds(home, watched);
  });

  it('created with kubectl create -f from a manifest listing the finalizer: kubectl delete finishes within seconds and the cross-namespace Role is gone', async () => {
    const { home, watched } = await namespaces('gitops-create');
    await plane().kubectl(['create', '-f', '-'], manifest(home, watched));
    await eventually('the watcher\'s Role and RoleBinding in the other namespace', async () => (await grantsIn(home, watched)).length === 2);
    assert.deepEqual(await finalizerOwners(home), ['kubectl-create']);
    await deletesWithinSeconds(home, watched);
  });

  it('added by the operator, then listed by a GitOps apply too (both own it): kubectl delete finishes within seconds', async () => {
    const { home, watched } = await namespaces('gitops-shared');
    await plane().kubectl(['apply', '--server-side', '--field-manager=gitops', '-f', '-'], manifest(home, watched, []));
    await eventually('the operator\'s finalizer', async () => (await finalizerOwners(home)).includes('chatcli-operator'));
    await plane().kubectl(['apply', '--server-side', '--field-manager=gitops', '-f', '-'], manifest(home, watched));
    assert.deepEqual(await finalizerOwners(home), ['chatcli-operator', 'gitops']);
    await eventually('the watcher\'s Role and RoleBinding in the other namespace', async () => (await grantsIn(home, watched)).length === 2);
    await deletesWithinSeconds(home, watched);
  });

  it('keeps a finalizer of someone else: the operator removes only its own, and the instance waits for the other', async () => {
    const { home, watched } = await namespaces('gitops-other');
    const theirs = 'example.com/backup';
    await plane().kubectl(['apply', '--server-side', '--field-manager=gitops', '-f', '-'], manifest(home, watched, [theirs, FINALIZER]));
    await eventually('the watcher\'s Role and RoleBinding in the other namespace', async () => (await grantsIn(home, watched)).length === 2);
    await plane().kubectl(['delete', 'chatcliinstance', 'chat', '-n', home, '--wait=false']);
    await eventually('our finalizer removed, theirs kept', async () =>
      JSON.stringify((await getJson<Instance>(plane(), ['chatcliinstance', 'chat', '-n', home]))?.metadata.finalizers) === JSON.stringify([theirs]));
    assert.deepEqual(await grantsIn(home, watched), []);
    await plane().kubectl(['patch', 'chatcliinstance', 'chat', '-n', home, '--type=json', '-p', JSON.stringify([{ op: 'remove', path: '/metadata/finalizers/0' }])]);
    await eventually('the instance gone', async () => (await getJson(plane(), ['chatcliinstance', 'chat', '-n', home])) === undefined);
  });
});

describe('removeFromList on the API server', () => {
  it('refuses a removal from a stale read (the object changed since) and changes nothing; from a fresh read removes only the value, whoever added it', async () => {
    const kc = plane().adminKubeConfig();
    await plane().kubectl(['create', 'namespace', 'list-removal']);
    const ref = { namespace: 'list-removal', name: 'held' };
    const created = await createObject(kc, ConfigMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { ...ref, finalizers: ['example.com/theirs', FINALIZER] } });
    await plane().kubectl(['patch', 'configmap', 'held', '-n', ref.namespace, '--type=merge', '-p', '{"data":{"changed":"since"}}']);
    const stale = await removeFromList(kc, ConfigMaps, created, ['metadata', 'finalizers'], FINALIZER).catch((err: unknown) => err);
    assert.ok(isChangedSinceRead(stale), `refused as changed since read: ${String(stale)}`);
    assert.equal((stale as ApiError).status, 422, 'a failed test is 422');
    const fresh = await getObject(kc, ConfigMaps, ref);
    assert.deepEqual(fresh?.metadata?.finalizers, ['example.com/theirs', FINALIZER], 'nothing removed');
    const updated = await removeFromList(kc, ConfigMaps, fresh!, ['metadata', 'finalizers'], FINALIZER);
    assert.deepEqual(updated?.metadata?.finalizers, ['example.com/theirs']);
    assert.equal(await removeFromList(kc, ConfigMaps, updated!, ['metadata', 'finalizers'], FINALIZER), undefined, 'nothing left to remove');
    await plane().kubectl(['patch', 'configmap', 'held', '-n', ref.namespace, '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
    closeConnections(kc);
  });
});
