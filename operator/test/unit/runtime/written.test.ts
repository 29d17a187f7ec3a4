import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject, ResourceType } from '../../../src/runtime/kube.ts';
import { createWrittenOverlay } from '../../../src/runtime/written.ts';

const CM: ResourceType = { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };
const cm = (rv: string, v: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'ns', resourceVersion: rv }, data: { v } });

function fakeCache() {
  const state = { obj: undefined as KubeObject | undefined, rv: '10' };
  return { state, view: { get: () => state.obj, lastResourceVersion: () => state.rv } };
}

describe('read-your-writes overlay', () => {
  it('answers with our own write while the cache has not seen it', () => {
    const { state, view } = fakeCache();
    const overlay = createWrittenOverlay(view);
    overlay.record(CM, cm('12', 'mine'));
    assert.deepEqual(overlay.get(CM, 'ns', 'a'), cm('12', 'mine'));
    state.rv = '11';
    assert.deepEqual(overlay.get(CM, 'ns', 'a'), cm('12', 'mine'));
  });

  it('answers with the cache once it has seen that resourceVersion, even if the object is gone since', () => {
    const { state, view } = fakeCache();
    const overlay = createWrittenOverlay(view);
    overlay.record(CM, cm('12', 'mine'));
    state.rv = '13'; // the write, then a deletion, reached the cache
    assert.equal(overlay.get(CM, 'ns', 'a'), undefined);
    state.obj = cm('14', 'theirs');
    assert.deepEqual(overlay.get(CM, 'ns', 'a'), cm('14', 'theirs'));
  });

  it('forgets a write the cache never confirms after the time limit', () => {
    const { view } = fakeCache();
    let t = 0;
    const overlay = createWrittenOverlay(view, { ttlMs: 1000, now: () => t });
    overlay.record(CM, cm('12', 'mine'));
    t = 1500;
    assert.equal(overlay.get(CM, 'ns', 'a'), undefined);
  });

  it('keeps our write as the cache would keep it (its shape), not as the server answered', () => {
    const { view } = fakeCache();
    const overlay = createWrittenOverlay({ ...view, shape: (_type, obj) => ({ ...obj, metadata: { ...obj.metadata, managedFields: undefined } }) });
    overlay.record(CM, { ...cm('12', 'mine'), metadata: { ...cm('12', 'mine').metadata, managedFields: [{ manager: 'chatcli-operator' }] } });
    assert.equal((overlay.get(CM, 'ns', 'a') as KubeObject).metadata?.managedFields, undefined);
    assert.equal(((overlay.get(CM, 'ns', 'a') as KubeObject).data as { v: string }).v, 'mine');
  });

  it('drops, without being read again, a write the cache has caught up with, then stops sweeping', async () => {
    const { state, view } = fakeCache();
    const overlay = createWrittenOverlay(view, { sweepMs: 10 });
    overlay.record(CM, cm('12', 'mine'));
    overlay.record(CM, { ...cm('13', 'other'), metadata: { name: 'b', namespace: 'ns', resourceVersion: '13' } });
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(overlay.size(), 2, 'held while the cache is behind');
    state.rv = '12';
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(overlay.size(), 1, 'the write the cache has seen is dropped; the newer one is kept');
    state.rv = '13';
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(overlay.size(), 0);
  });
});
