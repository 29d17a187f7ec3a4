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
    const overlay = createWrittenOverlay(view, 1000, () => t);
    overlay.record(CM, cm('12', 'mine'));
    t = 1500;
    assert.equal(overlay.get(CM, 'ns', 'a'), undefined);
  });
});
