import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { handOverToApplyPatch, holdsByUpdate, type ManagedFieldsEntry } from '../../../src/runtime/managed-fields.ts';
import { cacheTransform } from '../../../src/runtime/shape.ts';

const M = 'chatcli-operator';
const created: ManagedFieldsEntry = {
  manager: M, operation: 'Update', apiVersion: 'v1', time: '2026-12-01T10:00:00Z', fieldsType: 'FieldsV1',
  fieldsV1: { 'f:data': { 'f:a': {}, 'f:old': {} }, 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } },
};
const applied: ManagedFieldsEntry = {
  manager: M, operation: 'Apply', apiVersion: 'v1', time: '2026-12-02T10:00:00Z', fieldsType: 'FieldsV1',
  fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} } },
};
const someoneElse: ManagedFieldsEntry = { manager: 'kubectl-edit', operation: 'Update', apiVersion: 'v1', time: '2026-12-03T10:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:c': {} } } };
const statusOfOurs: ManagedFieldsEntry = { manager: M, operation: 'Update', apiVersion: 'v1', subresource: 'status', fieldsType: 'FieldsV1', fieldsV1: { 'f:status': {} } };
const object = (managedFields: ManagedFieldsEntry[]) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'ns', uid: 'u1', resourceVersion: '42', managedFields } });

describe('handing a create\'s fields over to apply (csaupgrade)', () => {
  it('merges our Update entry into our Apply entry, where the Apply entry was, and drops it; others\' and subresource entries stay', () => {
    const patch = handOverToApplyPatch(object([someoneElse, created, applied, statusOfOurs]), M);
    assert.deepEqual(patch?.slice(0, 2), [
      { op: 'test', path: '/metadata/uid', value: 'u1' },
      { op: 'test', path: '/metadata/resourceVersion', value: '42' },
    ]);
    assert.deepEqual(patch?.[2], {
      op: 'replace',
      path: '/metadata/managedFields',
      value: [
        someoneElse,
        {
          manager: M, operation: 'Apply', apiVersion: 'v1', time: '2026-12-02T10:00:00Z', fieldsType: 'FieldsV1',
          fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {}, 'f:old': {} }, 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } },
        },
        statusOfOurs,
      ],
    });
  });

  it('turns a lone Update entry into an Apply entry in its place', () => {
    const patch = handOverToApplyPatch(object([created, someoneElse]), M);
    assert.deepEqual(patch?.[2], { op: 'replace', path: '/metadata/managedFields', value: [{ ...created, operation: 'Apply' }, someoneElse] });
  });

  it('nothing to hand over: no Update entry of ours on the object itself', () => {
    assert.equal(handOverToApplyPatch(object([applied, someoneElse, statusOfOurs]), M), undefined);
    assert.equal(handOverToApplyPatch(object([]), M), undefined);
    assert.equal(holdsByUpdate(object([applied, statusOfOurs]), M), false);
    assert.equal(holdsByUpdate(object([created]), M), true);
    assert.equal(holdsByUpdate(object([created]), 'another'), false);
  });

  it('the cache keeps a shared mark while our Update entry is there, and nothing of managedFields otherwise', () => {
    const shape = cacheTransform({ status: [], updatesBy: M });
    const a = shape(object([created, applied]));
    const b = shape(object([created]));
    assert.deepEqual(a.metadata?.managedFields, [{ manager: M, operation: 'Update' }]);
    assert.equal(a.metadata?.managedFields, b.metadata?.managedFields, 'one array for every marked object');
    assert.equal(holdsByUpdate(a, M), true);
    assert.equal(shape(object([applied, someoneElse])).metadata?.managedFields, undefined);
    assert.equal(cacheTransform({ status: [] })(object([created])).metadata?.managedFields, undefined);
  });
});
