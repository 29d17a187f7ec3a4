import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isChangedSinceRead, jsonPointer, listRemovalPatch } from '../../../src/runtime/apply.ts';
import { ApiError } from '../../../src/runtime/kube.ts';

const FINALIZERS = ['metadata', 'finalizers'];
const read = (finalizers?: string[]) => ({
  apiVersion: 'example.com/v1',
  kind: 'Thing',
  metadata: { name: 'x', namespace: 'ns', uid: 'u-1', resourceVersion: '42', ...(finalizers ? { finalizers } : {}) },
});

describe('listRemovalPatch', () => {
  it('tests the uid, the resourceVersion and the list as read, then removes the entry at its index', () => {
    assert.deepEqual(listRemovalPatch(read(['gitops.example/keep', 'ours/finalizer']), FINALIZERS, 'ours/finalizer'), [
      { op: 'test', path: '/metadata/uid', value: 'u-1' },
      { op: 'test', path: '/metadata/resourceVersion', value: '42' },
      { op: 'test', path: '/metadata/finalizers', value: ['gitops.example/keep', 'ours/finalizer'] },
      { op: 'remove', path: '/metadata/finalizers/1' },
    ]);
  });

  it('removes every copy, the highest index first so the others stay where they were read', () => {
    const ops = listRemovalPatch(read(['ours', 'theirs', 'ours']), FINALIZERS, 'ours');
    assert.deepEqual(ops?.filter((o) => o.op === 'remove').map((o) => o.path), ['/metadata/finalizers/2', '/metadata/finalizers/0']);
  });

  it('is nothing to send when the list does not hold the value, or there is no list', () => {
    assert.equal(listRemovalPatch(read(['theirs']), FINALIZERS, 'ours'), undefined);
    assert.equal(listRemovalPatch(read(), FINALIZERS, 'ours'), undefined);
  });

  it('refuses an object read without its uid or resourceVersion: the tests would prove nothing', () => {
    const bare = { apiVersion: 'v1', kind: 'Thing', metadata: { name: 'x', finalizers: ['ours'] } };
    assert.throws(() => listRemovalPatch(bare, FINALIZERS, 'ours'), /uid and resourceVersion/);
  });
});

describe('jsonPointer', () => {
  it('escapes "~" and "/" in keys (RFC 6901)', () => {
    assert.equal(jsonPointer(['metadata', 'annotations', 'example.com/a~b']), '/metadata/annotations/example.com~1a~0b');
    assert.equal(jsonPointer(['spec', 'items', 3]), '/spec/items/3');
  });
});

describe('isChangedSinceRead', () => {
  it('is a failed test (422) or a failed resourceVersion precondition (409), nothing else', () => {
    assert.equal(isChangedSinceRead(new ApiError('test failed', 422, 'Invalid')), true);
    assert.equal(isChangedSinceRead(new ApiError('conflict', 409, 'Conflict')), true);
    assert.equal(isChangedSinceRead(new ApiError('gone', 404, 'NotFound')), false);
    assert.equal(isChangedSinceRead(new Error('network')), false);
  });
});
